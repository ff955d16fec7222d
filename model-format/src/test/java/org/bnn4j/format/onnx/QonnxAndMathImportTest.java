package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnn4j.Bnn4jException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.convert.Converter;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.junit.jupiter.api.Test;

/** QONNX ops, the folded weight-path math, and the list of operators the importer claims. */
class QonnxAndMathImportTest {
  static final Limits L = Limits.DEFAULT;

  /** Puts every node whose op type is in {@code ops} into the Brevitas domain. */
  static byte[] inDomain(OnnxModels m, String domain, String... ops) {
    ModelProto p = m.model();
    GraphProto.Builder gb = p.getGraph().toBuilder();
    for (int i = 0; i < gb.getNodeCount(); i++) {
      if (List.of(ops).contains(gb.getNode(i).getOpType())) {
        gb.setNode(i, gb.getNode(i).toBuilder().setDomain(domain));
      }
    }
    return p.toBuilder().setGraph(gb).build().toByteArray();
  }

  @Test
  void bipolarQuantOfARuntimeValueIsABipolarSignNotAnOnnxSign() {
    OnnxModels m = new OnnxModels(13).input("x", 1, 4).floats("one", new int[0], 1f)
        .node("BipolarQuant", new String[] {"x", "one"}, new String[] {"y"}).output("y");
    Graph g = OnnxImporter.importModel(inDomain(m, "onnx.brevitas", "BipolarQuant"), L);
    assertEquals(List.of(OpType.BIPOLAR_SIGN), g.nodes().stream().map(OpNode::op).toList());
  }

  @Test
  void bipolarQuantOfWeightsFoldsWithZeroAsPlusOneAndMatMulLowers() {
    // QONNX maps x >= 0 to +1: 0 and -0 (-0 >= 0 holds) become +1.
    OnnxModels m = new OnnxModels(13).input("x", 1, 4).floats("one", new int[0], 1f)
        .floats("w", new int[] {4, 2}, -2f, 0f, 3f, -0f, 1f, -1f, 0.5f, -0.5f)
        .node("BipolarQuant", new String[] {"x", "one"}, new String[] {"xs"})
        .node("BipolarQuant", new String[] {"w", "one"}, new String[] {"ws"})
        .node("MatMul", new String[] {"xs", "ws"}, new String[] {"y"}).output("y");
    byte[] bytes = inDomain(m, "qonnx.custom_op.general", "BipolarQuant");
    Graph imported = OnnxImporter.importModel(bytes, L);
    OpNode gemm = imported.nodes().stream().filter(n -> n.op() == OpType.GEMM).findFirst()
        .orElseThrow();
    assertArrayEquals(new float[] {-1f, 1f, 1f, 1f, 1f, -1f, 1f, -1f},
        imported.constant(gemm.input(1)).floats());
    Graph lowered = Converter.convert(bytes, L).graph();
    assertTrue(lowered.nodes().stream().anyMatch(n -> n.op() == OpType.BINARY_DENSE),
        lowered.nodes().toString());
    assertFalse(lowered.nodes().stream().anyMatch(n -> n.op() == OpType.SIGN));
  }

  @Test
  void bipolarMultiThresholdIsASignOfXMinusT() {
    OnnxModels m = new OnnxModels(13).input("x", 1, 3, 2, 2)
        .floats("t", new int[] {3, 1}, 0.5f, -1f, 2f)
        .node("MultiThreshold", new String[] {"x", "t"}, new String[] {"y"},
            "out_scale", 2f, "out_bias", -1f)
        .output("y");
    Graph g = OnnxImporter.importModel(inDomain(m, "qonnx.custom_op.general",
        "MultiThreshold"), L);
    assertEquals(List.of(OpType.SUB, OpType.BIPOLAR_SIGN),
        g.nodes().stream().map(OpNode::op).toList());
    OnnxModels multi = new OnnxModels(13).input("x", 1, 3, 2, 2)
        .floats("t", new int[] {3, 2}, 0f, 1f, 0f, 1f, 0f, 1f)
        .node("MultiThreshold", new String[] {"x", "t"}, new String[] {"y"}).output("y");
    assertThrows(UnsupportedModelException.class, () -> OnnxImporter.importModel(
        inDomain(multi, "qonnx.custom_op.general", "MultiThreshold"), L));
  }

  @Test
  void runtimeQuantOverOneBitIsDeclinedAndConstantQuantFolds() {
    OnnxModels rt = new OnnxModels(13).input("x", 1, 4).floats("s", new int[0], 1f)
        .floats("z", new int[0], 0f).floats("b", new int[0], 2f)
        .node("Quant", new String[] {"x", "s", "z", "b"}, new String[] {"y"}).output("y");
    Bnn4jException e = assertThrows(UnsupportedModelException.class,
        () -> OnnxImporter.importModel(inDomain(rt, "onnx.brevitas", "Quant"), L));
    assertTrue(e.getMessage().contains("runtime tensor"), e.getMessage());

    // 2-bit signed: levels -2..1 of scale 0.5; round half to even.
    OnnxModels k = new OnnxModels(13).input("x", 1, 4)
        .floats("w", new int[] {4}, 0.26f, -0.75f, 2f, 0.25f)
        .floats("s", new int[0], 0.5f).floats("z", new int[0], 0f).floats("b", new int[0], 2f)
        .node("Quant", new String[] {"w", "s", "z", "b"}, new String[] {"wq"})
        .node("Mul", new String[] {"x", "wq"}, new String[] {"y"}).output("y");
    Graph g = OnnxImporter.importModel(inDomain(k, "onnx.brevitas", "Quant"), L);
    OpNode mul = g.nodes().get(0);
    // 0.52 -> 1, -1.5 -> -2, 4 -> clamp 1, 0.5 -> 0 (half to even)
    assertArrayEquals(new float[] {0.5f, -1f, 0.5f, 0f}, g.constant(mul.input(1)).floats());
  }

  @Test
  void oneBitRuntimeQuantIsABipolarSignOfAThreshold() {
    // signed, zeropt -0.5, scale 1: levels -0.5 and +0.5; ROUND: q = 0 (hi) when u >= -0.5.
    OnnxModels m = new OnnxModels(13).input("x", 1, 4).floats("s", new int[0], 1f)
        .floats("z", new int[0], -0.5f).floats("b", new int[0], 1f)
        .node("Quant", new String[] {"x", "s", "z", "b"}, new String[] {"y"}).output("y");
    Graph g = OnnxImporter.importModel(inDomain(m, "onnx.brevitas", "Quant"), L);
    assertEquals(List.of(OpType.ADD, OpType.SUB, OpType.BIPOLAR_SIGN, OpType.MUL),
        g.nodes().stream().map(OpNode::op).toList());
  }

  @Test
  void irNetStyleWeightPathFolds() {
    // 2 ** round(log(mean|w|) / ln 2) with Pow, Log, Round, ReduceMean, Div, Sqrt, ReduceProd.
    OnnxModels m = new OnnxModels(13).input("x", 1, 2)
        .floats("w", new int[] {2}, 0.3f, -0.5f)
        .floats("ln2", new int[0], (float) Math.log(2)).floats("two", new int[0], 2f)
        .floats("nine", new int[0], 9f)
        .node("Abs", "w", "a").node("ReduceMean", "a", "m", "keepdims", 0)
        .node("Log", "m", "l").node("Div", new String[] {"l", "ln2"}, new String[] {"q"})
        .node("Round", "q", "r").node("Pow", new String[] {"two", "r"}, new String[] {"p"})
        .node("Sqrt", "nine", "three")
        .node("Mul", new String[] {"p", "three"}, new String[] {"k"})
        .node("Mul", new String[] {"x", "k"}, new String[] {"y"}).output("y");
    Graph g = OnnxImporter.importModel(m.bytes(), L);
    assertEquals(1, g.nodes().size(), g.nodes().toString());
    // mean |w| = 0.4, log2 = -1.32 -> -1 -> 0.5; times sqrt(9) = 1.5
    assertArrayEquals(new float[] {1.5f}, g.constant(g.nodes().get(0).input(1)).floats());
  }

  @Test
  void everyClaimedOperatorReachesItsTranslator() {
    for (String op : OnnxImporter.supportedOperators()) {
      OnnxModels m = new OnnxModels(13).input("x", 1, 2)
          .node(op, new String[] {}, new String[] {"y"}).output("y");
      try {
        OnnxImporter.importModel(m.bytes(), L);
      } catch (Bnn4jException e) {
        assertFalse(e.getMessage().contains("is not supported by bnn4j"),
            op + ": " + e.getMessage());
      }
    }
    assertTrue(OnnxImporter.supportedOperators().containsAll(List.of("Conv", "Less", "Where",
        "Expand", "LogSoftmax", "Pow")));
    assertEquals(java.util.Set.of("BipolarQuant", "Quant", "MultiThreshold"),
        OnnxImporter.supportedQonnxOperators());
  }
}
