package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.Graph;
import org.junit.jupiter.api.Test;

/**
 * {@link StraightThroughSignPass} on whole graphs: where the estimator {@code Add(Sub(Sign(x), F),
 * F)} is proved exact, its reader reads the Sign, and {@link FloatReference} gives the same bits
 * for the rewritten graph as for the original one in float32, at the inputs where rounding would
 * show (0, -0, subnormals, values around 2^-24, +-1, +-2, huge). {@link StraightThroughSignTest}
 * covers the prover itself.
 */
class StraightThroughSignPassTest {

  /** x -> Sign, F = f(builder), Add(Sub(s, F), F) -> Conv -> y. */
  private static Graph ste(Function<TestGraph, String> f) {
    TestGraph b = new TestGraph().input("x", 1, 3, 4, 4)
        .constant("w", TestGraph.gaussian(new Random(51), 2 * 3 * 9, 1f, 0f), 2, 3, 3, 3);
    b.node(OpType.SIGN, "s", List.of("x"));
    String fv = f.apply(b);
    b.node(OpType.SUB, "d", List.of("s", fv));
    b.node(OpType.ADD, "e", List.of("d", fv));
    b.node(OpType.CONV2D, "y", List.of("e", "w"), "pads", new int[] {1, 1, 1, 1});
    return b.output("y").build();
  }

  /** Clip(x, -1, 1), times k when k != 1. */
  private static Function<TestGraph, String> clip(float k) {
    return b -> {
      b.node(OpType.CLIP, "f0", List.of("x"), "min", -1f, "max", 1f);
      if (k == 1f) {
        return "f0";
      }
      b.constant("k", new float[] {k});
      b.node(OpType.MUL, "f", List.of("f0", "k"));
      return "f";
    };
  }

  private static float[] awkwardInputs() {
    float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-24f, -0x1p-23f,
        0x1p-25f, 1e-8f, -1e-8f, 1f, -1f, Math.nextDown(1f), Math.nextUp(-1f), 2f, -2f, 0.5f,
        -0.5f, 1e30f, -1e30f, 0x1p62f, -0x1p62f, 3f, -7f};
    float[] x = TestGraph.gaussian(new Random(52), 48, 1f, 0f);
    System.arraycopy(special, 0, x, 0, special.length);
    return x;
  }

  private static List<String> apply(Graph g) {
    List<String> log = new ArrayList<>();
    new StraightThroughSignPass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  @Test
  void provedEstimatorsAreReadAsTheirSignWithTheSameBits() {
    for (float k : new float[] {1f, 2f}) {
      Graph g = ste(clip(k));
      float[] x = awkwardInputs();
      Map<String, float[]> want = FloatReference.runAll(g, x);
      // The reference itself: the float32 sum is the sign at every one of these inputs.
      assertSameBits(want.get("s"), want.get("e"), "estimator sum, k=" + k);

      List<String> log = apply(g);

      assertEquals(List.of(OpType.SIGN, OpType.CONV2D), TestGraph.ops(g), log.toString());
      assertEquals("s", g.producers().get("y").input(0));
      assertTrue(log.get(0).contains("1 of 1"), log.toString());
      assertTrue(log.get(0).contains("removed " + (k == 1f ? 3 : 4) + " float op(s)"),
          log.toString());
      assertSameBits(want.get("y"), FloatReference.run(g, x), "y, k=" + k);
    }
  }

  @Test
  void anEstimatorThatRoundsAwayFromItsSignIsLeftUnchanged() {
    // F = -x/2 is on the other side of zero: at x = 2^-23, F = -2^-24 and
    // fl(fl(1 + 2^-24) - 2^-24) = 1 - 2^-24, not 1.
    Graph g = ste(b -> {
      b.constant("k", new float[] {-0.5f});
      b.node(OpType.MUL, "f", List.of("x", "k"));
      return "f";
    });
    float[] x = new float[48];
    x[0] = 0x1p-23f;
    Map<String, float[]> out = FloatReference.runAll(g, x);
    assertEquals(1f, out.get("s")[0]);
    assertNotEquals(out.get("s")[0], out.get("e")[0], "the reference shows the rounding");

    List<Graph> cases = new ArrayList<>(List.of(g, ste(clip(3f))));
    // An F the prover does not model (Tanh), although it would be exact.
    cases.add(ste(b -> {
      b.node(OpType.TANH, "f", List.of("x"));
      return "f";
    }));
    // The sum is a graph output: whoever reads it outside expects the float sum.
    TestGraph exposed = new TestGraph().input("x", 1, 3, 4, 4);
    exposed.node(OpType.SIGN, "s", List.of("x"));
    exposed.node(OpType.CLIP, "f", List.of("x"), "min", -1f, "max", 1f);
    exposed.node(OpType.SUB, "d", List.of("s", "f"));
    exposed.node(OpType.ADD, "e", List.of("d", "f"));
    exposed.node(OpType.RELU, "y", List.of("e"));
    cases.add(exposed.output("y").output("e").build());

    for (Graph c : cases) {
      String before = TestGraph.snapshot(c);
      apply(c);
      assertEquals(before, TestGraph.snapshot(c));
    }
  }
}
