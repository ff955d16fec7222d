package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.junit.jupiter.api.Test;

/**
 * {@link ConvBatchNormFoldPass} in model-format, on {@link FloatReference}: the folded conv
 * against conv then BatchNorm (the engine's {@code ConvBatchNormFoldPassTest} runs the same
 * comparison on the engine's reference ops).
 */
class ConvBatchNormFoldTest {

  /** x -> Conv(strides 2x1, asymmetric pads, group) -> BatchNorm(eps 1e-3) -> y. */
  private static TestGraph convBn(Random rnd, int c, int m, int group, boolean bias) {
    float[] var = TestGraph.gaussian(rnd, m, 1f, 0f);
    for (int i = 0; i < m; i++) {
      var[i] = var[i] * var[i] + 0.01f;
    }
    TestGraph b = new TestGraph().input("x", 2, c, 7, 6)
        .constant("w", TestGraph.gaussian(rnd, m * c / group * 9, 0.3f, 0f), m, c / group, 3, 3)
        .constant("bias", TestGraph.gaussian(rnd, m, 1f, 0f), m)
        .constant("gamma", TestGraph.gaussian(rnd, m, 1f, 0f), m)
        .constant("beta", TestGraph.gaussian(rnd, m, 1f, 0f), m)
        .constant("mean", TestGraph.gaussian(rnd, m, 1f, 0f), m)
        .constant("var", var, m);
    b.node(OpType.CONV2D, "h", bias ? List.of("x", "w", "bias") : List.of("x", "w"),
        "strides", new int[] {2, 1}, "pads", new int[] {1, 0, 1, 2}, "group", (long) group);
    b.node(OpType.BATCH_NORM, "y", List.of("h", "gamma", "beta", "mean", "var"),
        "epsilon", 1e-3f);
    return b.output("y");
  }

  private static List<String> fold(Graph g) {
    List<String> log = new ArrayList<>();
    new ConvBatchNormFoldPass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  @Test
  void theFoldedConvWritesWhatConvThenBatchNormWrote() {
    Random rnd = new Random(61);
    for (int group : new int[] {1, 2}) {
      for (boolean bias : new boolean[] {false, true}) {
        Graph g = convBn(rnd, 4, 6, group, bias).build();
        float[] x = TestGraph.gaussian(rnd, 2 * 4 * 42, 1f, 0.5f);
        float[] want = FloatReference.run(g, x);
        float[] w = g.constant("w").floats();
        float[] gamma = g.constant("gamma").floats();
        float[] var = g.constant("var").floats();

        List<String> log = fold(g);

        assertEquals(List.of(OpType.CONV2D), TestGraph.ops(g), log.toString());
        OpNode conv = g.nodes().get(0);
        assertEquals("y", conv.output(0));
        assertEquals(3, conv.inputs().size());
        assertEquals(group, conv.getLong("group", 1));
        assertArrayEquals(new long[] {1, 0, 1, 2}, conv.getLongs("pads", null));
        assertArrayEquals(new int[] {6, 4 / group, 3, 3}, g.constant(conv.input(1)).dims());
        // Each output channel's filter is scaled by gamma / sqrt(var + eps).
        float[] folded = g.constant(conv.input(1)).floats();
        int per = w.length / 6;
        for (int o = 0; o < 6; o++) {
          double scale = gamma[o] / Math.sqrt(var[o] + 1e-3);
          assertEquals(w[o * per] * scale, folded[o * per], 1e-6 * Math.abs(scale));
        }
        assertTrue(!g.types().containsKey("h"), "the conv's old output is gone");
        assertClose(want, FloatReference.run(g, x), 1e-5f, "group=" + group + " bias=" + bias);
      }
    }
  }

  @Test
  void aConvWhoseOutputIsReadElsewhereOrWhoseParametersAreNotConstantIsKept() {
    List<Graph> cases = new ArrayList<>();
    TestGraph twoReaders = convBn(new Random(62), 3, 4, 1, true);
    twoReaders.node(OpType.RELU, "r", List.of("h"));
    cases.add(twoReaders.output("r").build());

    TestGraph meanIsAnInput = convBn(new Random(63), 3, 4, 1, true);
    meanIsAnInput.g.constants().remove("mean");
    meanIsAnInput.input("mean", 4);
    cases.add(meanIsAnInput.build());

    TestGraph weightsAreAnInput = convBn(new Random(64), 3, 4, 1, false);
    weightsAreAnInput.g.constants().remove("w");
    weightsAreAnInput.input("w", 4, 3, 3, 3);
    cases.add(weightsAreAnInput.build());

    for (Graph g : cases) {
      String before = TestGraph.snapshot(g);
      assertTrue(fold(g).isEmpty());
      assertEquals(before, TestGraph.snapshot(g));
    }
  }
}
