package org.bnn4j.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;

/**
 * A small model with every float kernel that reduces (float conv, dense, average and global
 * average pool, tanh, sigmoid, softmax) and a binary layer; {@link #main} runs it once in a fresh
 * JVM and prints the output bits, so that a test can compare a cold JVM with a warm one.
 */
public final class DeterminismProbe {
  private DeterminismProbe() {}

  static float[] randoms(Random rnd, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian() * scale;
    }
    return a;
  }

  static Graph graph() {
    Random rnd = new Random(11);
    GraphBuilder b = new GraphBuilder().input("x", 2, 3, 10, 10)
        .constant("cw", randoms(rnd, 8 * 3 * 9, 0.3f), 8, 3, 3, 3)
        .constant("cb", randoms(rnd, 8, 0.1f), 8)
        .constant("w1", randoms(rnd, 38 * 200, 0.1f), 38, 200)
        .constant("b1", randoms(rnd, 38, 0.1f), 38)
        .constant("w2", randoms(rnd, 10 * 38, 0.3f), 10, 38)
        .constant("b2", randoms(rnd, 10, 0.1f), 10)
        .constant("thr", randoms(rnd, 8, 0.1f), 8);
    b.node(OpType.CONV2D, "c", List.of("x", "cw", "cb"), "pads", new int[] {1, 1, 1, 1});
    b.node(OpType.AVG_POOL2D, "p", List.of("c"), "kernel", new int[] {2, 2}, "strides",
        new int[] {2, 2});
    b.node(OpType.RESHAPE, "f", List.of("p"), "shape", new long[] {2, 200});
    b.node(OpType.GEMM, "g1", List.of("f", "w1", "b1"), "transB", 1L);
    b.node(OpType.TANH, "t", List.of("g1"));
    b.node(OpType.GEMM, "g2", List.of("t", "w2", "b2"), "transB", 1L);
    b.node(OpType.SIGMOID, "s", List.of("g2"));
    b.node(OpType.SOFTMAX, "sm", List.of("g2"), "axis", 1L);
    b.node(OpType.GLOBAL_AVG_POOL, "gap", List.of("c"));
    Graph g = b.build();
    // A binary layer on the conv's output: Binarize (zero = "zero") -> BinaryConv2d, float out.
    g.constants().put("bw", org.bnn4j.format.graph.ConstTensor.ofBits(new int[] {5, 3, 3, 8},
        FastOpsTest.bits(rnd, 5 * 9, 8)));
    b.constant("bm", randoms(rnd, 5, 0.1f), 5).constant("bb", randoms(rnd, 5, 0.1f), 5);
    b.node(OpType.BINARIZE, "xb", List.of("c", "thr"), "zero", "zero");
    b.node(OpType.BINARY_CONV2D, "bc", List.of("xb", "bw", "bm", "bb"), "pads",
        new int[] {1, 1, 1, 1}, "output", "float");
    for (String out : new String[] {"g1", "s", "sm", "gap", "bc"}) {
      b.output(out);
    }
    return b.build();
  }

  static float[] input() {
    return randoms(new Random(12), 2 * 3 * 10 * 10, 1f);
  }

  /** Every output's bits, concatenated. */
  static int[] run(Executor e) {
    e.setInput(0, input(), 0);
    e.run();
    List<Integer> bits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      for (float v : e.output(i)) {
        bits.add(Float.floatToRawIntBits(v));
      }
    }
    return bits.stream().mapToInt(Integer::intValue).toArray();
  }

  static CompiledGraph compile(String path) {
    if (path.equals("reference")) {
      return CompiledGraph.compile(graph(), new ReferenceOps());
    }
    KernelProvider p = path.equals("vector") ? Kernels.vectorOrNull() : Kernels.scalar();
    return CompiledGraph.compile(graph(), new FastOps(p));
  }

  /**
   * Args: kernel paths ("vector", "scalar" or "reference"). Prints, per path, one line of hex
   * words, one per output element.
   */
  public static void main(String[] args) {
    for (String path : args) {
      int[] bits = run(compile(path).newExecutor());
      StringBuilder sb = new StringBuilder();
      for (int v : bits) {
        sb.append(Integer.toHexString(v)).append(' ');
      }
      System.out.println(sb.toString().trim());
    }
  }
}
