package org.bnn4j.convert;

import static org.bnn4j.convert.FloatReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.junit.jupiter.api.Test;

/**
 * The passes in {@link GraphPass#defaultPipeline()} order, as {@link Converter} runs them, on a
 * small float BNN as PyTorch exports it: a float stem with BatchNorm, a straight-through sign,
 * two binary convs with BatchNorm and a max pool. Each pass relies on the ones before it (the
 * lowering on the estimator being gone, the bit output on BatchNorm being in the transform, the
 * stem's fold on running after the binary passes), so the final graph shows the order works, and
 * {@link FloatReference} checks it against the float model.
 */
class DefaultPipelineTest {

  private static TestGraph batchNorm(TestGraph b, Random rnd, String name, String x, int c) {
    float[] var = TestGraph.gaussian(rnd, c, 0.3f, 1f);
    for (int i = 0; i < c; i++) {
      var[i] = var[i] * var[i] + 0.05f;
    }
    b.constant(name + "_gamma", TestGraph.gaussian(rnd, c, 0.5f, 1f), c)
        .constant(name + "_beta", TestGraph.gaussian(rnd, c, 0.5f, 0f), c)
        .constant(name + "_mean", TestGraph.gaussian(rnd, c, 2f, 0f), c)
        .constant(name + "_var", var, c);
    b.node(OpType.BATCH_NORM, name, List.of(x, name + "_gamma", name + "_beta", name + "_mean",
        name + "_var"));
    return b;
  }

  @Test
  void aFloatBnnBecomesAFoldedStemBitsLayersAndOneFloatOutputLayer() {
    Random rnd = new Random(71);
    TestGraph b = new TestGraph().input("x", 1, 3, 8, 8)
        .constant("ws", TestGraph.gaussian(rnd, 8 * 3 * 9, 0.5f, 0f), 8, 3, 3, 3)
        .constant("w1", TestGraph.plusMinus(rnd, TestGraph.gaussian(rnd, 8, 0.1f, 0.5f), 72),
            8, 8, 3, 3)
        .constant("w2", TestGraph.plusMinus(rnd, TestGraph.gaussian(rnd, 6, 0.1f, 0.5f), 72),
            6, 8, 3, 3);
    b.node(OpType.CONV2D, "c0", List.of("x", "ws"), "pads", new int[] {1, 1, 1, 1});
    batchNorm(b, rnd, "n0", "c0", 8);
    // Straight-through sign: Add(Sub(Sign(n0), Clip(n0)), Clip(n0)).
    b.node(OpType.SIGN, "sign0", List.of("n0"));
    b.node(OpType.CLIP, "clip0", List.of("n0"), "min", -1f, "max", 1f);
    b.node(OpType.SUB, "ste0", List.of("sign0", "clip0"));
    b.node(OpType.ADD, "s0", List.of("ste0", "clip0"));
    b.node(OpType.CONV2D, "c1", List.of("s0", "w1"), "pads", new int[] {1, 1, 1, 1});
    batchNorm(b, rnd, "n1", "c1", 8);
    b.node(OpType.SIGN, "s1", List.of("n1"));
    b.node(OpType.MAX_POOL2D, "p1", List.of("s1"), "kernel", new int[] {2, 2},
        "strides", new int[] {2, 2});
    b.node(OpType.CONV2D, "c2", List.of("p1", "w2"), "pads", new int[] {1, 1, 1, 1});
    batchNorm(b, rnd, "n2", "c2", 6);
    b.node(OpType.RELU, "y", List.of("n2"));
    Graph g = b.output("y").build();
    float[] x = TestGraph.gaussian(rnd, 3 * 64, 1f, 0f);
    float[] want = FloatReference.run(g, x);

    List<String> log = new ArrayList<>();
    for (GraphPass pass : GraphPass.defaultPipeline()) {
      pass.apply(g, log);
      TestGraph.build(g); // as Converter validates after every pass
    }

    assertEquals(List.of(OpType.CONV2D, OpType.BINARIZE, OpType.BINARY_CONV2D,
        OpType.BIT_MAX_POOL2D, OpType.BINARY_CONV2D, OpType.RELU), TestGraph.ops(g),
        String.join("\n", log));
    OpNode stem = g.nodes().get(0);
    assertEquals("n0", stem.output(0), "BatchNorm folded into the stem");
    assertEquals("n0", g.nodes().get(1).input(0), "the estimator is read as Sign(n0)");
    assertEquals("bits", g.nodes().get(2).getString("output", null));
    OpNode last = g.nodes().get(4);
    assertEquals("float", last.getString("output", null));
    assertEquals("n2", last.output(0), "BatchNorm in the output transform");
    assertEquals(List.of("straight-through-sign", "lower-binary", "fuse-output-transform",
        "bit-output", "fold-conv-batchnorm"),
        log.stream().map(l -> l.substring(0, l.indexOf(':'))).toList());

    assertClose(want, FloatReference.run(g, x), 1e-4f, "y");
  }
}
