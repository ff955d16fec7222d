package org.bnn4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.format.onnx.OnnxTensors;
import org.bnn4j.format.onnx.proto.AttributeProto;
import org.bnn4j.format.onnx.proto.AttributeProto.AttributeType;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.OperatorSetIdProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.bnn4j.format.onnx.proto.TypeProto;
import org.bnn4j.format.onnx.proto.ValueInfoProto;
import org.junit.jupiter.api.Test;

/**
 * QONNX {@code Quant} at bit width 1 on a runtime tensor, run by the engine, against the QONNX
 * definition evaluated here in float32: {@code u = x / scale + zeropt}, {@code q = clamp(R(u),
 * lo, hi)}, {@code y = (q - zeropt) * scale}, on random inputs and on the floats next to every
 * rounding boundary.
 */
class QonnxOneBitQuantTest {
  static final int N = 4096;

  static float reference(float x, float s, float z, boolean signed, String mode) {
    float lo = signed ? -1f : 0f;
    float hi = signed ? 0f : 1f;
    float u = x / s + z;
    double r = switch (mode) {
      case "ROUND" -> Math.rint(u);
      case "FLOOR" -> Math.floor(u);
      case "CEIL" -> Math.ceil(u);
      default -> u < 0 ? Math.ceil(u) : Math.floor(u);
    };
    float q = (float) Math.min(hi, Math.max(lo, r));
    return (q - z) * s;
  }

  static byte[] model(float s, float z, boolean signed, String mode) {
    GraphProto.Builder g = GraphProto.newBuilder().setName("quant")
        .addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(
                TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(N))))))
        .addOutput(ValueInfoProto.newBuilder().setName("y"))
        .addInitializer(OnnxTensors.toTensorProto("s", new int[0], new float[] {s}))
        .addInitializer(OnnxTensors.toTensorProto("z", new int[0], new float[] {z}))
        .addInitializer(OnnxTensors.toTensorProto("b", new int[0], new float[] {1f}))
        .addNode(NodeProto.newBuilder().setOpType("Quant").setDomain("qonnx.custom_op.general")
            .addInput("x").addInput("s").addInput("z").addInput("b").addOutput("y")
            .addAttribute(AttributeProto.newBuilder().setName("signed").setType(AttributeType.INT)
                .setI(signed ? 1 : 0))
            .addAttribute(AttributeProto.newBuilder().setName("rounding_mode")
                .setType(AttributeType.STRING)
                .setS(ByteString.copyFrom(mode, StandardCharsets.UTF_8))));
    return ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("qonnx.custom_op.general")
            .setVersion(1))
        .setGraph(g).build().toByteArray();
  }

  @Test
  void everyRoundingModeAndLevelPairMatchesTheDefinitionBitForBit() throws Exception {
    float[][] params = {{1f, 0f}, {0.5f, 0f}, {0.25f, -0.5f}, {2f, 0.5f}, {0.75f, 0.25f}};
    SplittableRandom r = new SplittableRandom(5);
    int checked = 0;
    for (String mode : new String[] {"ROUND", "FLOOR", "CEIL", "ROUND_TO_ZERO"}) {
      for (boolean signed : new boolean[] {true, false}) {
        for (float[] p : params) {
          float s = p[0];
          float z = p[1];
          byte[] onnx;
          try {
            onnx = model(s, z, signed, mode);
            Model.load(onnx).close();
          } catch (org.bnn4j.UnsupportedModelException e) {
            continue; // levels neither ±c nor {0, c}: declined, never wrong
          }
          float[] x = new float[N];
          int k = 0;
          // Next to every boundary u in {-1.5 .. 1.5} step 0.5: x = (u - z) * s and neighbours.
          for (float u = -1.5f; u <= 1.5f; u += 0.5f) {
            float at = (u - z) * s;
            float v = at;
            for (int d = 0; d < 6; d++) {
              v = Math.nextDown(v);
            }
            for (int d = 0; d < 13 && k < N; d++, v = Math.nextUp(v)) {
              x[k++] = v;
            }
          }
          x[k++] = 0f;
          x[k++] = -0f;
          while (k < N) {
            x[k++] = (float) (r.nextGaussian() * 2);
          }
          try (Model m = Model.load(onnx); Session sess = m.newSession()) {
            Map<String, Tensor> out = sess.run(Map.of("x", Tensor.of(x, 1, N)));
            float[] y = out.get("y").toFloatArray();
            for (int i = 0; i < N; i++) {
              float want = reference(x[i], s, z, signed, mode);
              assertEquals(want, y[i], 0f, mode + (signed ? " signed" : " unsigned") + " s=" + s
                  + " z=" + z + " x=" + x[i]);
              checked++;
            }
          }
        }
      }
    }
    assertEquals(true, checked > 20 * N, "configurations run: " + checked / N);
  }
}
