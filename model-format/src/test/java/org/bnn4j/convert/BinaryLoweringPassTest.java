package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertClose;
import static org.bnn4j.convert.TestGraph.count;
import static org.bnn4j.convert.TestGraph.only;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.junit.jupiter.api.Test;

/**
 * {@link BinaryLoweringPass}: Sign forms in front of convs and Gemms with +-a weights become
 * Binarize and BinaryConv2d / BinaryDense. Each rewritten graph is run on {@link FloatReference}
 * against the float graph it came from; inputs hold exact zeros and exact threshold values, where
 * ONNX Sign gives 0 and the Binarize must carry that third state.
 */
class BinaryLoweringPassTest {
  private static final int C = 5;
  private static final int M = 4;

  /** Gaussian values, about one in five replaced by one of {@code exact} (per channel). */
  private static float[] input(Random rnd, int n, int c, int inner, float[] exact) {
    float[] x = TestGraph.gaussian(rnd, n * c * inner, 1f, 0f);
    for (int i = 0; i < x.length; i++) {
      if (rnd.nextInt(5) == 0) {
        x[i] = exact == null ? 0f : exact[i / inner % c];
      }
    }
    return x;
  }

  private static List<String> lower(Graph g) {
    List<String> log = new ArrayList<>();
    new BinaryLoweringPass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  /** Sign of the weights, as the bits constant {@code name} holds them (OHWI order). */
  private static void assertWeightBits(Graph g, String name, float[] oihw, int m, int c, int kh,
      int kw) {
    float[] bits = FloatReference.unpack(g.constant(name));
    assertArrayEquals(new int[] {m, kh, kw, c}, g.constant(name).dims());
    for (int o = 0; o < m; o++) {
      for (int ci = 0; ci < c; ci++) {
        for (int k = 0; k < kh * kw; k++) {
          float w = oihw[(o * c + ci) * kh * kw + k];
          assertEquals(w < 0 ? -1f : 1f, bits[(o * kh * kw + k) * c + ci], "weight " + o);
        }
      }
    }
  }

  @Test
  void signThenConvsWithPlusMinusAWeightsShareOneBinarize() {
    Random rnd = new Random(1);
    float[] a = {0.5f, 1.25f, 0.031f, 2f};
    float[] w = TestGraph.plusMinus(rnd, a, C * 9);
    float[] w1 = TestGraph.plusMinus(rnd, new float[] {0.7f, 0.7f}, C);
    float[] bias = TestGraph.gaussian(rnd, M, 1f, 0f);
    TestGraph b = new TestGraph().input("x", 2, C, 6, 5)
        .constant("w", w, M, C, 3, 3).constant("b", bias, M).constant("w1", w1, 2, C, 1, 1);
    b.node(OpType.SIGN, "s", List.of("x"));
    b.node(OpType.CONV2D, "y", List.of("s", "w", "b"), "strides", new int[] {2, 1},
        "pads", new int[] {1, 0, 1, 2});
    b.node(OpType.CONV2D, "y1", List.of("s", "w1"));
    Graph g = b.output("y").output("y1").build();
    float[] x = input(rnd, 2, C, 30, null);
    Map<String, float[]> want = FloatReference.runAll(g, x);

    List<String> log = lower(g);

    assertEquals(List.of(OpType.BINARIZE, OpType.BINARY_CONV2D, OpType.BINARY_CONV2D),
        TestGraph.ops(g), log.toString());
    OpNode bin = only(g, OpType.BINARIZE);
    assertEquals("x", bin.input(0));
    assertArrayEquals(new float[C], g.constant(bin.input(1)).floats(), 0f);
    assertEquals(ZeroStates.ZERO, bin.getString(ZeroStates.ATTRIBUTE, null));
    OpNode conv = g.producers().get("y");
    assertEquals(bin.output(0), conv.input(0));
    assertWeightBits(g, conv.input(1), w, M, C, 3, 3);
    assertArrayEquals(a, g.constant(conv.input(2)).floats(), 0f);
    assertArrayEquals(bias, g.constant(conv.input(3)).floats(), 0f);
    assertArrayEquals(new long[] {2, 1}, conv.getLongs("strides", null));
    assertArrayEquals(new long[] {1, 0, 1, 2}, conv.getLongs("pads", null));
    assertEquals("float", conv.getString("output", null));
    assertTrue(log.get(0).contains("2 binary conv(s), 0 binary dense, 1 bit source(s)"), log
        .toString());

    Map<String, float[]> got = FloatReference.runAll(g, x);
    assertClose(want.get("y"), got.get("y"), 1e-5f, "y");
    assertClose(want.get("y1"), got.get("y1"), 1e-5f, "y1");
  }

  @Test
  void shiftedSignMaxPoolAndZeroPadFoldIntoBinarizeBitPoolAndConvPads() {
    Random rnd = new Random(2);
    float[] t = TestGraph.gaussian(rnd, C, 0.5f, 0f);
    float[] w = TestGraph.plusMinus(rnd, new float[] {0.3f, 0.3f, 0.9f, 0.1f}, C * 9);
    TestGraph b = new TestGraph().input("x", 1, C, 7, 6)
        .constant("t", t, 1, C, 1, 1).constant("w", w, M, C, 3, 3);
    b.node(OpType.SUB, "d", List.of("x", "t"));
    b.node(OpType.SIGN, "s", List.of("d"));
    b.node(OpType.MAX_POOL2D, "p", List.of("s"), "kernel", new int[] {2, 2},
        "strides", new int[] {2, 1}, "pads", new int[] {0, 0, 1, 0});
    b.node(OpType.PAD, "pp", List.of("p"), "pads", new long[] {0, 0, 1, 2, 0, 0, 1, 0},
        "mode", "constant", "value", 0f);
    b.node(OpType.CONV2D, "y", List.of("pp", "w"), "pads", new int[] {0, 1, 0, 1});
    Graph g = b.output("y").build();
    float[] x = input(rnd, 1, C, 42, t);
    float[] want = FloatReference.run(g, x);

    lower(g);

    assertEquals(List.of(OpType.BINARIZE, OpType.BIT_MAX_POOL2D, OpType.BINARY_CONV2D),
        TestGraph.ops(g));
    assertArrayEquals(t, g.constant(only(g, OpType.BINARIZE).input(1)).floats(), 0f);
    OpNode pool = only(g, OpType.BIT_MAX_POOL2D);
    assertArrayEquals(new long[] {2, 1}, pool.getLongs("strides", null));
    assertArrayEquals(new long[] {0, 0, 1, 0}, pool.getLongs("pads", null));
    // The Pad's [top 1, left 2, bottom 1, right 0] added to the conv's own [0, 1, 0, 1].
    assertArrayEquals(new long[] {1, 3, 1, 1},
        only(g, OpType.BINARY_CONV2D).getLongs("pads", null));
    assertClose(want, FloatReference.run(g, x), 1e-5f, "y");
  }

  @Test
  void aConcatOfSignsOfOneTensorWidensIntoOneBinarize() {
    Random rnd = new Random(3);
    float[] b1 = TestGraph.gaussian(rnd, C, 0.5f, 0f);
    float[] t2 = TestGraph.gaussian(rnd, C, 0.5f, 0f);
    float[] w = TestGraph.plusMinus(rnd, new float[] {1f, 0.25f, 3f}, 2 * C);
    TestGraph b = new TestGraph().input("x", 2, C, 3, 4)
        .constant("b1", b1, C, 1, 1).constant("t2", t2, 1, C, 1, 1)
        .constant("w", w, 3, 2 * C, 1, 1);
    b.node(OpType.ADD, "u", List.of("b1", "x"));
    b.node(OpType.SUB, "v", List.of("x", "t2"));
    b.node(OpType.SIGN, "su", List.of("u"));
    b.node(OpType.SIGN, "sv", List.of("v"));
    b.node(OpType.CONCAT, "s", List.of("su", "sv"), "axis", 1L);
    b.node(OpType.CONV2D, "y", List.of("s", "w"));
    Graph g = b.output("y").build();
    float[] exact = new float[C];
    for (int i = 0; i < C; i++) {
      exact[i] = i % 2 == 0 ? -b1[i] : t2[i];
    }
    float[] x = input(rnd, 2, C, 12, exact);
    float[] want = FloatReference.run(g, x);

    lower(g);

    assertEquals(List.of(OpType.BINARIZE, OpType.BINARY_CONV2D), TestGraph.ops(g));
    float[] thresholds = new float[2 * C];
    for (int i = 0; i < C; i++) {
      thresholds[i] = -b1[i];
      thresholds[C + i] = t2[i];
    }
    assertArrayEquals(thresholds, g.constant(only(g, OpType.BINARIZE).input(1)).floats(), 0f);
    assertWeightBits(g, only(g, OpType.BINARY_CONV2D).input(1), w, 3, 2 * C, 1, 1);
    assertClose(want, FloatReference.run(g, x), 1e-5f, "y");
  }

  @Test
  void signThenGemmBecomesBinaryDenseWithAlphaAndBetaFolded() {
    Random rnd = new Random(4);
    int k = 70; // two words per row
    for (boolean transB : new boolean[] {true, false}) {
      float[] a = {0.5f, 0.125f, 1f, 2f, 0.75f, 0.01f};
      float[] rows = TestGraph.plusMinus(rnd, a, k);
      float[] bw = rows;
      if (!transB) {
        bw = new float[rows.length];
        for (int o = 0; o < 6; o++) {
          for (int i = 0; i < k; i++) {
            bw[i * 6 + o] = rows[o * k + i];
          }
        }
      }
      float[] c = TestGraph.gaussian(rnd, 6, 1f, 0f);
      TestGraph b = new TestGraph().input("x", 3, k).constant("c", c, 6);
      b.constant("w", bw, transB ? new int[] {6, k} : new int[] {k, 6});
      b.node(OpType.SIGN, "s", List.of("x"));
      b.node(OpType.GEMM, "y", List.of("s", "w", "c"), "transB", transB ? 1L : 0L,
          "alpha", 0.5f, "beta", 2f);
      Graph g = b.output("y").build();
      float[] x = input(rnd, 3, k, 1, null);
      float[] want = FloatReference.run(g, x);

      lower(g);

      assertEquals(List.of(OpType.BINARIZE, OpType.BINARY_DENSE), TestGraph.ops(g));
      OpNode dense = only(g, OpType.BINARY_DENSE);
      assertArrayEquals(new int[] {6, k}, g.constant(dense.input(1)).dims());
      float[] bits = FloatReference.unpack(g.constant(dense.input(1)));
      for (int i = 0; i < rows.length; i++) {
        assertEquals(Math.signum(rows[i]), bits[i], "transB=" + transB + " weight " + i);
      }
      float[] mult = g.constant(dense.input(2)).floats();
      float[] bias = g.constant(dense.input(3)).floats();
      for (int o = 0; o < 6; o++) {
        assertEquals(a[o] * 0.5f, mult[o], 0f);
        assertEquals(c[o] * 2f, bias[o], 0f);
      }
      assertClose(want, FloatReference.run(g, x), 1e-5f, "transB=" + transB);
    }
  }

  @Test
  void bipolarSignReadsZeroAsPlusAndWeightsAFewUlpOffAreBinary() {
    Random rnd = new Random(5);
    float[] a = {0.3f, 0.6f, 0.05f, 1.5f};
    float[] w = TestGraph.plusMinus(rnd, a, C * 4);
    for (int i = 0; i < w.length; i += 3) {
      w[i] = Math.nextUp(w[i]); // as a pre-folded weight estimator leaves them
    }
    TestGraph b = new TestGraph().input("x", 1, C, 4, 4).constant("w", w, M, C, 2, 2);
    b.node(OpType.BIPOLAR_SIGN, "s", List.of("x"));
    b.node(OpType.CONV2D, "y", List.of("s", "w"), "pads", new int[] {1, 1, 0, 0},
        "dilations", new int[] {1, 2});
    Graph g = b.output("y").build();
    float[] x = input(rnd, 1, C, 16, null);
    float[] want = FloatReference.run(g, x);

    lower(g);

    OpNode bin = only(g, OpType.BINARIZE);
    assertFalse(bin.has(ZeroStates.ATTRIBUTE), "an absent zero attribute means plus: " + bin);
    assertArrayEquals(a, g.constant(only(g, OpType.BINARY_CONV2D).input(2)).floats(), 0f);
    // Off by at most a few ulp per weight: inside the float layers' tolerance.
    assertClose(want, FloatReference.run(g, x), 1e-5f, "y");
  }

  /** What lowering must leave alone, each case left exactly as it was. */
  @Test
  void whatIsNotBinaryIsLeftUnchanged() {
    Random rnd = new Random(6);
    float[] binary = TestGraph.plusMinus(rnd, new float[] {0.5f, 0.5f, 1f, 1f}, C * 9);
    List<TestGraph> cases = new ArrayList<>();

    TestGraph gaussianWeights = new TestGraph().input("x", 1, C, 5, 5)
        .constant("w", TestGraph.gaussian(rnd, M * C * 9, 1f, 0f), M, C, 3, 3);
    gaussianWeights.node(OpType.SIGN, "s", List.of("x"));
    gaussianWeights.node(OpType.CONV2D, "y", List.of("s", "w"));
    cases.add(gaussianWeights.output("y"));

    float[] threeValues = binary.clone();
    threeValues[7] = 0.25f * Math.signum(threeValues[7]);
    TestGraph third = new TestGraph().input("x", 1, C, 5, 5).constant("w", threeValues, M, C, 3,
        3);
    third.node(OpType.SIGN, "s", List.of("x"));
    third.node(OpType.CONV2D, "y", List.of("s", "w"));
    cases.add(third.output("y"));

    TestGraph noSign = new TestGraph().input("x", 1, C, 5, 5).constant("w", binary, M, C, 3, 3);
    noSign.node(OpType.RELU, "r", List.of("x"));
    noSign.node(OpType.CONV2D, "y", List.of("r", "w"));
    cases.add(noSign.output("y"));

    TestGraph signIsAnOutput = new TestGraph().input("x", 1, C, 5, 5)
        .constant("w", binary, M, C, 3, 3);
    signIsAnOutput.node(OpType.SIGN, "s", List.of("x"));
    signIsAnOutput.node(OpType.CONV2D, "y", List.of("s", "w"));
    cases.add(signIsAnOutput.output("y").output("s"));

    TestGraph padWithOnes = new TestGraph().input("x", 1, C, 5, 5)
        .constant("w", binary, M, C, 3, 3);
    padWithOnes.node(OpType.SIGN, "s", List.of("x"));
    padWithOnes.node(OpType.PAD, "p", List.of("s"), "pads", new long[] {0, 0, 1, 1, 0, 0, 1, 1},
        "mode", "constant", "value", 1f);
    padWithOnes.node(OpType.CONV2D, "y", List.of("p", "w"));
    cases.add(padWithOnes.output("y"));

    TestGraph mixedZeroModes = new TestGraph().input("x", 1, C, 5, 5)
        .constant("w", TestGraph.plusMinus(rnd, new float[] {1f}, 2 * C * 9), 1, 2 * C, 3, 3);
    mixedZeroModes.node(OpType.SIGN, "s1", List.of("x"));
    mixedZeroModes.node(OpType.BIPOLAR_SIGN, "s2", List.of("x"));
    mixedZeroModes.node(OpType.CONCAT, "s", List.of("s1", "s2"), "axis", 1L);
    mixedZeroModes.node(OpType.CONV2D, "y", List.of("s", "w"));
    cases.add(mixedZeroModes.output("y"));

    TestGraph transA = new TestGraph().input("x", 8, 3)
        .constant("w", TestGraph.plusMinus(rnd, new float[] {1f, 2f}, 8), 2, 8);
    transA.node(OpType.SIGN, "s", List.of("x"));
    transA.node(OpType.GEMM, "y", List.of("s", "w"), "transA", 1L, "transB", 1L);
    cases.add(transA.output("y"));

    for (TestGraph c : cases) {
      Graph g = c.build();
      String before = TestGraph.snapshot(g);
      List<String> log = lower(g);
      assertEquals(before, TestGraph.snapshot(g));
      assertTrue(log.isEmpty(), log.toString());
      assertEquals(0, count(g, OpType.BINARIZE));
    }
  }
}
