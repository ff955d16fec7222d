package org.bnn4j.format.onnx;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
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

/** Builds small ONNX models for tests. */
final class OnnxModels {
  private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");
  private final int opset;

  OnnxModels(int opset) {
    this.opset = opset;
  }

  OnnxModels input(String name, long... dims) {
    graph.addInput(valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims));
    return this;
  }

  OnnxModels output(String name) {
    graph.addOutput(ValueInfoProto.newBuilder().setName(name));
    return this;
  }

  OnnxModels floats(String name, int[] dims, float... values) {
    graph.addInitializer(OnnxTensors.toTensorProto(name, dims, values));
    return this;
  }

  OnnxModels ints(String name, long... values) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name)
        .setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return this;
  }

  /** Adds a node; attrs are name, value pairs (Integer/Long, Float, String, int[], float[]). */
  OnnxModels node(String op, String[] inputs, String[] outputs, Object... attrs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op);
    for (String i : inputs) {
      n.addInput(i);
    }
    for (String o : outputs) {
      n.addOutput(o);
    }
    for (int i = 0; i < attrs.length; i += 2) {
      n.addAttribute(attr((String) attrs[i], attrs[i + 1]));
    }
    graph.addNode(n);
    return this;
  }

  OnnxModels node(String op, String input, String output, Object... attrs) {
    return node(op, new String[] {input}, new String[] {output}, attrs);
  }

  ModelProto model() {
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("bnn4j-test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(graph).build();
  }

  byte[] bytes() {
    return model().toByteArray();
  }

  static ValueInfoProto valueInfo(String name, int elemType, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
        .build();
  }

  static AttributeProto attr(String name, Object v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
    if (v instanceof Integer i) {
      a.setType(AttributeType.INT).setI(i);
    } else if (v instanceof Long l) {
      a.setType(AttributeType.INT).setI(l);
    } else if (v instanceof Float f) {
      a.setType(AttributeType.FLOAT).setF(f);
    } else if (v instanceof String s) {
      a.setType(AttributeType.STRING).setS(ByteString.copyFrom(s, StandardCharsets.UTF_8));
    } else if (v instanceof int[] arr) {
      a.setType(AttributeType.INTS);
      for (int x : arr) {
        a.addInts(x);
      }
    } else if (v instanceof float[] arr) {
      a.setType(AttributeType.FLOATS);
      for (float x : arr) {
        a.addFloats(x);
      }
    } else if (v instanceof TensorProto t) {
      a.setType(AttributeType.TENSOR).setT(t);
    } else {
      throw new IllegalArgumentException("attribute type " + v.getClass());
    }
    return a.build();
  }
}
