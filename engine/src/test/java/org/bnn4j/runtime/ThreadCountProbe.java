package org.bnn4j.runtime;

import java.util.Arrays;
import java.util.Random;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;

/**
 * Run by {@link ThreadCountTest} in a JVM that sees 4 processors (so that sessions really use 3
 * and 4 threads on any machine): Bi-Real stages at real shapes, fused and unfused, at 1 to 4
 * threads, each compared bit for bit with the reference ops. Prints "ok" or the first mismatch.
 */
public final class ThreadCountProbe {
  private ThreadCountProbe() {}

  public static void main(String[] args) {
    if (RunContext.MAX_WORKERS < 4) {
      System.out.println("only " + RunContext.MAX_WORKERS + " worker slots");
      System.exit(2);
    }
    KernelProvider vector = Kernels.vectorOrNull();
    KernelProvider provider = vector != null ? vector : Kernels.scalar();
    int[][] cases = {{1, 64, 56, 3, 0}, {1, 128, 28, 2, 1}, {2, 512, 7, 2, 0}, {3, 70, 9, 3, 1}};
    for (int[] k : cases) {
      String what = k[0] + "x" + k[1] + "x" + k[2] + "x" + k[2] + (k[4] == 1 ? " at threshold" : "");
      Random rnd = new Random(what.hashCode());
      float[] x = new float[k[0] * k[1] * k[2] * k[2]];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      Graph g = FusedPassTest.stage(new Random(7), k[0], k[1], k[2], k[2], k[3], k[4] == 1);
      float[] ref = FastOpsTest.run(CompiledGraph.compile(g, new ReferenceOps()), x, 1);
      for (boolean fuse : new boolean[] {true, false}) {
        CompiledGraph p = CompiledGraph.compile(FusedPassTest.stage(new Random(7), k[0], k[1],
            k[2], k[2], k[3], k[4] == 1), new FastOps(provider), fuse);
        for (int threads = 1; threads <= 4; threads++) {
          for (int rep = 0; rep < 3; rep++) {
            float[] got = FastOpsTest.run(p, x, threads);
            if (!Arrays.equals(ref, got)) {
              System.out.println(what + (fuse ? " fused" : " unfused") + ", " + threads
                  + " threads, run " + rep + ": differs from the reference");
              System.exit(1);
            }
          }
        }
      }
    }
    System.out.println("ok");
    System.exit(0);
  }
}
