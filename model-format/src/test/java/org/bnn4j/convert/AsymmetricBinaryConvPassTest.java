package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.junit.jupiter.api.Test;

/**
 * {@link AsymmetricBinaryConvPass}: AdaBin's {@code Conv(a * (Sign(z) + b), W)} with two weight
 * values per output channel becomes a conv with +-1 weights, a window sum of the same signs and a
 * constant map. The split graph is run on {@link FloatReference} against the original conv.
 */
class AsymmetricBinaryConvPassTest {
  private static final int C = 4;
  private static final int M = 3;

  /** Weights lo[m] or hi[m], at random, per output channel. */
  private static float[] twoValued(Random rnd, float[] lo, float[] hi, int row) {
    float[] w = new float[lo.length * row];
    for (int i = 0; i < w.length; i++) {
      w[i] = rnd.nextBoolean() ? hi[i / row] : lo[i / row];
    }
    return w;
  }

  /** x -> sign -> Add b -> Mul a -> Conv(w, bias) -> y; {@code bDims} says how b is shaped. */
  private static TestGraph adaBin(OpType sign, float a, float[] b, int[] bDims, float[] w,
      Object... convAttrs) {
    TestGraph t = new TestGraph().input("x", 2, C, 6, 5)
        .constant("a", new float[] {a}).constant("b", b, bDims)
        .constant("w", w, M, C, 3, 3)
        .constant("bias", new float[] {0.5f, -1f, 0.25f}, M);
    t.node(sign, "s", List.of("x"));
    t.node(OpType.ADD, "u", List.of("s", "b"));
    t.node(OpType.MUL, "v", List.of("a", "u"));
    t.node(OpType.CONV2D, "y", List.of("v", "w", "bias"), convAttrs);
    return t.output("y");
  }

  private static List<String> apply(Graph g) {
    List<String> log = new ArrayList<>();
    new AsymmetricBinaryConvPass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  @Test
  void theConvSplitsIntoASignDotAWindowSumAndAConstantMap() {
    Random rnd = new Random(41);
    float[] lo = {-0.3f, 0.1f, -0.45f};
    float[] hi = {0.5f, 0.35f, -0.05f};
    float[] w = twoValued(rnd, lo, hi, C * 9);
    for (OpType sign : new OpType[] {OpType.SIGN, OpType.BIPOLAR_SIGN}) {
      Graph g = adaBin(sign, 0.8f, new float[] {0.3f}, new int[] {1}, w,
          "strides", new int[] {1, 2}, "pads", new int[] {1, 1, 0, 1}).build();
      float[] x = TestGraph.gaussian(rnd, 2 * C * 30, 1f, 0f);
      for (int i = 0; i < x.length; i += 5) {
        x[i] = 0f; // Sign(0) = 0: the activation is a * b there
      }
      float[] want = FloatReference.run(g, x);

      List<String> log = apply(g);

      assertEquals(List.of(sign, OpType.CONV2D, OpType.MUL, OpType.CONV2D, OpType.MUL,
          OpType.ADD, OpType.ADD), TestGraph.ops(g), log.toString());
      assertFalse(g.types().containsKey("u") || g.types().containsKey("v"), "a, b removed");
      List<OpNode> convs = g.nodes().stream().filter(n -> n.op() == OpType.CONV2D).toList();
      OpNode dot = convs.get(0);
      OpNode sum = convs.get(1);
      assertEquals("s", dot.input(0));
      assertEquals("s", sum.input(0));
      float[] t = g.constant(dot.input(1)).floats();
      for (int i = 0; i < w.length; i++) {
        assertEquals(w[i] == hi[i / (C * 9)] ? 1f : -1f, t[i], "sign weight " + i);
      }
      assertArrayEquals(new int[] {1, C, 3, 3}, g.constant(sum.input(1)).dims());
      for (float one : g.constant(sum.input(1)).floats()) {
        assertEquals(1f, one);
      }
      for (OpNode conv : convs) {
        assertArrayEquals(new long[] {1, 2}, conv.getLongs("strides", null));
        assertArrayEquals(new long[] {1, 1, 0, 1}, conv.getLongs("pads", null));
      }
      float[] dotScale = g.constant(g.consumers().get(dot.output(0)).get(0).input(1)).floats();
      float[] sumScale = g.constant(g.consumers().get(sum.output(0)).get(0).input(1)).floats();
      for (int m = 0; m < M; m++) {
        assertEquals(0.8f * (hi[m] - lo[m]) / 2, dotScale[m], 1e-6f);
        assertEquals(0.8f * (hi[m] + lo[m]) / 2, sumScale[m], 1e-6f);
      }
      assertEquals("y", g.nodes().get(g.nodes().size() - 1).output(0));
      assertTrue(log.get(0).contains("1 AdaBin conv(s)"), log.toString());

      assertClose(want, FloatReference.run(g, x), 1e-5f, sign + " y");
    }
  }

  @Test
  void symmetricThreeValuedGroupedOrPerChannelFormsAreLeftUnchanged() {
    Random rnd = new Random(42);
    float[] lo = {-0.3f, 0.1f, -0.45f};
    float[] hi = {0.5f, 0.35f, -0.05f};
    float[] w = twoValued(rnd, lo, hi, C * 9);
    List<Graph> cases = new ArrayList<>();
    // +-a weights: the plain binary lowering's case.
    cases.add(adaBin(OpType.SIGN, 0.8f, new float[] {0.3f}, new int[] {1},
        TestGraph.plusMinus(rnd, new float[] {0.2f, 0.4f, 1f}, C * 9)).build());
    // A third value in channel 1.
    float[] three = w.clone();
    three[C * 9 + 4] = 0.2f;
    cases.add(adaBin(OpType.SIGN, 0.8f, new float[] {0.3f}, new int[] {1}, three).build());
    // b per channel.
    cases.add(adaBin(OpType.SIGN, 0.8f, new float[] {0.3f, 0.1f, 0f, -0.2f},
        new int[] {1, C, 1, 1}, w).build());
    // a = 0.
    cases.add(adaBin(OpType.SIGN, 0f, new float[] {0.3f}, new int[] {1}, w).build());
    // No Sign in front: Relu instead.
    cases.add(adaBin(OpType.RELU, 0.8f, new float[] {0.3f}, new int[] {1}, w).build());

    for (Graph g : cases) {
      String before = TestGraph.snapshot(g);
      assertTrue(apply(g).isEmpty());
      assertEquals(before, TestGraph.snapshot(g));
    }
  }

  @Test
  void aGroupedConvIsLeftUnchanged() {
    Random rnd = new Random(43);
    float[] w = twoValued(rnd, new float[] {-0.3f, 0.1f, -0.45f, 0f},
        new float[] {0.5f, 0.35f, -0.05f, 1f}, C / 2 * 9);
    TestGraph t = new TestGraph().input("x", 1, C, 5, 5)
        .constant("a", new float[] {0.8f}).constant("b", new float[] {0.3f}, 1)
        .constant("w", w, 4, C / 2, 3, 3);
    t.node(OpType.SIGN, "s", List.of("x"));
    t.node(OpType.ADD, "u", List.of("s", "b"));
    t.node(OpType.MUL, "v", List.of("u", "a"));
    t.node(OpType.CONV2D, "y", List.of("v", "w"), "group", 2L);
    Graph g = t.output("y").build();
    String before = TestGraph.snapshot(g);
    assertTrue(apply(g).isEmpty());
    assertEquals(before, TestGraph.snapshot(g));
  }
}
