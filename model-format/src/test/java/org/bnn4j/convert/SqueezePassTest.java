package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertSameBits;
import static org.bnn4j.convert.TestGraph.only;
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
import org.bnn4j.format.graph.ValueType;
import org.junit.jupiter.api.Test;

/**
 * {@link SqueezePass}: bits channels that are the same for every input leave the layer that
 * writes them, and their contribution moves into each reader's tap bias. The dots are integers
 * before and after, so the squeezed graph must give the same outputs as the original one, bit
 * for bit, on {@link FloatReference}, borders of the zero padding included.
 */
class SqueezePassTest {

  private static List<String> squeeze(Graph g) {
    List<String> log = new ArrayList<>();
    new SqueezePass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  /** The sum, over the constant channels, of their value times the weight, per [m, tap]. */
  private static float[] expectedTapBias(float[] w, int rows, int channels, int[] constant) {
    float[] tap = new float[rows];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < channels; c++) {
        tap[r] += constant[c] * (w[r * channels + c] < 0 ? -1 : 1);
      }
    }
    return tap;
  }

  @Test
  void boundedBinarizeChannelsMoveIntoEveryReadersTapBias() {
    Random rnd = new Random(31);
    float[] w3 = TestGraph.signs(rnd, 3 * 9 * 4);
    float[] w1 = TestGraph.signs(rnd, 2 * 4 * 4);
    TestGraph b = new TestGraph().input("x", 2, 4, 5, 5)
        .constant("t", new float[] {0f, 5f, -5f, 0.3f}, 4)
        .bits("w3", w3, 3, 3, 3, 4).bits("w1", w1, 2, 2, 2, 4)
        .constant("m3", TestGraph.gaussian(rnd, 3, 1f, 0f), 3)
        .constant("b3", TestGraph.gaussian(rnd, 3, 1f, 0f), 3)
        .constant("m1", TestGraph.gaussian(rnd, 2, 1f, 0f), 2)
        .constant("b1", TestGraph.gaussian(rnd, 2, 1f, 0f), 2);
    b.node(OpType.CLIP, "cl", List.of("x"), "min", -1f, "max", 1f);
    b.node(OpType.BINARIZE, "bits", List.of("cl", "t"), ZeroStates.ATTRIBUTE, ZeroStates.ZERO);
    b.node(OpType.BINARY_CONV2D, "y", List.of("bits", "w3", "m3", "b3"),
        "pads", new int[] {1, 1, 1, 1}, "output", "float");
    b.node(OpType.BINARY_CONV2D, "y1", List.of("bits", "w1", "m1", "b1"),
        "pads", new int[] {0, 1, 1, 0}, "strides", new int[] {2, 2}, "dilations",
        new int[] {2, 1}, "output", "float");
    Graph g = b.output("y").output("y1").build();
    float[] x = TestGraph.gaussian(rnd, 200, 2f, 0f);
    for (int i = 0; i < x.length; i += 7) {
      x[i] = 0f; // channel 0's threshold: the zero state
    }
    Map<String, float[]> want = FloatReference.runAll(g, x);

    List<String> log = squeeze(g);

    // Threshold 5 is above Clip's max (always -1), -5 below its min (always +1).
    int[] constant = {0, -1, 1, 0};
    OpNode bin = only(g, OpType.BINARIZE);
    assertArrayEquals(new float[] {0f, 0.3f}, g.constant(bin.input(1)).floats(), 0f);
    assertArrayEquals(new long[] {0, 3}, g.constant(bin.input(2)).longs());
    assertEquals(ValueType.bits(2, 2, 5, 5), g.typeOf("bits"));
    for (String[] reader : new String[][] {{"y", "27"}, {"y1", "8"}}) {
      OpNode conv = g.producers().get(reader[0]);
      int rows = Integer.parseInt(reader[1]);
      float[] w = reader[0].equals("y") ? w3 : w1;
      assertEquals(2, g.constant(conv.input(1)).dims()[3]);
      assertArrayEquals(expectedTapBias(w, rows, 4, constant),
          g.constant(conv.input(OutputTransformFusionPass.TAP_BIAS)).floats(), 0f, reader[0]);
    }
    assertEquals("4 -> 2", g.metadata().notes().get("squeezed bits"));
    assertTrue(log.get(0).contains("(2 constant for every input)"), log.toString());

    Map<String, float[]> got = FloatReference.runAll(g, x);
    assertSameBits(want.get("y"), got.get("y"), "y");
    assertSameBits(want.get("y1"), got.get("y1"), "y1");
  }

  @Test
  void constantChannelsOfABitOutputLayerLeaveItsWeightsAndThresholds() {
    Random rnd = new Random(32);
    float[] w1 = TestGraph.signs(rnd, 4 * 9 * 3);
    float[] w2 = TestGraph.signs(rnd, 2 * 9 * 4);
    long min = BitOutputPass.CONSTANT;
    TestGraph b = new TestGraph().input("x", 1, 3, 6, 5).constant("t", new float[3], 3)
        .bits("w1", w1, 4, 3, 3, 3).int64("thr", 3, min, -2, min).int64("flip", 0, 1, 1, 0)
        .bits("w2", w2, 2, 3, 3, 4)
        .constant("m2", new float[] {0.5f, -2f}, 2).constant("b2", new float[] {1f, 0f}, 2);
    b.node(OpType.BINARIZE, "b0", List.of("x", "t"));
    b.node(OpType.BINARY_CONV2D, "b1", List.of("b0", "w1", "thr", "flip"),
        "pads", new int[] {1, 1, 1, 1}, "output", "bits");
    b.node(OpType.BINARY_CONV2D, "y", List.of("b1", "w2", "m2", "b2"),
        "pads", new int[] {1, 0, 1, 2}, "output", "float");
    Graph g = b.output("y").build();
    float[] x = TestGraph.gaussian(rnd, 90, 1f, 0f);
    float[] want = FloatReference.run(g, x);

    squeeze(g);

    OpNode layer = g.producers().get("b1");
    assertArrayEquals(new long[] {3, -2}, g.constant(layer.input(2)).longs());
    assertArrayEquals(new long[] {0, 1}, g.constant(layer.input(3)).longs());
    assertArrayEquals(new int[] {2, 3, 3, 3}, g.constant(layer.input(1)).dims());
    // Channels 0 and 2 kept: their weight rows, unchanged.
    float[] kept = FloatReference.unpack(g.constant(layer.input(1)));
    for (int i = 0; i < 27; i++) {
      assertEquals(w1[i] < 0 ? -1f : 1f, kept[i]);
      assertEquals(w1[2 * 27 + i] < 0 ? -1f : 1f, kept[27 + i]);
    }
    OpNode y = g.producers().get("y");
    assertArrayEquals(expectedTapBias(w2, 18, 4, new int[] {0, -1, 0, 1}),
        g.constant(y.input(OutputTransformFusionPass.TAP_BIAS)).floats(), 0f);
    assertSameBits(want, FloatReference.run(g, x), "y");
  }

  @Test
  void aMinusInfinityThresholdIsAPlusChannelForADenseReader() {
    Random rnd = new Random(33);
    float[] w = TestGraph.signs(rnd, 4 * 3);
    TestGraph b = new TestGraph().input("x", 3, 3)
        .constant("t", new float[] {Float.NEGATIVE_INFINITY, 0f, 0f}, 3).bits("w", w, 4, 3)
        .constant("m", TestGraph.gaussian(rnd, 4, 1f, 0f), 4)
        .constant("bias", TestGraph.gaussian(rnd, 4, 1f, 0f), 4);
    b.node(OpType.BINARIZE, "bits", List.of("x", "t"), ZeroStates.ATTRIBUTE, ZeroStates.ZERO);
    b.node(OpType.BINARY_DENSE, "y", List.of("bits", "w", "m", "bias"), "output", "float");
    Graph g = b.output("y").build();
    float[] x = {-1e30f, 0f, 1f, 0f, -2f, 0f, 3f, 0.5f, -0.5f};
    float[] want = FloatReference.run(g, x);

    squeeze(g);

    OpNode bin = only(g, OpType.BINARIZE);
    assertArrayEquals(new long[] {1, 2}, g.constant(bin.input(2)).longs());
    assertArrayEquals(expectedTapBias(w, 4, 3, new int[] {1, 0, 0}),
        g.constant(only(g, OpType.BINARY_DENSE).input(OutputTransformFusionPass.TAP_BIAS))
            .floats(), 0f);
    assertSameBits(want, FloatReference.run(g, x), "y");
  }

  /** Clip(0, 1) then thresholds 0 and 0.5, read by a 1x1 conv, with the given zero mode. */
  private static Graph clipAtThreshold(String zero) {
    TestGraph b = new TestGraph().input("x", 1, 2, 3, 3)
        .constant("t", new float[] {0f, 0.5f}, 2)
        .bits("w", new float[] {1f, -1f, -1f, -1f}, 2, 1, 1, 2)
        .constant("m", new float[] {1f, 1f}, 2).constant("bias", new float[2], 2);
    b.node(OpType.CLIP, "cl", List.of("x"), "min", 0f, "max", 1f);
    b.node(OpType.BINARIZE, "bits", List.of("cl", "t"), ZeroStates.ATTRIBUTE, zero);
    b.node(OpType.BINARY_CONV2D, "y", List.of("bits", "w", "m", "bias"), "output", "float");
    return b.output("y").build();
  }

  @Test
  void aBoundAtTheThresholdIsConstantOnlyWhenTheThresholdReadsPlus() {
    float[] x = new float[18];
    x[3] = -1f;
    x[4] = 0.5f;
    x[12] = 0.7f;
    // Clip(0, 1) >= 0: channel 0 reads +1 for every x under "plus" ...
    Graph plus = clipAtThreshold(ZeroStates.PLUS);
    float[] want = FloatReference.run(plus, x);
    squeeze(plus);
    assertEquals(ValueType.bits(1, 1, 3, 3), plus.typeOf("bits"));
    assertArrayEquals(new float[] {0.5f}, plus.constant(only(plus, OpType.BINARIZE).input(1))
        .floats(), 0f);
    assertSameBits(want, FloatReference.run(plus, x), "y");

    // ... but 0 for x <= 0 under "zero": nothing is constant.
    Graph z = clipAtThreshold(ZeroStates.ZERO);
    String before = TestGraph.snapshot(z);
    assertTrue(squeeze(z).isEmpty());
    assertEquals(before, TestGraph.snapshot(z));
  }

  @Test
  void channelsWithNonBinaryOrGroupedReadersAreKept() {
    List<Graph> cases = new ArrayList<>();
    // Read by a BitMaxPool2d.
    TestGraph pooled = new TestGraph().input("x", 1, 2, 4, 4)
        .constant("t", new float[] {Float.NEGATIVE_INFINITY, 0f}, 2);
    pooled.node(OpType.BINARIZE, "bits", List.of("x", "t"));
    pooled.node(OpType.BIT_MAX_POOL2D, "p", List.of("bits"), "kernel", new int[] {2, 2});
    cases.add(pooled.output("p").build());
    // Read by a grouped conv.
    TestGraph grouped = new TestGraph().input("x", 1, 2, 4, 4)
        .constant("t", new float[] {Float.NEGATIVE_INFINITY, 0f}, 2)
        .bits("w", new float[] {1f, -1f}, 2, 1, 1, 1)
        .constant("m", new float[] {1f, 1f}, 2).constant("bias", new float[2], 2);
    grouped.node(OpType.BINARIZE, "bits", List.of("x", "t"));
    grouped.node(OpType.BINARY_CONV2D, "y", List.of("bits", "w", "m", "bias"), "group", 2L,
        "output", "float");
    cases.add(grouped.output("y").build());
    // Every channel constant: the layer is left whole.
    TestGraph allConstant = new TestGraph().input("x", 1, 2, 4, 4)
        .constant("t", new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2)
        .bits("w", new float[] {1f, -1f}, 1, 1, 1, 2)
        .constant("m", new float[] {1f}, 1).constant("bias", new float[1], 1);
    allConstant.node(OpType.BINARIZE, "bits", List.of("x", "t"));
    allConstant.node(OpType.BINARY_CONV2D, "y", List.of("bits", "w", "m", "bias"),
        "output", "float");
    cases.add(allConstant.output("y").build());

    for (Graph g : cases) {
      String before = TestGraph.snapshot(g);
      assertTrue(squeeze(g).isEmpty());
      assertEquals(before, TestGraph.snapshot(g));
    }
  }
}
