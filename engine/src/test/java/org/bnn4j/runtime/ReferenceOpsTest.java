package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.kernels.reference.Activations;
import org.bnn4j.kernels.reference.Convolution;
import org.bnn4j.kernels.reference.Gemm;
import org.bnn4j.kernels.reference.Normalization;
import org.bnn4j.kernels.reference.Pooling;
import org.bnn4j.kernels.Window2d;
import org.junit.jupiter.api.Test;

class ReferenceOpsTest {

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() * 2 - 1;
    }
    return a;
  }

  private static float[] run(CompiledGraph cg, float[]... inputs) {
    Executor e = cg.newExecutor();
    for (int i = 0; i < inputs.length; i++) {
      e.setInput(i, inputs[i], 0);
    }
    e.run();
    return e.output(0);
  }

  @Test
  void smallCnnMatchesKernelsCalledByHand() {
    Random r = new Random(9);
    float[] w = random(r, 4 * 3 * 3 * 3);
    float[] b = random(r, 4);
    float[] scale = random(r, 4);
    float[] bias = random(r, 4);
    float[] mean = random(r, 4);
    float[] var = {0.5f, 1f, 2f, 0.25f};
    float[] fc = random(r, 10 * 36);
    float[] fcb = random(r, 10);
    Graph g = new GraphBuilder().input("x", 1, 3, 7, 7)
        .constant("w", w, 4, 3, 3, 3).constant("b", b, 4)
        .constant("s", scale, 4).constant("t", bias, 4).constant("m", mean, 4)
        .constant("v", var, 4).constant("fc", fc, 10, 36).constant("fcb", fcb, 10)
        .node(OpType.CONV2D, "c", List.of("x", "w", "b"), "strides", new int[] {2, 2},
            "pads", new int[] {1, 1, 2, 2})
        .node(OpType.BATCH_NORM, "bn", List.of("c", "s", "t", "m", "v"), "epsilon", 1e-3f)
        .node(OpType.RELU, "relu", List.of("bn"))
        .node(OpType.MAX_POOL2D, "mp", List.of("relu"), "kernel", new int[] {2, 2},
            "strides", new int[] {1, 1})
        .node(OpType.RESHAPE, "flat", List.of("mp"), "shape", new int[] {1, 36})
        .node(OpType.GEMM, "logits", List.of("flat", "fc", "fcb"), "transB", 1)
        .node(OpType.SOFTMAX, "prob", List.of("logits"), "axis", 1)
        .output("prob").build();
    assertArrayEquals(new int[] {1, 4, 4, 4}, g.types().get("c").dims());
    float[] x = random(r, 3 * 49);
    float[] got = run(CompiledGraph.compile(g), x);

    Window2d win = new Window2d(3, 3, 2, 2, 1, 1, 2, 2, 1, 1);
    float[] c = new float[64];
    Convolution.conv2d(x, 0, 1, 3, 7, 7, w, 0, 4, 1, b, 0, win, c, 0, 4, 4);
    Normalization.batchNorm(c, 0, 1, 4, 16, scale, 0, bias, 0, mean, 0, var, 0, 1e-3f, c, 0);
    Activations.relu(c, 0, c, 0, 64);
    float[] mp = new float[36];
    Pooling.maxPool2d(c, 0, 1, 4, 4, 4, new Window2d(2, 2, 1, 1, 0, 0, 0, 0, 1, 1), mp, 0, 3, 3);
    float[] logits = new float[10];
    Gemm.gemm(mp, 0, false, fc, 0, true, fcb, 0, new int[] {10}, 1f, 1f, logits, 0, 1, 10, 36);
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double z = 0;
    for (float v : logits) {
      z += Math.exp(v - max);
    }
    for (int i = 0; i < 10; i++) {
      assertEquals(Math.exp(logits[i] - max) / z, got[i], 1e-6);
    }
  }

  @Test
  void everyFloatOpRunsInAGraph() {
    Random r = new Random(4);
    Graph g = new GraphBuilder().input("x", 1, 2, 4, 5).input("y", 2, 1, 1)
        .constant("slope", new float[] {0.1f, 0.2f}, 2, 1, 1)
        .node(OpType.ADD, "add", List.of("x", "y"))
        .node(OpType.SUB, "sub", List.of("add", "y"))
        .node(OpType.MUL, "mul", List.of("sub", "x"))
        .node(OpType.DIV, "div", List.of("mul", "y"))
        .node(OpType.PRELU, "prelu", List.of("div", "slope"))
        .node(OpType.LEAKY_RELU, "lrelu", List.of("prelu"), "alpha", 0.5f)
        .node(OpType.SIGMOID, "sig", List.of("lrelu"))
        .node(OpType.TANH, "tanh", List.of("sig"))
        .node(OpType.HARD_SIGMOID, "hsig", List.of("tanh"), "alpha", 0.2f, "beta", 0.5f)
        .node(OpType.HARD_SWISH, "hswish", List.of("hsig"))
        .node(OpType.SIGN, "sign", List.of("x"))
        .node(OpType.CLIP, "clip", List.of("x"), "min", -0.5f, "max", 0.5f)
        .node(OpType.CONCAT, "cat", List.of("hswish", "sign", "clip"), "axis", 1)
        .node(OpType.AVG_POOL2D, "ap", List.of("cat"), "kernel", new int[] {2, 2},
            "pads", new int[] {1, 1, 1, 1}, "strides", new int[] {2, 2}, "ceil_mode", 1,
            "count_include_pad", 1)
        .node(OpType.PAD, "pad", List.of("ap"), "pads", new int[] {0, 0, 1, 0, 0, 0, 0, 2},
            "mode", "reflect")
        .node(OpType.TRANSPOSE, "tr", List.of("pad"), "perm", new int[] {0, 2, 3, 1})
        .node(OpType.GLOBAL_MAX_POOL, "gmp", List.of("cat"))
        .node(OpType.GLOBAL_AVG_POOL, "gap", List.of("cat"))
        .node(OpType.IDENTITY, "id", List.of("gap"))
        .output("tr").output("gmp").output("id").build();
    CompiledGraph cg = CompiledGraph.compile(g);
    assertEquals(19, cg.opCount());
    MemoryPlanTest.assertCompiledPlanIsSound(cg);
    Executor e = cg.newExecutor();
    float[] x = random(r, 40);
    e.setInput(0, x, 0);
    e.setInput(1, new float[] {1.5f, -2f}, 0);
    e.run();
    float[] gmp = e.output(1);
    assertEquals(6, gmp.length);
    // Channels 2-3 of cat are sign(x): max 1 (the random data has positives).
    assertEquals(1f, gmp[2]);
    for (float v : e.output(0)) {
      assertTrue(Float.isFinite(v));
    }
    // Running again gives the same results: no state leaks between runs.
    float[] first = e.output(0);
    e.run();
    assertArrayEquals(first, e.output(0));
    // The profiling run computes the same outputs and adds one time per op.
    long[] nanos = new long[cg.opCount()];
    e.runProfiled(nanos);
    e.runProfiled(nanos);
    assertArrayEquals(first, e.output(0));
    long total = 0;
    for (long t : nanos) {
      assertTrue(t >= 0, java.util.Arrays.toString(nanos));
      total += t;
    }
    assertTrue(total > 0, java.util.Arrays.toString(nanos));
    assertThrows(IllegalArgumentException.class, () -> e.runProfiled(new long[3]));
  }

  @Test
  void constantsCanFeedAnyInput() {
    Graph g = new GraphBuilder().input("x", 3)
        .constant("k", new float[] {1, 2, 3}, 3)
        .node(OpType.MUL, "y", List.of("k", "x"))
        .node(OpType.CONCAT, "z", List.of("k", "y"), "axis", 0)
        .output("z").build();
    float[] out = run(CompiledGraph.compile(g), new float[] {2, 2, 2});
    assertArrayEquals(new float[] {1, 2, 3, 2, 4, 6}, out);
  }

  @Test
  void inputThatIsAlsoAnOutput() {
    Graph g = new GraphBuilder().input("x", 2)
        .node(OpType.RELU, "y", List.of("x"))
        .output("y").output("x").build();
    CompiledGraph cg = CompiledGraph.compile(g);
    Executor e = cg.newExecutor();
    e.setInput(0, new float[] {-1, 1}, 0);
    e.run();
    assertArrayEquals(new float[] {0, 1}, e.output(0));
    assertArrayEquals(new float[] {-1, 1}, e.output(1));
  }

  @Test
  void wrongOutputTypeIsRejectedNamingTheNode() {
    Graph g = new GraphBuilder().input("x", 1, 1, 4, 4)
        .nodeTyped(OpType.MAX_POOL2D, "y", List.of("x"), new int[] {1, 1, 3, 3},
            "kernel", new int[] {2, 2}, "strides", new int[] {2, 2})
        .output("y").build();
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> CompiledGraph.compile(g));
    assertTrue(e.getMessage().contains("MaxPool2d node 'y_node'"), e.getMessage());
    assertTrue(e.getMessage().contains("[1, 1, 2, 2]"), e.getMessage());
  }

  @Test
  void ceilModePoolAcceptsTheRawCeilingShape() {
    // in 3, k 2, s 2, pads 1: PyTorch drops the third window (out 2); the raw ceiling is 3.
    // torch.nn.functional.avg_pool2d(arange(1, 10).reshape(1, 1, 3, 3), 2, 2, padding=1,
    // ceil_mode=True, count_include_pad=True) is [[0.25, 1.25], [2.75, 7]]. The raw ceiling's
    // extra windows start in the padding and hold only padding zeros: their average is 0.
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float[][] expected = {{0.25f, 1.25f, 2.75f, 7f},
        {0.25f, 1.25f, 0f, 2.75f, 7f, 0f, 0f, 0f, 0f}};
    for (int out : new int[] {2, 3}) {
      Graph g = new GraphBuilder().input("x", 1, 1, 3, 3)
          .nodeTyped(OpType.AVG_POOL2D, "y", List.of("x"), new int[] {1, 1, out, out},
              "kernel", new int[] {2, 2}, "strides", new int[] {2, 2},
              "pads", new int[] {1, 1, 1, 1}, "ceil_mode", 1, "count_include_pad", 1)
          .output("y").build();
      assertArrayEquals(expected[out - 2], run(CompiledGraph.compile(g), x), 0f, "out " + out);
    }
  }

  @Test
  void nodesOutOfOrderAreRejected() {
    Graph g = GraphBuilder.reluChain(2, 3);
    java.util.Collections.reverse(g.nodes());
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> CompiledGraph.compile(g));
    assertTrue(e.getMessage().contains("before any node writes it"), e.getMessage());
  }

  }
