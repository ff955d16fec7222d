package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.bnn4j.format.onnx.proto.TypeProto;
import org.bnn4j.format.onnx.proto.ValueInfoProto;
import org.junit.jupiter.api.Test;

class OnnxImporterTest {
  private static final Limits L = Limits.DEFAULT;

  private static Graph load(OnnxModels m) {
    return OnnxImporter.importModel(m.bytes(), L);
  }

  private static List<OpType> ops(Graph g) {
    return g.nodes().stream().map(OpNode::op).toList();
  }

  private static float[] seq(int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (i % 7) - 3.5f + (i % 3 == 0 ? 0.25f : 0f);
    }
    return f;
  }

  private static UnsupportedModelException declines(OnnxModels m, String... fragments) {
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> load(m));
    assertTrue(e.getMessage().startsWith("unsupported: "), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
    }
    return e;
  }

  @Test
  void signThenConvNeedsNothingSpecial() {
    Graph g = load(new OnnxModels(13).input("x", 1, 3, 5, 5)
        .floats("w", new int[] {4, 3, 3, 3}, seq(108))
        .node("Sign", "x", "s")
        .node("Conv", new String[] {"s", "w"}, new String[] {"y"}, "pads", new int[] {1, 1, 1, 1})
        .output("y"));
    assertEquals(List.of(OpType.SIGN, OpType.CONV2D), ops(g));
    assertEquals(ValueType.float32(1, 4, 5, 5), g.typeOf("y"));
    OpNode conv = g.nodes().get(1);
    assertEquals(List.of("s", "w"), conv.inputs());
    assertArrayEquals(new long[] {1, 1}, conv.getLongs("strides", null));
    assertArrayEquals(new long[] {1, 1, 1, 1}, conv.getLongs("pads", null));
    assertArrayEquals(new long[] {1, 1}, conv.getLongs("dilations", null));
    assertEquals(1, conv.getLong("group", 0));
    assertEquals(List.of("x"), g.inputs());
    assertEquals(List.of("y"), g.outputs());
  }

  @Test
  void weightPreprocessingIsFoldedIntoConstants() {
    // XNOR-style weights: sign(W) * alpha, alpha = mean(|W|) per output channel.
    float[] w = seq(2 * 3);
    Graph g = load(new OnnxModels(13).input("x", 1, 3, 4, 4)
        .floats("w", new int[] {2, 3, 1, 1}, w)
        .node("Sign", "w", "ws")
        .node("Abs", "w", "wa")
        .node("ReduceMean", "wa", "alpha", "axes", new int[] {1, 2, 3}, "keepdims", 1)
        .node("Mul", new String[] {"ws", "alpha"}, new String[] {"wq"})
        .node("Conv", new String[] {"x", "wq"}, new String[] {"y"})
        .output("y"));
    assertEquals(List.of(OpType.CONV2D), ops(g));
    ConstTensor wq = g.constant(g.nodes().get(0).input(1));
    assertArrayEquals(new int[] {2, 3, 1, 1}, wq.dims());
    for (int oc = 0; oc < 2; oc++) {
      double mean = 0;
      for (int i = 0; i < 3; i++) {
        mean += Math.abs(w[oc * 3 + i]) / 3.0;
      }
      for (int i = 0; i < 3; i++) {
        float v = w[oc * 3 + i];
        assertEquals(Math.signum(v) * (float) mean, wq.floats()[oc * 3 + i], 1e-6);
      }
    }
    assertEquals(1, g.constants().size(), "intermediate constants are dropped");
  }

  @Test
  void autoPadIsResolvedIntoExplicitPads() {
    // test_averagepool_2d_same_upper / _same_lower: 32x32, k2 -> 32x32
    for (String mode : List.of("SAME_UPPER", "SAME_LOWER")) {
      Graph g = load(new OnnxModels(13).input("x", 1, 3, 32, 32)
          .node("AveragePool", "x", "y", "kernel_shape", new int[] {2, 2}, "auto_pad", mode)
          .output("y"));
      OpNode n = g.nodes().get(0);
      assertEquals(OpType.AVG_POOL2D, n.op());
      long[] want = mode.equals("SAME_UPPER") ? new long[] {0, 0, 1, 1}
          : new long[] {1, 1, 0, 0};
      assertArrayEquals(want, n.getLongs("pads", null), mode);
      assertEquals(ValueType.float32(1, 3, 32, 32), g.typeOf("y"));
    }
    // test_conv_with_autopad_same: 5x5, k3, s2, SAME_LOWER -> 3x3 with pads 1 all round
    Graph c = load(new OnnxModels(13).input("x", 1, 1, 5, 5)
        .floats("w", new int[] {1, 1, 3, 3}, seq(9))
        .node("Conv", new String[] {"x", "w"}, new String[] {"y"}, "auto_pad", "SAME_LOWER",
            "kernel_shape", new int[] {3, 3}, "strides", new int[] {2, 2})
        .output("y"));
    assertArrayEquals(new long[] {1, 1, 1, 1}, c.nodes().get(0).getLongs("pads", null));
    assertEquals(ValueType.float32(1, 1, 3, 3), c.typeOf("y"));
    // VALID: no pads. test_maxpool_2d_precomputed_same_upper: 5x5, k3, s2 -> 3x3, pads 1.
    Graph v = load(new OnnxModels(13).input("x", 1, 1, 5, 5)
        .node("MaxPool", "x", "y", "kernel_shape", new int[] {3, 3}, "strides",
            new int[] {2, 2}, "auto_pad", "SAME_UPPER")
        .output("y"));
    assertArrayEquals(new long[] {1, 1, 1, 1}, v.nodes().get(0).getLongs("pads", null));
    assertEquals(ValueType.float32(1, 1, 3, 3), v.typeOf("y"));
  }

  @Test
  void poolAttributesAreKeptOrDeclined() {
    Graph g = load(new OnnxModels(13).input("x", 1, 1, 4, 4)
        .node("MaxPool", "x", "y", "kernel_shape", new int[] {3, 3}, "strides",
            new int[] {2, 2}, "ceil_mode", 1)
        .output("y"));
    assertEquals(1, g.nodes().get(0).getLong("ceil_mode", 0));
    assertEquals(ValueType.float32(1, 1, 2, 2), g.typeOf("y"));
    declines(new OnnxModels(13).input("x", 1, 1, 4, 4)
        .node("MaxPool", new String[] {"x"}, new String[] {"y", "idx"},
            "kernel_shape", new int[] {2, 2})
        .output("y"), "output 1");
    declines(new OnnxModels(13).input("x", 1, 1, 4)
        .node("MaxPool", "x", "y", "kernel_shape", new int[] {2})
        .output("y"), "2-D", "rank 3");
    declines(new OnnxModels(19).input("x", 1, 1, 8, 8)
        .node("AveragePool", "x", "y", "kernel_shape", new int[] {2, 2},
            "dilations", new int[] {2, 2})
        .output("y"), "dilated");
    declines(new OnnxModels(13).input("x", 1, 1, 8, 8)
        .node("MaxPool", "x", "y", "kernel_shape", new int[] {2, 2}, "frobnicate", 1)
        .output("y"), "attribute 'frobnicate'");
  }

  @Test
  void identitiesAreRemovedUnlessAnOutputWouldAliasAnInput() {
    Graph g = load(new OnnxModels(13).input("x", 2, 3)
        .node("Identity", "x", "y")
        .output("y"));
    assertEquals(List.of(OpType.IDENTITY), ops(g));
    assertEquals(List.of("x"), g.nodes().get(0).inputs());

    Graph h = load(new OnnxModels(13).input("x", 2, 3)
        .node("Relu", "x", "r")
        .node("Identity", "r", "i1")
        .node("Dropout", "i1", "i2")
        .node("Sigmoid", "i2", "s")
        .node("Identity", "s", "y")
        .output("y"));
    assertEquals(List.of(OpType.RELU, OpType.SIGMOID), ops(h));
    assertEquals(List.of("r"), h.nodes().get(1).inputs());
    assertEquals(List.of("y"), h.nodes().get(1).outputs());
    assertEquals(ValueType.float32(2, 3), h.typeOf("y"));

    // Two outputs that are the same value: the second copies the first.
    Graph k = load(new OnnxModels(13).input("x", 2, 3)
        .node("Relu", "x", "r")
        .node("Identity", "r", "a")
        .node("Identity", "r", "b")
        .output("a").output("b"));
    assertEquals(List.of(OpType.RELU, OpType.IDENTITY), ops(k));
    assertEquals(List.of("a", "b"), k.outputs());
  }

  @Test
  void constantOutputsAreCopiedOutByANode() {
    Graph g = load(new OnnxModels(13).input("x", 1)
        .floats("c", new int[] {2}, 1f, 2f)
        .node("Neg", "c", "y")
        .output("y"));
    assertEquals(List.of(OpType.IDENTITY), ops(g));
    ConstTensor c = g.constant(g.nodes().get(0).input(0));
    assertArrayEquals(new float[] {-1f, -2f}, c.floats());
    Graph back = ModelCodec.decode(ModelCodec.encode(g), L);
    assertEquals(List.of("y"), back.outputs());
  }

  @Test
  void pytorchShapeArithmeticFoldsToOneReshape() {
    // x.view(x.size(0), -1) as PyTorch exports it.
    Graph g = load(new OnnxModels(13).input("x", 2, 3, 4, 5)
        .node("Shape", "x", "shape")
        .node("Constant", new String[] {}, new String[] {"zero"},
            "value", TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE)
                .addInt64Data(0).build())
        .node("Gather", new String[] {"shape", "zero"}, new String[] {"n"}, "axis", 0)
        .node("Constant", new String[] {}, new String[] {"axes"}, "value_ints", new int[] {0})
        .node("Unsqueeze", new String[] {"n", "axes"}, new String[] {"n1"})
        .node("Constant", new String[] {}, new String[] {"m1"}, "value_ints", new int[] {-1})
        .node("Concat", new String[] {"n1", "m1"}, new String[] {"target"}, "axis", 0)
        .node("Reshape", new String[] {"x", "target"}, new String[] {"y"})
        .output("y"));
    assertEquals(List.of(OpType.RESHAPE), ops(g));
    assertArrayEquals(new long[] {2, 60}, g.nodes().get(0).getLongs("shape", null));
    assertTrue(g.constants().isEmpty());
  }

  @Test
  void softmaxBeforeOpset13FlattensTheTrailingDims() {
    Graph g = load(new OnnxModels(11).input("x", 2, 3, 4)
        .node("Softmax", "x", "y", "axis", 1)
        .output("y"));
    assertEquals(List.of(OpType.RESHAPE, OpType.SOFTMAX, OpType.RESHAPE), ops(g));
    assertArrayEquals(new long[] {2, 12}, g.nodes().get(0).getLongs("shape", null));
    assertEquals(1, g.nodes().get(1).getLong("axis", -1));
    assertEquals(ValueType.float32(2, 3, 4), g.typeOf("y"));
    // Trailing dims of 1 change nothing: one Softmax along the only wide dim.
    Graph h = load(new OnnxModels(11).input("x", 2, 10, 1, 1)
        .node("Softmax", "x", "y")
        .output("y"));
    assertEquals(List.of(OpType.SOFTMAX), ops(h));
    assertEquals(1, h.nodes().get(0).getLong("axis", -1));
    // Opset 13: along the axis, negative axes normalised.
    Graph k = load(new OnnxModels(13).input("x", 2, 3, 4)
        .node("Softmax", "x", "y", "axis", -2)
        .output("y"));
    assertEquals(List.of(OpType.SOFTMAX), ops(k));
    assertEquals(1, k.nodes().get(0).getLong("axis", -1));
  }

  @Test
  void legacyBroadcastAndPerChannelPreluBeforeOpset7() {
    Graph g = load(new OnnxModels(6).input("x", 2, 3, 4, 5)
        .floats("b", new int[] {3}, 1f, 2f, 3f)
        .floats("s", new int[] {3}, 0.1f, 0.2f, 0.3f)
        .node("Add", new String[] {"x", "b"}, new String[] {"a"}, "broadcast", 1, "axis", 1)
        .node("PRelu", new String[] {"a", "s"}, new String[] {"y"})
        .output("y"));
    assertEquals(List.of(OpType.ADD, OpType.PRELU), ops(g));
    assertArrayEquals(new int[] {3, 1, 1}, g.constant(g.nodes().get(0).input(1)).dims());
    assertArrayEquals(new int[] {3, 1, 1}, g.constant(g.nodes().get(1).input(1)).dims());
    assertThrows(ModelFormatException.class, () -> load(new OnnxModels(6).input("x", 2, 3)
        .floats("b", new int[] {3}, 1f, 2f, 3f)
        .node("Add", new String[] {"x", "b"}, new String[] {"y"})
        .output("y")));
  }

  @Test
  void matMulBecomesGemmWithReshapesWhereNeeded() {
    Graph g = load(new OnnxModels(13).input("x", 2, 3, 4)
        .floats("w", new int[] {4, 5}, seq(20))
        .node("MatMul", new String[] {"x", "w"}, new String[] {"y"})
        .output("y"));
    assertEquals(List.of(OpType.RESHAPE, OpType.GEMM, OpType.RESHAPE), ops(g));
    assertEquals(ValueType.float32(2, 3, 5), g.typeOf("y"));
    // test_Linear_no_bias: the transposed weight folds, MatMul is a plain Gemm.
    Graph h = load(new OnnxModels(6).input("x", 4, 10)
        .floats("w", new int[] {8, 10}, seq(80))
        .node("Transpose", "w", "wt", "perm", new int[] {1, 0})
        .node("MatMul", new String[] {"x", "wt"}, new String[] {"y"})
        .output("y"));
    assertEquals(List.of(OpType.GEMM), ops(h));
    ConstTensor wt = h.constant("wt");
    assertArrayEquals(new int[] {10, 8}, wt.dims());
    assertEquals(seq(80)[1 * 10 + 2], wt.floats()[2 * 8 + 1]);
    declines(new OnnxModels(13).input("x", 2, 3, 4)
        .floats("w", new int[] {2, 4, 5}, seq(40))
        .node("MatMul", new String[] {"x", "w"}, new String[] {"y"})
        .output("y"), "batched MatMul");
  }

  @Test
  void padClipAndFlattenAcrossOpsets() {
    Graph p = load(new OnnxModels(13).input("x", 1, 2, 3, 3)
        .ints("pads", 0, 0, 1, 2, 0, 0, 3, 4)
        .floats("v", new int[] {}, 0.5f)
        .node("Pad", new String[] {"x", "pads", "v"}, new String[] {"y"}, "mode", "constant")
        .output("y"));
    OpNode pad = p.nodes().get(0);
    assertArrayEquals(new long[] {0, 0, 1, 2, 0, 0, 3, 4}, pad.getLongs("pads", null));
    assertEquals(0.5f, pad.getFloat("value", 0f));
    assertEquals(ValueType.float32(1, 2, 7, 9), p.typeOf("y"));
    declines(new OnnxModels(13).input("x", 1, 2, 3, 3)
        .ints("pads", 0, 0, -1, 0, 0, 0, 0, 0)
        .node("Pad", new String[] {"x", "pads"}, new String[] {"y"})
        .output("y"), "negative pads");

    Graph c6 = load(new OnnxModels(6).input("x", 4)
        .node("Clip", "x", "y", "min", -1f, "max", 2f).output("y"));
    assertEquals(-1f, c6.nodes().get(0).getFloat("min", 0f));
    assertEquals(2f, c6.nodes().get(0).getFloat("max", 0f));
    Graph c13 = load(new OnnxModels(13).input("x", 4)
        .floats("lo", new int[] {}, 0f)
        .node("Clip", new String[] {"x", "lo"}, new String[] {"y"}).output("y"));
    assertEquals(0f, c13.nodes().get(0).getFloat("min", 1f));
    assertFalse(c13.nodes().get(0).has("max"));
    declines(new OnnxModels(13).input("x", 4).input("lo")
        .node("Clip", new String[] {"x", "lo"}, new String[] {"y"}).output("y"),
        "'lo' is a graph input");

    Graph f = load(new OnnxModels(13).input("x", 2, 3, 4, 5)
        .node("Flatten", "x", "y", "axis", -2).output("y"));
    assertArrayEquals(new long[] {6, 20}, f.nodes().get(0).getLongs("shape", null));
  }

  @Test
  void declinesWhatItCannotRunWithClearReasons() {
    declines(new OnnxModels(5).input("x", 1).node("Relu", "x", "y").output("y"), "opset 5");
    declines(new OnnxModels(26).input("x", 1).node("Relu", "x", "y").output("y"), "opset 26");
    declines(new OnnxModels(13).input("x", 1).node("Einsum", "x", "y").output("y"),
        "Einsum node 'Einsum_0'", "not supported");
    declines(new OnnxModels(13).input("x", 1, 3, 8).floats("w", new int[] {2, 3, 3}, seq(18))
        .node("Conv", new String[] {"x", "w"}, new String[] {"y"}).output("y"), "2-D");
    declines(new OnnxModels(13).input("x", 2, 3).node("Cast", "x", "y", "to", 7).output("y"),
        "Cast");
    declines(new OnnxModels(15).input("x", 2, 3, 4, 4)
        .floats("s", new int[] {3}, 1, 1, 1).floats("b", new int[] {3}, 0, 0, 0)
        .node("BatchNormalization", new String[] {"x", "s", "b", "b", "s"},
            new String[] {"y"}, "training_mode", 1)
        .output("y"), "training_mode");

    OnnxModels sym = new OnnxModels(13);
    sym.output("y");
    byte[] bytes = sym.model().toBuilder().setGraph(sym.model().getGraph().toBuilder()
        .addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(
                TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(3))))))
        .addNode(org.bnn4j.format.onnx.proto.NodeProto.newBuilder().setOpType("Relu")
            .addInput("x").addOutput("y"))).build().toByteArray();
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
        () -> OnnxImporter.importModel(bytes, L));
    assertTrue(e.getMessage().contains("'batch'") && e.getMessage().contains("static"),
        e.getMessage());

    byte[] custom = new OnnxModels(13).input("x", 1).node("Relu", "x", "y").output("y").model()
        .toBuilder().setGraph(new OnnxModels(13).input("x", 1).output("y").model().getGraph()
            .toBuilder().addNode(org.bnn4j.format.onnx.proto.NodeProto.newBuilder()
                .setOpType("Relu").setDomain("com.microsoft").addInput("x").addOutput("y")))
        .build().toByteArray();
    e = assertThrows(UnsupportedModelException.class, () -> OnnxImporter.importModel(custom, L));
    assertTrue(e.getMessage().contains("com.microsoft"), e.getMessage());
  }

  @Test
  void malformedModelsAreFormatErrors() {
    assertThrows(ModelFormatException.class,
        () -> OnnxImporter.importModel(new byte[] {8, (byte) 0xff, (byte) 0xff}, L));
    assertThrows(ModelFormatException.class, () -> OnnxImporter.importModel(new byte[0], L));
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> load(new OnnxModels(13).input("x", 2)
            .node("Relu", "later", "y")
            .node("Relu", "x", "later")
            .output("y")));
    assertTrue(e.getMessage().contains("reads 'later' before it is written"), e.getMessage());
    assertThrows(ModelFormatException.class, () -> load(new OnnxModels(13).input("x", 2)
        .node("Relu", "x", "y").node("Relu", "x", "y").output("y")));
    assertThrows(ModelFormatException.class, () -> load(new OnnxModels(13).input("x", 2, 3)
        .floats("w", new int[] {4, 5}, seq(20))
        .node("Gemm", new String[] {"x", "w"}, new String[] {"y"}).output("y")));
    assertThrows(ModelFormatException.class, () -> load(new OnnxModels(13).input("x", 2)
        .node("Relu", "x", "y").output("missing")));
    assertThrows(ModelFormatException.class, () -> OnnxImporter.importModel(
        new OnnxModels(13).input("x", 2).node("Relu", "x", "y").output("y").bytes(),
        L.withMaxFileBytes(10)));
    assertThrows(ModelFormatException.class, () -> OnnxImporter.importModel(
        new OnnxModels(13).input("x", 2).node("Relu", "x", "r").node("Relu", "r", "y")
            .output("y").bytes(), L.withMaxNodes(1)));
  }

  @Test
  void recordsMetadataAndSurvivesTheCodec() throws Exception {
    OnnxModels m = new OnnxModels(12).input("img", 1, 3, 8, 8)
        .floats("w", new int[] {2, 3, 3, 3}, seq(54))
        .node("Conv", new String[] {"img", "w"}, new String[] {"c"})
        .node("GlobalAveragePool", "c", "p")
        .node("Flatten", "p", "f")
        .node("Softmax", "f", "y")
        .output("y");
    byte[] bytes = m.bytes();
    Graph g = OnnxImporter.importModel(bytes, L);
    assertEquals("test", g.metadata().name());
    assertEquals(12, g.metadata().sourceOpset());
    assertTrue(g.metadata().producer().startsWith("bnn4j"));
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
        g.metadata().sourceSha256());
    GraphMetadata.InputSpec in = g.metadata().inputs().get(0);
    assertEquals("img", in.name());
    assertEquals(List.of(1L, 3L, 8L, 8L), in.shape());
    assertEquals(GraphMetadata.Layout.NCHW, in.layout());

    Graph back = ModelCodec.decode(ModelCodec.encode(g), L);
    assertEquals(ops(g), ops(back));
    assertEquals(g.types(), back.types());
    assertEquals(ValueType.float32(1, 2), back.typeOf("y"));
  }
}
