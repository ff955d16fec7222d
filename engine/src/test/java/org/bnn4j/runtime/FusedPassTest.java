package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Binarize run inside the pass of the binary layer producing its input ({@link FusedPass}) gives
 * the same bits as Binarize run on its own, and as the reference ops, at Bi-Real ResNet-18's
 * stage shapes, for every thread count; also when the layer's outputs sit exactly at the next
 * Binarize's thresholds (ONNX Sign(0) = 0: the zero-state path).
 */
class FusedPassTest {

  /**
   * {@code blocks} Bi-Real blocks: Binarize (thresholds near 0), 3x3 BinaryConv2d with float
   * output, a per-channel affine (BN folded) and the block's input as shortcut. With {@code
   * exactAtThreshold}, block 0 has no shortcut and half its channels a zero multiplier and the
   * next Binarize's threshold as bias, so the next Binarize meets inputs exactly at threshold.
   */
  static Graph stage(Random rnd, int n, int c, int h, int w, int blocks,
      boolean exactAtThreshold) {
    GraphBuilder b = new GraphBuilder().input("x", n, c, h, w);
    float[][] thr = new float[blocks][c];
    for (int k = 0; k < blocks; k++) {
      for (int i = 0; i < c; i++) {
        thr[k][i] = (float) rnd.nextGaussian() * 0.1f;
      }
      b.constant("thr" + k, thr[k], c);
    }
    Graph g = b.build();
    String cur = "x";
    for (int k = 0; k < blocks; k++) {
      float[] mult = new float[c];
      float[] bias = new float[c];
      for (int i = 0; i < c; i++) {
        mult[i] = (float) (0.02 * rnd.nextGaussian());
        bias[i] = (float) (0.1 * rnd.nextGaussian());
        if (exactAtThreshold && k == 0 && blocks > 1 && i % 2 == 0) {
          mult[i] = 0f;
          bias[i] = thr[1][i];
        }
      }
      g.constants().put("w" + k, ConstTensor.ofBits(new int[] {c, 3, 3, c},
          FastOpsTest.bits(rnd, c * 9, c)));
      g.constants().put("mult" + k, ConstTensor.ofFloats(new int[] {c}, mult));
      g.constants().put("bias" + k, ConstTensor.ofFloats(new int[] {c}, bias));
      b.node(OpType.BINARIZE, "b" + k, List.of(cur, "thr" + k), "zero", "zero");
      boolean shortcut = !(exactAtThreshold && k == 0);
      b.node(OpType.BINARY_CONV2D, "y" + k, shortcut
          ? List.of("b" + k, "w" + k, "mult" + k, "bias" + k, cur)
          : List.of("b" + k, "w" + k, "mult" + k, "bias" + k), "strides", new int[] {1, 1},
          "pads", new int[] {1, 1, 1, 1}, "output", "float");
      cur = "y" + k;
    }
    return b.output(cur).build();
  }

  static int fusedPasses(CompiledGraph p) {
    int n = 0;
    for (Op op : p.ops()) {
      if (op instanceof NamedOp named && named.body() instanceof FusedPass) {
        n++;
      }
    }
    return n;
  }

  private static void check(String what, int n, int c, int hw, int blocks, boolean exact,
      long seed) {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Random rnd = new Random(seed);
    float[] x = new float[n * c * hw * hw];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    float[] ref = FastOpsTest.run(CompiledGraph.compile(stage(new Random(seed), n, c, hw, hw,
        blocks, exact), new ReferenceOps()), x, 1);
    CompiledGraph unfused = CompiledGraph.compile(stage(new Random(seed), n, c, hw, hw, blocks,
        exact), new FastOps(vector), false);
    CompiledGraph fused = CompiledGraph.compile(stage(new Random(seed), n, c, hw, hw, blocks,
        exact), new FastOps(vector), true);
    assertEquals(0, fusedPasses(unfused), what);
    assertEquals(blocks - 1, fusedPasses(fused), what + ": every Binarize but the first fused");
    assertArrayEquals(ref, FastOpsTest.run(unfused, x, 1), what + ", unfused");
    for (int threads : new int[] {1, 2, 3, 4}) {
      for (int rep = 0; rep < 2; rep++) {
        assertArrayEquals(ref, FastOpsTest.run(fused, x, threads),
            what + ", fused, " + threads + " thread(s)");
        assertArrayEquals(ref, FastOpsTest.run(unfused, x, threads),
            what + ", unfused, " + threads + " thread(s)");
      }
    }
  }

  @Test
  void fusedBinarizeGivesTheUnfusedBitsAtBiRealShapes() {
    check("56x56x64", 1, 64, 56, 3, false, 1);
    check("14x14x256", 1, 256, 14, 2, false, 2);
    check("7x7x512, batch 2", 2, 512, 7, 2, false, 3);
  }

  @Test
  void fusedBinarizeMeetingExactZerosGivesTheUnfusedBits() {
    check("28x28x128, inputs at threshold", 1, 128, 28, 2, true, 4);
    check("9x9x70, batch 3, inputs at threshold", 3, 70, 9, 3, true, 5);
  }
}
