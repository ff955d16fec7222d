package org.bnn4j.bench;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.proto.AttributeProto;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.OperatorSetIdProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.bnn4j.format.onnx.proto.TypeProto;
import org.bnn4j.format.onnx.proto.ValueInfoProto;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.runtime.CompiledGraph;
import org.bnn4j.runtime.Executor;
import org.bnn4j.runtime.ReferenceOps;

/** Single-layer models for the benchmarks, as bnn4j graphs and as ONNX bytes, with checks. */
final class BenchModels {
  private BenchModels() {}

  /** A layer's activation size: height, width, channels. */
  record LayerShape(int h, int w, int c) {
    /** {@code "56x56x64"} to {@code (56, 56, 64)}. */
    static LayerShape parse(String shape) {
      String[] p = shape.split("x");
      return new LayerShape(Integer.parseInt(p[0]), Integer.parseInt(p[1]),
          Integer.parseInt(p[2]));
    }

    int elements() {
      return h * w * c;
    }
  }

  static float[] gaussian(Random rnd, int n, float scale) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) rnd.nextGaussian() * scale;
    }
    return f;
  }

  static long[] bits(Random rnd, int rows, int channels) {
    int words = Bitpack.words(channels);
    long[] a = new long[rows * words];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < words; i++) {
        a[r * words + i] = rnd.nextLong();
      }
      if ((channels & 63) != 0) {
        a[r * words + words - 1] &= (1L << (channels & 63)) - 1;
      }
    }
    return a;
  }

  private static void add(Graph g, OpNode n) {
    g.nodes().add(n);
    g.types().put(n.output(0), ShapeInference.infer(g, n).get(0));
  }

  /**
   * Binarize (threshold 0) then a 3x3, stride 1, pad 1 BinaryConv2d with float output
   * ({@code dot * multiplier + bias}): the binary layer of a Bi-Real block, input float NCHW.
   */
  static Graph binaryConvLayer(int h, int w, int c, long seed) {
    Random rnd = new Random(seed);
    Graph g = new Graph();
    g.inputs().add("x");
    g.types().put("x", ValueType.float32(1, c, h, w));
    g.constants().put("thr", ConstTensor.ofFloats(new int[] {c}, new float[c]));
    g.constants().put("w", ConstTensor.ofBits(new int[] {c, 3, 3, c}, bits(rnd, c * 9, c)));
    g.constants().put("mult", ConstTensor.ofFloats(new int[] {c}, gaussian(rnd, c, 0.01f)));
    g.constants().put("bias", ConstTensor.ofFloats(new int[] {c}, gaussian(rnd, c, 1f)));
    add(g, new OpNode("bin", OpType.BINARIZE, List.of("x", "thr"), List.of("xb")));
    OpNode conv = new OpNode("conv", OpType.BINARY_CONV2D, List.of("xb", "w", "mult", "bias"),
        List.of("y"));
    conv.set("strides", new int[] {1, 1}).set("pads", new int[] {1, 1, 1, 1})
        .set("output", "float");
    add(g, conv);
    g.outputs().add("y");
    return g;
  }

  /** Float 3x3, stride 1, pad 1 Conv2d with bias, weights [c, c, 3, 3]. */
  static float[][] floatConvWeights(int c, long seed) {
    Random rnd = new Random(seed);
    return new float[][] {gaussian(rnd, c * c * 9, (float) Math.sqrt(2.0 / (9 * c))),
        gaussian(rnd, c, 0.1f)};
  }

  static Graph floatConvLayer(int h, int w, int c, float[][] weights) {
    Graph g = new Graph();
    g.inputs().add("x");
    g.types().put("x", ValueType.float32(1, c, h, w));
    g.constants().put("w", ConstTensor.ofFloats(new int[] {c, c, 3, 3}, weights[0]));
    g.constants().put("b", ConstTensor.ofFloats(new int[] {c}, weights[1]));
    OpNode conv = new OpNode("conv", OpType.CONV2D, List.of("x", "w", "b"), List.of("y"));
    conv.set("strides", new int[] {1, 1}).set("pads", new int[] {1, 1, 1, 1})
        .set("dilations", new int[] {1, 1}).set("group", 1);
    add(g, conv);
    g.outputs().add("y");
    return g;
  }

  /** The same float convolution as a one-node ONNX model (opset 13, IR version 8). */
  static byte[] onnxConv(int h, int w, int c, float[][] weights) {
    NodeProto node = NodeProto.newBuilder().setName("conv").setOpType("Conv")
        .addInput("x").addInput("w").addInput("b").addOutput("y")
        .addAttribute(ints("kernel_shape", 3, 3)).addAttribute(ints("pads", 1, 1, 1, 1))
        .addAttribute(ints("strides", 1, 1)).addAttribute(ints("dilations", 1, 1))
        .addAttribute(AttributeProto.newBuilder().setName("group").setI(1)
            .setType(AttributeProto.AttributeType.INT))
        .build();
    GraphProto graph = GraphProto.newBuilder().setName("conv").addNode(node)
        .addInitializer(floatTensor("w", weights[0], c, c, 3, 3))
        .addInitializer(floatTensor("b", weights[1], c))
        .addInput(valueInfo("x", 1, c, h, w)).addOutput(valueInfo("y", 1, c, h, w)).build();
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("bnn4j-bench")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph).build().toByteArray();
  }

  static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      b.addInts(x);
    }
    return b.build();
  }

  static TensorProto floatTensor(String name, float[] data, long... dims) {
    ByteBuffer buf = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(data);
    TensorProto.Builder b = TensorProto.newBuilder().setName(name)
        .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(buf.array()));
    for (long d : dims) {
      b.addDims(d);
    }
    return b.build();
  }

  static ValueInfoProto valueInfo(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
  }

  /** Runs a graph on the reference ops (one input, one output). */
  static float[] reference(Graph g, float[] input) {
    Executor e = CompiledGraph.compile(g, new ReferenceOps()).newExecutor();
    e.setInput(0, input, 0);
    e.run();
    return e.output(0);
  }

  static void checkExact(String what, float[] want, float[] got) {
    if (want.length != got.length) {
      throw new IllegalStateException(what + ": " + got.length + " values, expected "
          + want.length);
    }
    for (int i = 0; i < want.length; i++) {
      if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
        throw new IllegalStateException(what + ": value " + i + " is " + got[i] + ", the"
            + " reference gives " + want[i]);
      }
    }
  }

  static void checkClose(String what, float[] want, float[] got, float tol) {
    if (want.length != got.length) {
      throw new IllegalStateException(what + ": " + got.length + " values, expected "
          + want.length);
    }
    for (int i = 0; i < want.length; i++) {
      float err = Math.abs(want[i] - got[i]);
      if (!(err <= tol * Math.max(1f, Math.abs(want[i])))) {
        throw new IllegalStateException(what + ": value " + i + " is " + got[i] + ", the"
            + " reference gives " + want[i]);
      }
    }
  }
}
