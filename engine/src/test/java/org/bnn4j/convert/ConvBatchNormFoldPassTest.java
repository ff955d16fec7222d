package org.bnn4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.runtime.CompiledGraph;
import org.bnn4j.runtime.Executor;
import org.bnn4j.runtime.GraphBuilder;
import org.bnn4j.runtime.ReferenceOps;
import org.junit.jupiter.api.Test;

/**
 * Conv followed by BatchNormalization, folded, against the unfolded graph on the reference ops
 * (a plain float convolution, then the BatchNorm formula): within float rounding.
 */
class ConvBatchNormFoldPassTest {

  private static float[] gaussian(Random rnd, int n, float scale, float offset) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = offset + scale * (float) rnd.nextGaussian();
    }
    return f;
  }

  /** x -> Conv(group) [-> extra consumer of the conv output] -> BatchNorm -> y. */
  private static Graph convBn(Random rnd, int c, int m, int group, boolean bias,
      boolean convOutputAlsoRead) {
    int k = 3;
    GraphBuilder b = new GraphBuilder().input("x", 2, c, 7, 6);
    b.constant("w", gaussian(rnd, m * (c / group) * k * k, 0.3f, 0f), m, c / group, k, k);
    List<String> convIn = new ArrayList<>(List.of("x", "w"));
    if (bias) {
      b.constant("b", gaussian(rnd, m, 1f, 0f), m);
      convIn.add("b");
    }
    b.constant("gamma", gaussian(rnd, m, 1f, 0f), m);
    b.constant("beta", gaussian(rnd, m, 1f, 0f), m);
    b.constant("mean", gaussian(rnd, m, 1f, 0f), m);
    float[] var = gaussian(rnd, m, 1f, 0f);
    for (int i = 0; i < m; i++) {
      var[i] = var[i] * var[i] + 0.01f;
    }
    b.constant("var", var, m);
    b.node(OpType.CONV2D, "h", convIn, "strides", new int[] {2, 1}, "pads",
        new int[] {1, 0, 1, 2}, "group", group);
    b.node(OpType.BATCH_NORM, "y", List.of("h", "gamma", "beta", "mean", "var"), "epsilon",
        1e-3f);
    b.output("y");
    if (convOutputAlsoRead) {
      b.node(OpType.RELU, "r", List.of("h"));
      b.output("r");
    }
    return b.build();
  }

  private static float[] run(Graph g, float[] x) {
    Executor e = CompiledGraph.compile(g, new ReferenceOps()).newExecutor();
    e.setInput(0, x, 0);
    e.run();
    return e.output(0);
  }

  private static long count(Graph g, OpType op) {
    return g.nodes().stream().map(OpNode::op).filter(op::equals).count();
  }

  @Test
  void foldedConvMatchesConvThenBatchNorm() {
    Random rnd = new Random(31);
    int cases = 0;
    for (int c : new int[] {1, 3, 8}) {
      for (int m : new int[] {1, 5, 16}) {
        for (boolean bias : new boolean[] {false, true}) {
          int group = c % 2 == 0 && m % 2 == 0 ? 2 : 1;
          Graph g = convBn(rnd, c, m, group, bias, false);
          float[] x = gaussian(rnd, 2 * c * 7 * 6, 1f, 0.5f);
          float[] want = run(g, x);
          List<String> log = new ArrayList<>();
          new ConvBatchNormFoldPass().apply(g, log);
          assertEquals(0, count(g, OpType.BATCH_NORM), "c=" + c + " m=" + m);
          assertEquals(1, log.size());
          float[] got = run(g, x);
          assertEquals(want.length, got.length);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])),
                "c=" + c + " m=" + m + " bias=" + bias + " at " + i);
          }
          cases++;
        }
      }
    }
    assertTrue(cases == 18);
  }

  @Test
  void convOutputReadElsewhereIsNotFolded() {
    Graph g = convBn(new Random(2), 3, 4, 1, true, true);
    List<String> log = new ArrayList<>();
    new ConvBatchNormFoldPass().apply(g, log);
    assertEquals(1, count(g, OpType.BATCH_NORM));
    assertTrue(log.isEmpty());
  }
}
