package org.bnn4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.junit.jupiter.api.Test;

/**
 * Output shapes come from the ONNX backend test data and PyTorch's documented pooling behaviour
 * (the expected shape is quoted with each case).
 */
class ShapeInferenceTest {

  private static Graph graph(String name, int... dims) {
    Graph g = new Graph();
    g.inputs().add(name);
    g.types().put(name, ValueType.float32(dims));
    return g;
  }

  private static void constant(Graph g, String name, int... dims) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    g.constants().put(name, ConstTensor.ofFloats(dims, new float[n]));
  }

  private static OpNode node(OpType op, List<String> inputs, Object... attrs) {
    OpNode n = new OpNode("n", op, inputs, List.of("y"));
    for (int i = 0; i < attrs.length; i += 2) {
      n.set((String) attrs[i], attrs[i + 1]);
    }
    return n;
  }

  private static int[] infer(Graph g, OpNode n) {
    List<ValueType> out = ShapeInference.infer(g, n);
    assertEquals(1, out.size());
    return out.get(0).dims();
  }

  @Test
  void convOutputSizes() {
    // test_conv_with_strides_padding: 7x5, k3, s2, pads 1 -> 4x3
    Graph g = graph("x", 1, 1, 7, 5);
    constant(g, "w", 1, 1, 3, 3);
    assertArrayEquals(new int[] {1, 1, 4, 3}, infer(g, node(OpType.CONV2D, List.of("x", "w"),
        "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1})));
    // test_conv_with_strides_and_asymmetric_padding: pads [1, 0, 1, 0] -> 4x2
    assertArrayEquals(new int[] {1, 1, 4, 2}, infer(g, node(OpType.CONV2D, List.of("x", "w"),
        "strides", new int[] {2, 2}, "pads", new int[] {1, 0, 1, 0})));
    // test_Conv2d_dilated: 8x8, k3, d2, s2, pads 1 -> 3x3; groups, bias
    Graph d = graph("x", 2, 3, 8, 8);
    constant(d, "w", 2, 3, 3, 3);
    constant(d, "b", 2);
    assertArrayEquals(new int[] {2, 2, 3, 3}, infer(d, node(OpType.CONV2D,
        List.of("x", "w", "b"), "strides", new int[] {2, 2}, "pads", new int[] {1, 1, 1, 1},
        "dilations", new int[] {2, 2}, "group", 1)));
    // test_Conv2d_depthwise_with_multiplier: group 4, W [8, 1, 3, 3] -> [2, 8, 4, 4]
    Graph dw = graph("x", 2, 4, 6, 6);
    constant(dw, "w", 8, 1, 3, 3);
    assertArrayEquals(new int[] {2, 8, 4, 4},
        infer(dw, node(OpType.CONV2D, List.of("x", "w"), "group", 4)));
  }

  @Test
  void convRejectsMalformedNodes() {
    Graph g = graph("x", 1, 4, 6, 6);
    constant(g, "w", 6, 3, 3, 3);
    constant(g, "b5", 5);
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.CONV2D, List.of("x", "w"), "group", 2)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.CONV2D, List.of("x", "w"), "group", 0)));
    constant(g, "w2", 6, 2, 3, 3);
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.CONV2D, List.of("x", "w2", "b5"), "group", 2)));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.CONV2D,
        List.of("x", "w2"), "group", 2, "strides", new int[] {0, 1})));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.CONV2D,
        List.of("x", "w2"), "group", 2, "pads", new int[] {1, 1})));
    constant(g, "big", 6, 2, 9, 9);
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.CONV2D, List.of("x", "big"), "group", 2)));
    assertTrue(e.getMessage().contains("output height would be 0"), e.getMessage());
    assertThrows(UnsupportedModelException.class, () -> infer(g, node(OpType.CONV2D,
        List.of("x", "w2"), "group", 2, "auto_pad", "SAME_UPPER")));
  }

  @Test
  void poolOutputSizesWithCeilModeAndDilations() {
    Graph g = graph("x", 1, 1, 4, 4);
    // test_maxpool_2d_ceil / test_averagepool_2d_ceil: 4x4, k3, s2, ceil -> 2x2 (floor gives 1)
    for (OpType op : List.of(OpType.MAX_POOL2D, OpType.AVG_POOL2D)) {
      assertArrayEquals(new int[] {1, 1, 2, 2}, infer(g, node(op, List.of("x"),
          "kernel", new int[] {3, 3}, "strides", new int[] {2, 2}, "ceil_mode", 1)));
      assertArrayEquals(new int[] {1, 1, 1, 1}, infer(g, node(op, List.of("x"),
          "kernel", new int[] {3, 3}, "strides", new int[] {2, 2}, "ceil_mode", 0)));
    }
    // test_MaxPool2d_stride_padding_dilation: 1000x1000, k [60, 80], d 10, s 10 -> 43x25
    Graph big = graph("x", 1, 1, 1000, 1000);
    assertArrayEquals(new int[] {1, 1, 43, 25}, infer(big, node(OpType.MAX_POOL2D,
        List.of("x"), "kernel", new int[] {60, 80}, "strides", new int[] {10, 10},
        "pads", new int[] {10, 20, 10, 20}, "dilations", new int[] {10, 10})));
    // test_averagepool_2d_strides: 32, k5, s3 -> 10
    Graph s = graph("x", 1, 3, 32, 32);
    assertArrayEquals(new int[] {1, 3, 10, 10}, infer(s, node(OpType.AVG_POOL2D, List.of("x"),
        "kernel", new int[] {5, 5}, "strides", new int[] {3, 3}, "count_include_pad", 1)));
  }

  @Test
  void ceilModeDropsAWindowThatStartsInTheEndPadding() {
    // PyTorch MaxPool2d(2, stride=2, padding=1, ceil_mode=True) on 5 gives 3, not 4.
    assertEquals(3, ShapeInference.windowOutputSize(5, 1, 1, 2, 2, 1, true));
    assertEquals(3, ShapeInference.windowOutputSize(5, 1, 1, 2, 2, 1, false));
    // Ceil mode adds a window only where one starts inside input or begin padding:
    // PyTorch MaxPool2d(3, stride=2, ceil_mode=True) on 6: floor gives 2, ceil 3 (the third
    // window starts at 4 < 6 and is kept, clipped to the input).
    assertEquals(2, ShapeInference.windowOutputSize(6, 0, 0, 3, 2, 1, false));
    assertEquals(3, ShapeInference.windowOutputSize(6, 0, 0, 3, 2, 1, true));
    // A dilated kernel wider than the padded input has no window.
    assertEquals(0, ShapeInference.windowOutputSize(2, 0, 0, 3, 1, 1, false));
    assertEquals(0, ShapeInference.windowOutputSize(100, 0, 0, 3, 1, 60, false));
    // int-range extremes do not overflow.
    assertEquals(1, ShapeInference.windowOutputSize(Integer.MAX_VALUE, 0, 0, Integer.MAX_VALUE,
        Integer.MAX_VALUE, 1, true));
    assertEquals(0, ShapeInference.windowOutputSize(Integer.MAX_VALUE, Integer.MAX_VALUE,
        Integer.MAX_VALUE, Integer.MAX_VALUE, 1, Integer.MAX_VALUE, true));
  }

  @Test
  void poolRejectsPadsAsWideAsTheKernel() {
    Graph g = graph("x", 1, 1, 4, 4);
    assertThrows(UnsupportedModelException.class, () -> infer(g, node(OpType.MAX_POOL2D,
        List.of("x"), "kernel", new int[] {2, 2}, "pads", new int[] {2, 0, 0, 0})));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.MAX_POOL2D, List.of("x"))));
    assertThrows(UnsupportedModelException.class, () -> infer(g, node(OpType.AVG_POOL2D,
        List.of("x"), "kernel", new int[] {2, 2}, "dilations", new int[] {2, 2})));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.AVG_POOL2D,
        List.of("x"), "kernel", new int[] {2, 2}, "ceil_mode", 2)));
  }

  @Test
  void numpyBroadcasting() {
    assertArrayEquals(new int[] {3, 4, 5},
        ShapeInference.broadcastShapes(new int[] {3, 4, 5}, new int[] {5}));
    assertArrayEquals(new int[] {2, 3, 4},
        ShapeInference.broadcastShapes(new int[] {2, 1, 4}, new int[] {3, 1}));
    assertArrayEquals(new int[] {3, 4},
        ShapeInference.broadcastShapes(new int[] {}, new int[] {3, 4}));
    assertNull(ShapeInference.broadcastShapes(new int[] {3, 4}, new int[] {3}));
    assertTrue(ShapeInference.broadcastsTo(new int[] {3, 1, 1}, new int[] {2, 3, 4, 5}));
    assertTrue(!ShapeInference.broadcastsTo(new int[] {2, 3, 4, 5}, new int[] {3, 1, 1}));

    Graph g = graph("a", 2, 1, 4);
    constant(g, "b", 3, 1);
    for (OpType op : List.of(OpType.ADD, OpType.SUB, OpType.MUL, OpType.DIV)) {
      assertArrayEquals(new int[] {2, 3, 4}, infer(g, node(op, List.of("a", "b"))));
    }
    constant(g, "c", 3);
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.ADD, List.of("a", "c"))));
    // PRelu broadcasts the slope one way only.
    constant(g, "s4", 4);
    assertArrayEquals(new int[] {2, 1, 4}, infer(g, node(OpType.PRELU, List.of("a", "s4"))));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.PRELU, List.of("a", "b"))));
  }

  @Test
  void gemmAndMatrixChecks() {
    Graph g = graph("a", 4, 3);
    constant(g, "b", 5, 4);
    constant(g, "c", 1, 5);
    // test_gemm_all_attributes: A [4, 3]^T, B [5, 4]^T -> [3, 5]
    assertArrayEquals(new int[] {3, 5}, infer(g, node(OpType.GEMM, List.of("a", "b", "c"),
        "transA", 1, "transB", 1, "alpha", 0.25f, "beta", 0.35f)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.GEMM, List.of("a", "b"))));
    constant(g, "c3", 3, 1, 5);
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.GEMM,
        List.of("a", "b", "c3"), "transA", 1, "transB", 1)));
  }

  @Test
  void layoutOps() {
    Graph g = graph("x", 2, 3, 4);
    assertArrayEquals(new int[] {4, 2, 3}, infer(g, node(OpType.TRANSPOSE, List.of("x"),
        "perm", new int[] {2, 0, 1})));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.TRANSPOSE,
        List.of("x"), "perm", new int[] {0, 0, 1})));
    assertArrayEquals(new int[] {6, 4}, infer(g, node(OpType.RESHAPE, List.of("x"),
        "shape", new int[] {6, 4})));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.RESHAPE, List.of("x"),
        "shape", new int[] {-1, 4})));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.RESHAPE, List.of("x"),
        "shape", new int[] {5, 5})));
    constant(g, "k", 2, 5, 4);
    assertArrayEquals(new int[] {2, 8, 4}, infer(g, node(OpType.CONCAT, List.of("x", "k"),
        "axis", 1)));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.CONCAT,
        List.of("x", "k"), "axis", 2)));
    // test_ZeroPad2d: [2, 3, 4, 4] with pads [0, 0, 3, 1, 0, 0, 4, 2] -> [2, 3, 11, 7]
    Graph p = graph("x", 2, 3, 4, 4);
    assertArrayEquals(new int[] {2, 3, 11, 7}, infer(p, node(OpType.PAD, List.of("x"),
        "pads", new int[] {0, 0, 3, 1, 0, 0, 4, 2}, "mode", "constant", "value", 0f)));
    assertThrows(UnsupportedModelException.class, () -> infer(p, node(OpType.PAD,
        List.of("x"), "pads", new int[8], "mode", "wrap")));
    assertThrows(ModelFormatException.class, () -> infer(p, node(OpType.PAD,
        List.of("x"), "pads", new int[] {0, 0, -1, 0, 0, 0, 0, 0})));
    assertArrayEquals(new int[] {2, 3, 1, 1},
        infer(p, node(OpType.GLOBAL_AVG_POOL, List.of("x"))));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.GLOBAL_MAX_POOL, List.of("x"))));
    assertArrayEquals(new int[] {2, 3, 4},
        infer(g, node(OpType.SOFTMAX, List.of("x"), "axis", 2)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.SOFTMAX, List.of("x"), "axis", 3)));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.SOFTMAX, List.of("x"))));
  }

  @Test
  void unaryOpsAndTheirAttributes() {
    Graph g = graph("x", 3, 4, 5);
    for (OpType op : List.of(OpType.RELU, OpType.SIGMOID, OpType.TANH, OpType.HARD_SWISH,
        OpType.SIGN, OpType.IDENTITY)) {
      assertArrayEquals(new int[] {3, 4, 5}, infer(g, node(op, List.of("x"))));
    }
    assertArrayEquals(new int[] {3, 4, 5},
        infer(g, node(OpType.LEAKY_RELU, List.of("x"), "alpha", 0.1f)));
    assertArrayEquals(new int[] {3, 4, 5}, infer(g, node(OpType.CLIP, List.of("x"),
        "min", -1f, "max", 1f)));
    assertThrows(UnsupportedModelException.class, () -> infer(g, node(OpType.CLIP,
        List.of("x"), "min", 2f, "max", 1f)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.LEAKY_RELU, List.of("x"), "alpha", 1L)));
    assertThrows(UnsupportedModelException.class,
        () -> infer(g, node(OpType.RELU, List.of("x"), "alpha", 0.1f)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.RELU, List.of("x", "x"))));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.RELU, List.of("nowhere"))));
  }

  /** The ops with no case of their own: Elu and Selu follow the declaration on OpType. */
  @Test
  void declaredElementwiseOpsCheckTheirAttributes() {
    Graph g = graph("x", 2, 3);
    assertArrayEquals(new int[] {2, 3}, infer(g, node(OpType.ELU, List.of("x"), "alpha", 0.5f)));
    assertArrayEquals(new int[] {2, 3}, infer(g, node(OpType.SELU, List.of("x"),
        "alpha", 1.5f, "gamma", 1.1f)));
    // Selu's gamma is not an Elu attribute; a declared one of another type is malformed.
    assertThrows(UnsupportedModelException.class,
        () -> infer(g, node(OpType.ELU, List.of("x"), "gamma", 1.1f)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.SELU, List.of("x"), "gamma", "1.1")));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.HARD_SIGMOID, List.of("x"), "beta", 1L)));
    assertThrows(ModelFormatException.class,
        () -> infer(g, node(OpType.ELU, List.of("x", "x"))));
  }

  @Test
  void batchNormChecksItsParameters() {
    Graph g = graph("x", 2, 3, 4, 5);
    for (String p : List.of("s", "b", "m", "v")) {
      constant(g, p, 3);
    }
    constant(g, "v4", 4);
    assertArrayEquals(new int[] {2, 3, 4, 5}, infer(g, node(OpType.BATCH_NORM,
        List.of("x", "s", "b", "m", "v"), "epsilon", 1e-5f)));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.BATCH_NORM,
        List.of("x", "s", "b", "m", "v4"))));
    assertThrows(ModelFormatException.class, () -> infer(g, node(OpType.BATCH_NORM,
        List.of("x", "s", "b", "m"))));
  }

  @Test
  void limitsAndOutputCountsApply() {
    Graph g = graph("x", 1, 64, 8, 8);
    Limits tight = Limits.DEFAULT.withMaxTensorElements(1000);
    assertThrows(ModelFormatException.class, () -> ShapeInference.infer(g,
        node(OpType.PAD, List.of("x"), "pads", new int[] {0, 0, 0, 0, 0, 0, 8, 8}), tight));
    OpNode two = new OpNode("n", OpType.RELU, List.of("x"), List.of("y", "z"));
    assertThrows(ModelFormatException.class, () -> ShapeInference.infer(g, two));
  }

  @Test
  void binarizeZeroModeIsPlusOrZero() {
    Graph g = graph("x", 1, 3, 2, 2);
    constant(g, "t", 3);
    assertArrayEquals(new int[] {1, 3, 2, 2}, infer(g, node(OpType.BINARIZE, List.of("x", "t"))));
    assertArrayEquals(new int[] {1, 3, 2, 2},
        infer(g, node(OpType.BINARIZE, List.of("x", "t"), "zero", "zero")));
    assertArrayEquals(new int[] {1, 3, 2, 2},
        infer(g, node(OpType.BINARIZE, List.of("x", "t"), "zero", "plus")));
    String m = assertThrows(ModelFormatException.class, () -> infer(g,
        node(OpType.BINARIZE, List.of("x", "t"), "zero", "minus"))).getMessage();
    assertTrue(m.contains("zero") && m.contains("minus"), m);
  }
}
