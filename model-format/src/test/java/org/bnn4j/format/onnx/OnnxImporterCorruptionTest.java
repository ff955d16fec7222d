package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import org.bnn4j.Bnn4jException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.onnx.proto.AttributeProto;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.junit.jupiter.api.Test;

/**
 * Random corruptions of valid ONNX models: the importer must import them or throw a bnn4j
 * exception, never anything else (an ONNX file is untrusted input).
 */
class OnnxImporterCorruptionTest {
  private static final String[] OPS = {"Conv", "MaxPool", "AveragePool", "Gemm", "MatMul",
      "Reshape", "Flatten", "Softmax", "Concat", "Pad", "Clip", "Transpose", "Slice", "Gather",
      "Unsqueeze", "Squeeze", "Shape", "Cast", "ConstantOfShape", "ReduceMean", "Add", "Mul",
      "Div", "Sub", "PRelu", "BatchNormalization", "Identity", "Neg", "Sign", "Relu",
      "GlobalAveragePool", "Constant", "Dropout"};
  private static final long[] INTS = {-2, -1, 0, 1, 2, 3, 7, 1L << 31, Long.MAX_VALUE,
      Long.MIN_VALUE, Integer.MIN_VALUE};

  static List<ModelProto> seeds() {
    float[] w = new float[4 * 3 * 3 * 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 5) - 2;
    }
    ModelProto convNet = new OnnxModels(13).input("x", 1, 3, 8, 8)
        .floats("w", new int[] {4, 3, 3, 3}, w)
        .floats("s", new int[] {4}, 1, 2, 3, 4)
        .ints("pads", 0, 0, 1, 1, 0, 0, 1, 1)
        .ints("shape", 1, -1)
        .node("Sign", "x", "sx")
        .node("Conv", new String[] {"sx", "w"}, new String[] {"c"}, "pads",
            new int[] {1, 1, 1, 1}, "strides", new int[] {1, 1})
        .node("BatchNormalization", new String[] {"c", "s", "s", "s", "s"},
            new String[] {"b"}, "epsilon", 1e-5f)
        .node("Pad", new String[] {"b", "pads"}, new String[] {"p"})
        .node("MaxPool", "p", "m", "kernel_shape", new int[] {2, 2}, "strides",
            new int[] {2, 2}, "ceil_mode", 1)
        .node("AveragePool", "m", "a", "kernel_shape", new int[] {3, 3}, "auto_pad",
            "SAME_UPPER")
        .node("Reshape", new String[] {"a", "shape"}, new String[] {"r"})
        .node("Softmax", "r", "y", "axis", 1)
        .output("y").model();
    ModelProto shapes = new OnnxModels(13).input("x", 2, 3, 4)
        .floats("k", new int[] {4, 5}, new float[20])
        .ints("idx", 0)
        .ints("starts", 0)
        .ints("ends", -1)
        .ints("axes", 0)
        .node("Shape", "x", "sh")
        .node("Gather", new String[] {"sh", "idx"}, new String[] {"n"}, "axis", 0)
        .node("Slice", new String[] {"sh", "starts", "ends", "axes"}, new String[] {"sl"})
        .node("Concat", new String[] {"n", "sl"}, new String[] {"cat"}, "axis", 0)
        .node("Cast", "cat", "cast", "to", 7)
        .node("ConstantOfShape", "cast", "zeros")
        .node("ReduceMean", "k", "km", "axes", new int[] {1}, "keepdims", 0)
        .node("Unsqueeze", new String[] {"x", "axes"}, new String[] {"u"})
        .node("Squeeze", new String[] {"u", "axes"}, new String[] {"q"})
        .node("MatMul", new String[] {"q", "k"}, new String[] {"mm"})
        .node("Add", new String[] {"mm", "km"}, new String[] {"y"})
        .output("y").model();
    return List.of(convNet, shapes);
  }

  @Test
  void corruptedModelsOnlyEverThrowBnn4jExceptions() {
    Random rnd = new Random(7);
    List<ModelProto> seeds = seeds();
    int imported = 0;
    for (int round = 0; round < 2500; round++) {
      ModelProto.Builder m = seeds.get(rnd.nextInt(seeds.size())).toBuilder();
      GraphProto.Builder g = m.getGraphBuilder();
      int mutations = 1 + rnd.nextInt(3);
      for (int k = 0; k < mutations; k++) {
        mutate(rnd, m, g);
      }
      byte[] bytes = m.build().toByteArray();
      if (rnd.nextInt(10) == 0 && bytes.length > 0) {
        bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 << rnd.nextInt(8));
      }
      try {
        OnnxImporter.importModel(bytes, Limits.DEFAULT.withMaxTensorElements(1 << 20));
        imported++;
      } catch (Bnn4jException e) {
        if (e.getMessage().contains("internal error")) {
          fail("round " + round + ": " + e, e);
        }
      } catch (RuntimeException e) {
        fail("round " + round + " threw " + e + " on\n" + m.getGraph(), e);
      }
    }
    assertTrue(imported > 100, "too few mutants imported (" + imported + "): fuzzing is shallow");
  }

  private static void mutate(Random rnd, ModelProto.Builder m, GraphProto.Builder g) {
    int nodes = g.getNodeCount();
    NodeProto.Builder n = g.getNodeBuilder(rnd.nextInt(nodes));
    switch (rnd.nextInt(10)) {
      case 0 -> n.setOpType(OPS[rnd.nextInt(OPS.length)]);
      case 1 -> {
        if (n.getAttributeCount() > 0) {
          AttributeProto.Builder a = n.getAttributeBuilder(rnd.nextInt(n.getAttributeCount()));
          if (a.getIntsCount() > 0) {
            a.setInts(rnd.nextInt(a.getIntsCount()), INTS[rnd.nextInt(INTS.length)]);
          } else {
            a.setI(INTS[rnd.nextInt(INTS.length)]);
          }
        }
      }
      case 2 -> n.addAttribute(OnnxModels.attr(
          List.of("axis", "pads", "kernel_shape", "perm", "group", "axes", "to", "allowzero")
              .get(rnd.nextInt(8)),
          rnd.nextBoolean() ? (Object) (int) INTS[rnd.nextInt(INTS.length)]
              : new int[] {rnd.nextInt(5) - 1, rnd.nextInt(5) - 1}));
      case 3 -> {
        String other = g.getNode(rnd.nextInt(nodes)).getOutput(0);
        if (n.getInputCount() > 0 && rnd.nextBoolean()) {
          n.setInput(rnd.nextInt(n.getInputCount()), rnd.nextBoolean() ? other : "");
        } else {
          n.addInput(other);
        }
      }
      case 4 -> {
        int a = rnd.nextInt(nodes);
        NodeProto first = g.getNode(a);
        int b = rnd.nextInt(nodes);
        g.setNode(a, g.getNode(b));
        g.setNode(b, first);
      }
      case 5 -> {
        if (g.getInitializerCount() > 0) {
          TensorProto.Builder t = g.getInitializerBuilder(rnd.nextInt(g.getInitializerCount()));
          if (t.getDimsCount() > 0) {
            t.setDims(rnd.nextInt(t.getDimsCount()), INTS[rnd.nextInt(INTS.length)]);
          } else {
            t.addDims(rnd.nextInt(3));
          }
        }
      }
      case 6 -> {
        TensorShapeProto.Builder s = g.getInputBuilder(0).getTypeBuilder()
            .getTensorTypeBuilder().getShapeBuilder();
        s.getDimBuilder(rnd.nextInt(s.getDimCount()))
            .setDimValue(List.of(0L, 1L, 2L, 5L, -3L, 1L << 40).get(rnd.nextInt(6)));
      }
      case 7 -> m.setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(
          List.of(5, 6, 7, 10, 11, 12, 13, 18, 25, 26).get(rnd.nextInt(10))));
      case 8 -> n.clearAttribute();
      default -> {
        if (n.getInputCount() > 0) {
          List<String> ins = new java.util.ArrayList<>(n.getInputList());
          ins.remove(rnd.nextInt(ins.size()));
          n.clearInput().addAllInput(ins);
        }
      }
    }
  }
}
