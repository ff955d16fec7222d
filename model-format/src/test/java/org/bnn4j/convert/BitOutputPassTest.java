package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@link BitOutputPass}: a binary layer whose float output only feeds a Binarize writes bits
 * through integer thresholds. The thresholds are checked against values worked out by hand from
 * each channel's transform, and the bits against the unfused graph on {@link FloatReference},
 * exactly, with inputs in the zero state so that dots of either parity occur.
 */
class BitOutputPassTest {
  private static final int C = 5;
  private static final int M = 6;

  /**
   * x -> Binarize (zero mode) -> layer (3x3 over 5 channels: dots in [-45, 45]) -> h ->
   * Binarize(t1, zero) -> b1 -> 1x1 BinaryConv2d -> y.
   */
  private static TestGraph layers(Random rnd, float[] mult, float[] bias, float[] slope,
      float[] post, float[] t1, String zero) {
    int m = mult.length;
    TestGraph b = new TestGraph().input("x", 1, C, 6, 6).constant("t0", new float[C], C)
        .bits("w1", TestGraph.signs(rnd, m * 9 * C), m, 3, 3, C)
        .constant("mult", mult, m).constant("bias", bias, m).constant("t1", t1, m)
        .bits("w2", TestGraph.signs(rnd, 3 * m), 3, 1, 1, m)
        .constant("ones", new float[] {1f, 1f, 1f}, 3).constant("zeros", new float[3], 3);
    b.node(OpType.BINARIZE, "b0", List.of("x", "t0"), ZeroStates.ATTRIBUTE, ZeroStates.ZERO);
    List<String> in = new ArrayList<>(List.of("b0", "w1", "mult", "bias", "", "", ""));
    if (slope != null) {
      b.constant("slope", slope, m);
      in.set(5, "slope");
    }
    if (post != null) {
      b.constant("post", post, m);
      in.set(6, "post");
    }
    b.node(OpType.BINARY_CONV2D, "h", in, "pads", new int[] {1, 1, 1, 1}, "output", "float");
    b.node(OpType.BINARIZE, "b1", List.of("h", "t1"), ZeroStates.ATTRIBUTE, zero);
    b.node(OpType.BINARY_CONV2D, "y", List.of("b1", "w2", "ones", "zeros"), "output", "float");
    return b.output("y");
  }

  private static float[] input(Random rnd) {
    float[] x = TestGraph.gaussian(rnd, C * 36, 1f, 0f);
    for (int i = 0; i < x.length; i += 3) {
      x[i] = 0f; // at t0: zero-state inputs make dots of both parities reachable
    }
    return x;
  }

  private static List<String> apply(Graph g) {
    List<String> log = new ArrayList<>();
    new BitOutputPass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  @Test
  void risingFallingConstantAndPreluChannelsGetTheirHandWorkedThresholds() {
    // Per channel: -1 exactly when ...
    float[] mult = {1f, -1f, 0.01f, 0.01f, 0.5f, 0.37f};
    float[] bias = {-2.5f, 0.5f, 100f, -100f, 0.25f, -1.1f};
    float[] slope = {1f, 1f, 1f, 1f, 0.1f, 1f};
    float[] post = {0f, 0f, 0f, 0f, -0.3f, 0f};
    float[] t1 = {0f, 0f, 0f, 0f, 0.1f, 0.2f};
    long min = BitOutputPass.CONSTANT;
    // d - 2.5 < 0: d < 3. 0.5 - d < 0: d >= 1, flipped. Never. Always. PReLU(0.5d + 0.25) - 0.3
    // < 0.1: d <= 0. 0.37d - 1.1 < 0.2: d <= 3.
    long[] threshold = {3, 1, min, min, 1, 4};
    long[] flip = {0, 1, 0, 1, 0, 0};
    for (String zero : new String[] {ZeroStates.ZERO, ZeroStates.PLUS}) {
      Random rnd = new Random(21);
      Graph g = layers(rnd, mult, bias, slope, post, t1, zero).build();
      float[] x = input(rnd);
      Map<String, float[]> want = FloatReference.runAll(g, x);

      List<String> log = apply(g);

      assertEquals(List.of(OpType.BINARIZE, OpType.BINARY_CONV2D, OpType.BINARY_CONV2D),
          TestGraph.ops(g), log.toString());
      assertTrue(log.get(0).contains("(2 constant channel(s))"), log.toString());
      OpNode layer = g.producers().get("b1");
      assertEquals(OpType.BINARY_CONV2D, layer.op());
      assertEquals("bits", layer.getString("output", null));
      assertEquals(4, layer.inputs().size(), layer.toString());
      assertArrayEquals(threshold, g.constant(layer.input(2)).longs(), zero);
      assertArrayEquals(flip, g.constant(layer.input(3)).longs(), zero);

      Map<String, float[]> got = FloatReference.runAll(g, x);
      assertSameBits(want.get("b1"), got.get("b1"), "b1, zero=" + zero);
      assertSameBits(want.get("y"), got.get("y"), "y, zero=" + zero);
    }
  }

  @Test
  void aDotExactlyAtAZeroModeThresholdKeepsTheFloatOutputButPlusModeFuses() {
    float[] one = {1f};
    float[] nil = {0f};
    Random rnd = new Random(22);
    Graph zeroMode = layers(rnd, one, nil, null, null, nil, ZeroStates.ZERO).build();
    String before = TestGraph.snapshot(zeroMode);
    assertTrue(apply(zeroMode).isEmpty());
    assertEquals(before, TestGraph.snapshot(zeroMode), "d = 0 must stay a 0, not a bit");

    rnd = new Random(22);
    Graph plus = layers(rnd, one, nil, null, null, nil, ZeroStates.PLUS).build();
    float[] x = input(rnd);
    float[] want = FloatReference.runAll(plus, x).get("b1");
    apply(plus);
    OpNode layer = plus.producers().get("b1");
    assertArrayEquals(new long[] {0}, plus.constant(layer.input(2)).longs());
    assertArrayEquals(new long[] {0}, plus.constant(layer.input(3)).longs());
    assertSameBits(want, FloatReference.runAll(plus, x).get("b1"), "b1");
  }

  @Test
  void layersWhoseBitsAreNotAThresholdOfTheDotAreLeftUnchanged() {
    List<Graph> cases = new ArrayList<>();
    // PReLU with slope -1 folds the transform: -1 only for d in {-1, 0}, two changes.
    cases.add(layers(new Random(23), new float[] {1f}, new float[] {0.5f}, new float[] {-1f},
        null, new float[] {1f}, ZeroStates.PLUS).build());
    // The float output is a graph output as well.
    TestGraph alsoOutput = layers(new Random(24), new float[] {1f}, new float[] {0.5f}, null,
        null, new float[] {0f}, ZeroStates.PLUS);
    cases.add(alsoOutput.output("h").build());
    // A residual: the bits would depend on a float value, not on d alone.
    TestGraph residual = layers(new Random(25), new float[] {1f}, new float[] {0.5f}, null,
        null, new float[] {0f}, ZeroStates.PLUS).input("r", 1, 1, 6, 6);
    OpNode h = residual.g.producers().get("h");
    h.inputs().set(OutputTransformFusionPass.RESIDUAL, "r");
    cases.add(residual.build());
    // The consumer Binarize reads its channels through a source map.
    TestGraph sourced = layers(new Random(26), new float[] {1f, 1f}, new float[] {0.5f, 0.5f},
        null, null, new float[] {0f, 0f}, ZeroStates.PLUS).int64("src", 1, 0);
    sourced.g.producers().get("b1").inputs().add("src");
    cases.add(sourced.build());

    for (Graph g : cases) {
      String before = TestGraph.snapshot(g);
      assertTrue(apply(g).isEmpty());
      assertEquals(before, TestGraph.snapshot(g));
    }
  }
}
