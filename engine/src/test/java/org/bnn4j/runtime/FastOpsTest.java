package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A small binary network compiled with the fast ops must give exactly the reference ops'
 * outputs, for one thread and for several.
 */
class FastOpsTest {

  static Graph network(Random rnd) {
    int n = 3;
    int c = 70;
    GraphBuilder b = new GraphBuilder().input("x", n, c, 9, 8);
    float[] thr = new float[c];
    for (int i = 0; i < c; i++) {
      thr[i] = (float) rnd.nextGaussian() * 0.1f;
    }
    b.constant("thr", thr, c);
    Graph g = b.build();
    g.constants().put("w1", ConstTensor.ofBits(new int[] {96, 3, 3, c}, bits(rnd, 96 * 9, c)));
    long[] t1 = new long[96];
    long[] f1 = new long[96];
    for (int i = 0; i < 96; i++) {
      t1[i] = rnd.nextInt(81) - 40;
      f1[i] = rnd.nextInt(2);
    }
    g.constants().put("t1", ConstTensor.ofInt64(new int[] {96}, t1));
    g.constants().put("f1", ConstTensor.ofInt64(new int[] {96}, f1));
    g.constants().put("w2", ConstTensor.ofBits(new int[] {64, 3, 3, 96}, bits(rnd, 64 * 9, 96)));
    for (String name : new String[] {"mult", "bias", "slope", "post"}) {
      float[] v = new float[64];
      for (int i = 0; i < 64; i++) {
        v[i] = (float) rnd.nextGaussian();
      }
      g.constants().put(name, ConstTensor.ofFloats(new int[] {64}, v));
    }
    g.constants().put("w3", ConstTensor.ofBits(new int[] {10, 64}, bits(rnd, 10, 64)));
    b.node(OpType.BINARIZE, "xb", List.of("x", "thr"));
    b.node(OpType.BINARY_CONV2D, "h1", List.of("xb", "w1", "t1", "f1"), "strides",
        new int[] {1, 1}, "pads", new int[] {1, 1, 1, 1}, "output", "bits");
    b.node(OpType.BINARY_CONV2D, "y", List.of("h1", "w2", "mult", "bias", "", "slope", "post"),
        "strides", new int[] {2, 2}, "pads", new int[] {0, 1, 2, 1}, "output", "float");
    return b.output("y").build();
  }

  static long[] bits(Random rnd, int rows, int channels) {
    int words = Bitpack.words(channels);
    long[] a = new long[rows * words];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < words; i++) {
        a[r * words + i] = rnd.nextLong();
      }
      if ((channels & 63) != 0) {
        a[r * words + words - 1] &= (1L << (channels & 63)) - 1;
      }
    }
    return a;
  }

  static float[] run(CompiledGraph p, float[] input, int threads) {
    Executor e = p.newExecutor();
    e.setThreads(threads);
    e.setInput(0, input, 0);
    e.run();
    return e.output(0);
  }

  @Test
  void fastOpsEqualReferenceForAnyThreadCount() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Random rnd = new Random(5);
    Graph g = network(rnd);
    float[] x = new float[3 * 70 * 9 * 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    float[] ref = run(CompiledGraph.compile(g, new ReferenceOps()), x, 1);
    CompiledGraph fast = CompiledGraph.compile(network(new Random(5)), new FastOps(vector));
    for (int threads : new int[] {1, 2, 3, 8}) {
      float[] got = run(fast, x, threads);
      assertEquals(ref.length, got.length);
      assertArrayEquals(ref, got, "threads " + threads);
    }
  }

  @Test
  void scalarProviderFallsBackToReference() {
    Random rnd = new Random(6);
    Graph g = network(rnd);
    float[] x = new float[3 * 70 * 9 * 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    float[] ref = run(CompiledGraph.compile(g, new ReferenceOps()), x, 1);
    float[] got = run(CompiledGraph.compile(network(new Random(6)),
        new FastOps(Kernels.scalar())), x, 2);
    assertArrayEquals(ref, got);
  }

  @Test
  void floatConvIsCloseToReferenceAndThreadIndependent() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Random rnd = new Random(8);
    int c = 19;
    int m = 30;
    float[] w = new float[m * c * 9];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian() * 0.2f;
    }
    float[] bias = new float[m];
    for (int i = 0; i < m; i++) {
      bias[i] = (float) rnd.nextGaussian();
    }
    Graph g = new GraphBuilder().input("x", 2, c, 11, 13).constant("w", w, m, c, 3, 3)
        .constant("b", bias, m)
        .node(OpType.CONV2D, "y", List.of("x", "w", "b"), "strides", new int[] {2, 1}, "pads",
            new int[] {1, 0, 2, 1})
        .output("y").build();
    float[] x = new float[2 * c * 11 * 13];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    float[] ref = run(CompiledGraph.compile(g, new ReferenceOps()), x, 1);
    CompiledGraph fast = CompiledGraph.compile(g, new FastOps(vector));
    float[] one = run(fast, x, 1);
    for (int i = 0; i < ref.length; i++) {
      assertEquals(ref[i], one[i], 1e-4f * Math.max(1f, Math.abs(ref[i])), "at " + i);
    }
    for (int threads : new int[] {2, 3}) {
      assertArrayEquals(one, run(fast, x, threads), "threads " + threads);
    }
  }

  /** Max pooling split over planes: the reference's bits for every thread count. */
  @Test
  void maxPoolEqualsReferenceForAnyThreadCount() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Random rnd = new Random(9);
    int n = 2;
    int c = 40;
    int h = 30;
    int w = 37;
    Graph g = new GraphBuilder().input("x", n, c, h, w)
        .node(OpType.MAX_POOL2D, "y", List.of("x"), "kernel", new int[] {3, 3}, "strides",
            new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1})
        .output("y").build();
    float[] x = new float[n * c * h * w];
    for (int i = 0; i < x.length; i++) {
      x[i] = switch (rnd.nextInt(50)) {
        case 0 -> Float.NaN;
        case 1 -> -0.0f;
        case 2 -> 0.0f;
        default -> (float) rnd.nextGaussian();
      };
    }
    float[] ref = run(CompiledGraph.compile(g, new ReferenceOps()), x, 1);
    // enough planes for several chunks, so the split is exercised
    assertEquals(true, n * c * 15 * 19 > 2 * FastOps.MIN_POOL_OUTPUTS_PER_CHUNK);
    for (KernelProvider p : List.of(vector, Kernels.scalar())) {
      CompiledGraph fast = CompiledGraph.compile(g, new FastOps(p));
      for (int threads : new int[] {1, 2, 3, 8}) {
        assertArrayEquals(rawBits(ref), rawBits(run(fast, x, threads)),
            p.name() + " threads " + threads);
      }
    }
  }

  /** The plane split hands ranges to workers without allocating, once compiled. */
  @Test
  void maxPoolOnTwoWorkersAllocatesNothing() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Graph g = new GraphBuilder().input("x", 1, 64, 40, 40)
        .node(OpType.MAX_POOL2D, "y", List.of("x"), "kernel", new int[] {3, 3}, "strides",
            new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1})
        .output("y").build();
    Executor e = CompiledGraph.compile(g, new FastOps(vector)).newExecutor();
    e.setThreads(2);
    e.setInput(0, new float[64 * 40 * 40], 0);
    var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
        .getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    long allocated = -1;
    // until the JIT has compiled the vector code (interpreted vector code allocates)
    for (int batch = 0; batch < 40 && allocated != 0; batch++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 500; i++) {
        e.run();
      }
      allocated = mx.getThreadAllocatedBytes(tid) - before;
    }
    assertEquals(0, allocated, "bytes allocated by 500 runs");
  }

  private static int[] rawBits(float[] a) {
    int[] bits = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      bits[i] = Float.floatToRawIntBits(a[i]);
    }
    return bits;
  }
}
