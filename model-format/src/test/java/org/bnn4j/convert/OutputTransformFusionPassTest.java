package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertClose;
import static org.bnn4j.convert.TestGraph.only;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.junit.jupiter.api.Test;

/**
 * {@link OutputTransformFusionPass}: per-channel float ops after a binary layer fold into its
 * output transform, in the transform's stage order. The fused graph is run on {@link
 * FloatReference} against the graph with the float ops still separate.
 */
class OutputTransformFusionPassTest {
  private static final int C = 6;
  private static final int M = 4;

  private static final int MULT = OutputTransformFusionPass.MULTIPLIER;
  private static final int RESIDUAL = OutputTransformFusionPass.RESIDUAL;
  private static final int SLOPE = OutputTransformFusionPass.SLOPE;
  private static final int POST = OutputTransformFusionPass.POST_BIAS;

  /** x -> Binarize (zero mode) -> BinaryConv2d (3x3, pads 1, float output) -> h. */
  private static TestGraph binaryConv(Random rnd, float[] t) {
    TestGraph b = new TestGraph().input("x", 2, C, 5, 5).input("x2", 2, M, 5, 5)
        .constant("t", t, C)
        .bits("w", TestGraph.signs(rnd, M * 9 * C), M, 3, 3, C)
        .constant("mult", TestGraph.gaussian(rnd, M, 0.5f, 0f), M)
        .constant("bias", TestGraph.gaussian(rnd, M, 1f, 0f), M);
    b.node(OpType.BINARIZE, "bits", List.of("x", "t"), ZeroStates.ATTRIBUTE, ZeroStates.ZERO);
    b.node(OpType.BINARY_CONV2D, "h", List.of("bits", "w", "mult", "bias"),
        "pads", new int[] {1, 1, 1, 1}, "output", "float");
    return b;
  }

  private static float[] inputs(Random rnd, int n, float[] t, int inner) {
    float[] x = TestGraph.gaussian(rnd, n, 1f, 0f);
    for (int i = 0; i < n; i += 4) {
      x[i] = t[i / inner % t.length]; // at the threshold: the zero state
    }
    return x;
  }

  private static List<String> fuse(Graph g) {
    List<String> log = new ArrayList<>();
    new OutputTransformFusionPass().apply(g, log);
    TestGraph.build(g);
    return log;
  }

  @Test
  void scaleShiftBatchNormResidualPreluAndPostBiasFoldIntoOneConv() {
    Random rnd = new Random(11);
    float[] t = TestGraph.gaussian(rnd, C, 0.3f, 0f);
    TestGraph b = binaryConv(rnd, t);
    float[] slope = TestGraph.gaussian(rnd, M, 0.2f, 0.1f);
    float[] k4 = TestGraph.gaussian(rnd, M, 1f, 0f);
    float[] k5 = TestGraph.gaussian(rnd, M, 1f, 0f);
    float[] var = TestGraph.gaussian(rnd, M, 0.3f, 1f);
    for (int i = 0; i < M; i++) {
      var[i] = var[i] * var[i] + 0.05f;
    }
    b.constant("k1", TestGraph.gaussian(rnd, M, 1f, 0f), 1, M, 1, 1)
        .constant("k2", TestGraph.gaussian(rnd, M, 0.5f, 2f), M, 1, 1)
        .constant("k3", TestGraph.gaussian(rnd, M, 1f, 0f), 1, M, 1, 1)
        .constant("gamma", TestGraph.gaussian(rnd, M, 1f, 0f), M)
        .constant("beta", TestGraph.gaussian(rnd, M, 1f, 0f), M)
        .constant("mean", TestGraph.gaussian(rnd, M, 1f, 0f), M)
        .constant("var", var, M)
        .constant("slope", slope, M, 1, 1)
        .constant("k4", k4, 1, M, 1, 1)
        .constant("k5", k5, M, 1, 1);
    b.node(OpType.RELU, "r", List.of("x2"));
    b.node(OpType.MUL, "h1", List.of("k1", "h"));
    b.node(OpType.DIV, "h2", List.of("h1", "k2"));
    b.node(OpType.ADD, "h3", List.of("h2", "k3"));
    b.node(OpType.BATCH_NORM, "h4", List.of("h3", "gamma", "beta", "mean", "var"),
        "epsilon", 1e-3f);
    b.node(OpType.ADD, "h5", List.of("r", "h4"));
    b.node(OpType.PRELU, "h6", List.of("h5", "slope"));
    b.node(OpType.SUB, "h7", List.of("h6", "k4"));
    b.node(OpType.ADD, "y", List.of("k5", "h7"));
    Graph g = b.output("y").build();
    float[] x = inputs(rnd, 2 * C * 25, t, 25);
    float[] x2 = TestGraph.gaussian(rnd, 2 * M * 25, 1f, 0f);
    float[] want = FloatReference.run(g, x, x2);

    List<String> log = fuse(g);

    assertEquals(List.of(OpType.BINARIZE, OpType.RELU, OpType.BINARY_CONV2D), TestGraph.ops(g),
        log.toString());
    assertTrue(log.get(0).contains("folded 8 float op(s)"), log.toString());
    OpNode conv = only(g, OpType.BINARY_CONV2D);
    assertEquals("y", conv.output(0));
    assertEquals("r", conv.input(RESIDUAL));
    assertArrayEquals(slope, g.constant(conv.input(SLOPE)).floats(), 0f);
    float[] post = g.constant(conv.input(POST)).floats();
    for (int i = 0; i < M; i++) {
      assertEquals(k5[i] - k4[i], post[i], 1e-6f);
    }
    assertClose(want, FloatReference.run(g, x, x2), 2e-5f, "y");
  }

  @Test
  void aMulAfterTheResidualStaysAFloatOpOnADenseLayer() {
    Random rnd = new Random(12);
    float[] t = new float[20];
    TestGraph b = new TestGraph().input("x", 3, 20).input("r", 3, 5).constant("t", t, 20)
        .bits("w", TestGraph.signs(rnd, 5 * 20), 5, 20)
        .constant("mult", TestGraph.gaussian(rnd, 5, 0.5f, 0f), 5)
        .constant("bias", TestGraph.gaussian(rnd, 5, 1f, 0f), 5)
        .constant("gamma", TestGraph.gaussian(rnd, 5, 1f, 0f), 5)
        .constant("beta", TestGraph.gaussian(rnd, 5, 1f, 0f), 5)
        .constant("mean", TestGraph.gaussian(rnd, 5, 1f, 0f), 5)
        .constant("var", TestGraph.gaussian(rnd, 5, 0.1f, 1f), 5)
        .constant("k", TestGraph.gaussian(rnd, 5, 1f, 0f), 5);
    b.node(OpType.BINARIZE, "bits", List.of("x", "t"), ZeroStates.ATTRIBUTE, ZeroStates.ZERO);
    b.node(OpType.BINARY_DENSE, "h", List.of("bits", "w", "mult", "bias"), "output", "float");
    b.node(OpType.BATCH_NORM, "h1", List.of("h", "gamma", "beta", "mean", "var"));
    b.node(OpType.ADD, "h2", List.of("h1", "r"));
    b.node(OpType.MUL, "y", List.of("h2", "k"));
    Graph g = b.output("y").build();
    float[] x = inputs(rnd, 60, t, 1);
    float[] r = TestGraph.gaussian(rnd, 15, 1f, 0f);
    float[] want = FloatReference.run(g, x, r);

    fuse(g);

    assertEquals(List.of(OpType.BINARIZE, OpType.BINARY_DENSE, OpType.MUL), TestGraph.ops(g));
    OpNode dense = only(g, OpType.BINARY_DENSE);
    assertEquals("r", dense.input(RESIDUAL));
    assertEquals(dense.output(0), only(g, OpType.MUL).input(0));
    assertClose(want, FloatReference.run(g, x, r), 2e-5f, "y");
  }

  @Test
  void opsTheTransformCannotExpressAreLeftUnchanged() {
    Random rnd = new Random(13);
    float[] t = new float[C];
    List<TestGraph> cases = new ArrayList<>();
    // Sub and Div with the layer on the right are not a scale or shift of it.
    for (OpType op : new OpType[] {OpType.SUB, OpType.DIV}) {
      TestGraph left = binaryConv(rnd, t).constant("k", new float[] {2f, 3f, 4f, 5f}, M, 1, 1);
      left.node(op, "y", List.of("k", "h"));
      cases.add(left.output("y"));
    }
    // A constant that is not per channel (it varies along W).
    TestGraph alongW = binaryConv(rnd, t).constant("k", TestGraph.gaussian(rnd, 5, 1f, 0f),
        1, 1, 1, 5);
    alongW.node(OpType.MUL, "y", List.of("h", "k"));
    cases.add(alongW.output("y"));
    // The layer's float output is read elsewhere too.
    TestGraph twoReaders = binaryConv(rnd, t).constant("k", new float[] {2f}, 1);
    twoReaders.node(OpType.MUL, "y", List.of("h", "k"));
    cases.add(twoReaders.output("y").output("h"));
    // A slope that is not per channel: PRelu with one slope per position.
    TestGraph slopeMap = binaryConv(rnd, t)
        .constant("s", TestGraph.gaussian(rnd, 25, 0.1f, 0.2f), 1, 1, 5, 5);
    slopeMap.node(OpType.PRELU, "y", List.of("h", "s"));
    cases.add(slopeMap.output("y"));

    for (TestGraph c : cases) {
      Graph g = c.build();
      String before = TestGraph.snapshot(g);
      List<String> log = fuse(g);
      assertEquals(before, TestGraph.snapshot(g));
      assertTrue(log.isEmpty(), log.toString());
    }
  }
}
