package org.bnn4j.robustness;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bnn4j.Bnn4jException;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.convert.Converter;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.ModelFile;
import org.bnn4j.format.onnx.proto.AttributeProto;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.OperatorSetIdProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.bnn4j.format.onnx.proto.TypeProto;
import org.bnn4j.format.onnx.proto.ValueInfoProto;
import org.bnn4j.format.proto.Attribute;
import org.bnn4j.format.proto.DataType;
import org.bnn4j.format.proto.Graph;
import org.bnn4j.format.proto.Ints;
import org.bnn4j.format.proto.Model;
import org.bnn4j.format.proto.Node;
import org.bnn4j.format.proto.Tensor;
import org.bnn4j.format.proto.ValueInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crafted malformed .bnn and ONNX files, each of which must fail fast (well under a second,
 * without allocating what it claims) with a typed exception whose message names the offending
 * field, its value and, for limits, the limit.
 */
class MalformedModelTest {
  static final Limits LIMITS = Limits.DEFAULT.withMaxNodes(50);

  /** A case: what the bytes are, the exception expected and fragments its message must hold. */
  record Case(String name, boolean onnx, Supplier<byte[]> bytes,
      Class<? extends Bnn4jException> expected, String... fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  // ---- .bnn builders ----

  static ValueInfo vi(String name, long... dims) {
    ValueInfo.Builder b = ValueInfo.newBuilder().setName(name).setType(DataType.FLOAT32);
    for (long d : dims) {
      b.addDims(d);
    }
    return b.build();
  }

  static Node node(String name, String op, List<String> in, List<String> out, Attribute... a) {
    return Node.newBuilder().setName(name).setOpType(op).addAllInputs(in).addAllOutputs(out)
        .addAllAttributes(Arrays.asList(a)).build();
  }

  static Attribute ints(String name, long... v) {
    Ints.Builder b = Ints.newBuilder();
    for (long x : v) {
      b.addValues(x);
    }
    return Attribute.newBuilder().setName(name).setInts(b).build();
  }

  static Attribute intAttr(String name, long v) {
    return Attribute.newBuilder().setName(name).setI(v).build();
  }

  /** Relu on x[1,4]: the valid baseline every .bnn case breaks in one place. */
  static Graph.Builder relu() {
    return Graph.newBuilder().addInputs(vi("x", 1, 4)).addOutputs(vi("y", 1, 4))
        .addNodes(node("relu", "Relu", List.of("x"), List.of("y")));
  }

  static byte[] bnn(Graph.Builder g) {
    return ModelFile.toBytes(Model.newBuilder().setGraph(g).build());
  }

  static Tensor floats(String name, int bytes, long... dims) {
    Tensor.Builder t = Tensor.newBuilder().setName(name).setType(DataType.FLOAT32)
        .setData(ByteString.copyFrom(new byte[bytes]));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  static byte[] withHeader(byte[] file, int offset, byte[] patch) {
    byte[] b = file.clone();
    System.arraycopy(patch, 0, b, offset, patch.length);
    return b;
  }

  /** A payload of {@code depth} nested unknown groups (field 15): recursion, not size. */
  static byte[] nestedGroups(int depth) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < depth; i++) {
      out.write(15 << 3 | 3);
    }
    for (int i = 0; i < depth; i++) {
      out.write(15 << 3 | 4);
    }
    return out.toByteArray();
  }

  static byte[] rawEnvelope(byte[] payload) {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(24 + payload.length);
    buf.put(new byte[] {(byte) 0x89, 'B', 'N', 'N', '4', 'J', '\r', '\n'});
    buf.putInt(ModelFile.FORMAT_VERSION).putLong(payload.length).put(payload);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(buf.array(), 0, 20 + payload.length);
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  // ---- ONNX builders ----

  static ValueInfoProto ovi(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)
            .setShape(shape))).build();
  }

  static NodeProto onode(String op, List<String> in, String out, AttributeProto... attrs) {
    return NodeProto.newBuilder().setName(op.toLowerCase() + "_node").setOpType(op)
        .addAllInput(in).addOutput(out).addAllAttribute(Arrays.asList(attrs)).build();
  }

  static AttributeProto oints(String name, long... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  static AttributeProto oint(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
        .setI(v).build();
  }

  static TensorProto ofloats(String name, long[] dims, int rawBytes) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name)
        .setDataType(TensorProto.DataType.FLOAT_VALUE)
        .setRawData(ByteString.copyFrom(new byte[rawBytes]));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  static TensorProto oint64(String name, long... v) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name)
        .setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.length);
    for (long x : v) {
      t.addInt64Data(x);
    }
    return t.build();
  }

  static byte[] onnx(GraphProto.Builder g) {
    return ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(g.setName("g")).build().toByteArray();
  }

  /** y = x[1,4] + w: makes the importer read initializer w. */
  static GraphProto.Builder oadd(TensorProto w) {
    return GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 1, 4))
        .addInitializer(w).addNode(onode("Add", List.of("x", w.getName()), "y"));
  }

  /** Relu on x[1,4] in ONNX. */
  static GraphProto.Builder orelu() {
    return GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 1, 4))
        .addNode(onode("Relu", List.of("x"), "y"));
  }

  static Stream<Case> cases() {
    return Stream.of(
        // envelope
        new Case("empty .bnn file", false, () -> new byte[0], ModelFormatException.class,
            "0 bytes", "24-byte envelope"),
        new Case("8-byte file (magic only)", false,
            () -> Arrays.copyOf(bnn(relu()), 8), ModelFormatException.class, "8 bytes"),
        new Case("bad magic", false, () -> withHeader(bnn(relu()), 1, new byte[] {'X'}),
            ModelFormatException.class, "bad magic", "58"),
        new Case("format version 99", false,
            () -> withHeader(bnn(relu()), 8, new byte[] {0, 0, 0, 99}),
            ModelFormatException.class, "version 99", "1 to 1"),
        new Case("payload length 2^62", false,
            () -> withHeader(bnn(relu()), 12, new byte[] {0x40, 0, 0, 0, 0, 0, 0, 0}),
            ModelFormatException.class, "4611686018427387904"),
        new Case("truncated by one byte", false, () -> {
          byte[] b = bnn(relu());
          return Arrays.copyOf(b, b.length - 1);
        }, ModelFormatException.class, "truncated"),
        new Case("checksum mismatch", false, () -> {
          byte[] b = bnn(relu());
          b[25] ^= 1;
          return b;
        }, ModelFormatException.class, "CRC32C"),
        new Case("payload is not protobuf", false,
            () -> rawEnvelope(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}),
            ModelFormatException.class, "corrupt .bnn model payload"),
        new Case("100000 nested protobuf groups", false, () -> rawEnvelope(nestedGroups(100_000)),
            ModelFormatException.class, "corrupt .bnn model payload"),
        new Case("file over maxFileBytes", false, () -> new byte[(int) (1 << 20) + 1],
            ModelFormatException.class, "1048577", "maxFileBytes"),
        // tensors
        new Case("initializer claiming 2^40 elements", false,
            () -> bnn(relu().addInitializers(floats("w", 16, 1L << 20, 1L << 20))),
            ModelFormatException.class, "'w'", "maxTensorElements", "268435456"),
        new Case("initializer with a negative dim", false,
            () -> bnn(relu().addInitializers(floats("w", 16, 4, -4))),
            ModelFormatException.class, "'w'", "-4"),
        new Case("dims whose product overflows a long", false,
            () -> bnn(relu().addInitializers(floats("w", 16, 1L << 32, 1L << 32, 1L << 32))),
            ModelFormatException.class, "'w'", "maxTensorElements"),
        new Case("raw data length mismatch", false,
            () -> bnn(relu().addInitializers(floats("w", 12, 4))),
            ModelFormatException.class, "'w'", "12", "16"),
        new Case("value with 2^40 elements", false,
            () -> bnn(relu().addValues(vi("v", 1L << 20, 1L << 20))),
            ModelFormatException.class, "'v'", "maxTensorElements"),
        new Case("graph input with a 0 dim", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x", 1, 0)).addOutputs(vi("y", 1, 0))
                .addNodes(node("relu", "Relu", List.of("x"), List.of("y")))),
            ModelFormatException.class, "'x'", "0"),
        new Case("graph input with no dims", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x")).addOutputs(vi("y", 1, 4))
                .addNodes(node("relu", "Relu", List.of("x"), List.of("y")))),
            ModelFormatException.class, "'y'", "float[1, 4]", "infers as float[]"),
        // graph structure
        new Case("node count over maxNodes", false, () -> {
          Graph.Builder g = Graph.newBuilder().addInputs(vi("x", 1, 4));
          String prev = "x";
          for (int i = 0; i < 51; i++) {
            g.addNodes(node("n" + i, "Relu", List.of(prev), List.of("v" + i)));
            if (i < 50) {
              g.addValues(vi("v" + i, 1, 4));
            }
            prev = "v" + i;
          }
          return bnn(g.addOutputs(vi("v50", 1, 4)));
        }, ModelFormatException.class, "51", "maxNodes", "50"),
        new Case("read before write", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x", 1, 4)).addValues(vi("a", 1, 4))
                .addOutputs(vi("y", 1, 4))
                .addNodes(node("second", "Relu", List.of("a"), List.of("y")))
                .addNodes(node("first", "Relu", List.of("x"), List.of("a")))),
            ModelFormatException.class, "'a'", "first"),
        new Case("read of a value never written", false,
            () -> bnn(relu().setNodes(0, node("relu", "Relu", List.of("nowhere"), List.of("y")))),
            ModelFormatException.class, "'nowhere'"),
        new Case("unknown op type", false,
            () -> bnn(relu().setNodes(0, node("relu", "Frobnicate", List.of("x"), List.of("y")))),
            ModelFormatException.class, "'Frobnicate'"),
        new Case("duplicate node names", false,
            () -> bnn(relu().addValues(vi("z", 1, 4))
                .setNodes(0, node("relu", "Relu", List.of("x"), List.of("z")))
                .addNodes(node("relu", "Relu", List.of("z"), List.of("y")))),
            ModelFormatException.class, "'relu'", "twice"),
        new Case("attribute without a value", false,
            () -> bnn(relu().setNodes(0, node("relu", "Relu", List.of("x"), List.of("y"),
                Attribute.newBuilder().setName("alpha").build()))),
            ModelFormatException.class, "'alpha'"),
        new Case("Concat axis 99", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x", 1, 4)).addOutputs(vi("y", 1, 8))
                .addNodes(node("cat", "Concat", List.of("x", "x"), List.of("y"),
                    intAttr("axis", 99)))),
            ModelFormatException.class, "axis", "99"),
        new Case("Transpose perm [0, 5]", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x", 1, 4)).addOutputs(vi("y", 4, 1))
                .addNodes(node("t", "Transpose", List.of("x"), List.of("y"),
                    ints("perm", 0, 5)))),
            ModelFormatException.class, "perm", "5"),
        new Case("Reshape to a different element count", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x", 1, 4)).addOutputs(vi("y", 1, 5))
                .addNodes(node("r", "Reshape", List.of("x"), List.of("y"), ints("shape", 1, 5)))),
            ModelFormatException.class, "shape"),
        new Case("output shape that disagrees with inference", false,
            () -> bnn(relu().setOutputs(0, vi("y", 1, 5))),
            ModelFormatException.class, "'y'"),
        new Case("MaxPool2d with stride 0", false,
            () -> bnn(Graph.newBuilder().addInputs(vi("x", 1, 1, 4, 4))
                .addOutputs(vi("y", 1, 1, 2, 2))
                .addNodes(node("p", "MaxPool2d", List.of("x"), List.of("y"), ints("kernel", 2, 2),
                    ints("strides", 0, 0)))),
            ModelFormatException.class, "strides"),
        // ONNX
        new Case("ONNX: empty file", true, () -> new byte[0], ModelFormatException.class,
            "no graph"),
        new Case("ONNX: random bytes", true,
            () -> new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3},
            ModelFormatException.class, "not a valid ONNX model"),
        new Case("ONNX: 100000 nested groups", true, () -> nestedGroups(100_000),
            ModelFormatException.class, "not a valid ONNX model"),
        new Case("ONNX: initializer claiming 2^40 elements", true,
            () -> onnx(oadd(ofloats("w", new long[] {1L << 20, 1L << 20}, 16))),
            ModelFormatException.class, "'w'", "maxTensorElements"),
        new Case("ONNX: initializer with a negative dim", true,
            () -> onnx(oadd(ofloats("w", new long[] {-3, 4}, 16))),
            ModelFormatException.class, "'w'", "-3"),
        new Case("ONNX: dims whose product overflows a long", true,
            () -> onnx(oadd(ofloats("w",
                new long[] {1L << 32, 1L << 32, 1L << 32}, 16))),
            ModelFormatException.class, "'w'", "maxTensorElements"),
        new Case("ONNX: raw_data length mismatch", true,
            () -> onnx(oadd(ofloats("w", new long[] {4}, 12))),
            ModelFormatException.class, "'w'", "12", "16"),
        new Case("ONNX: node count over maxNodes", true, () -> {
          GraphProto.Builder g = GraphProto.newBuilder().addInput(ovi("x", 1, 4));
          String prev = "x";
          for (int i = 0; i < 51; i++) {
            g.addNode(onode("Relu", List.of(prev), "v" + i).toBuilder().setName("n" + i));
            prev = "v" + i;
          }
          return onnx(g.addOutput(ovi("v50", 1, 4)));
        }, ModelFormatException.class, "51", "maxNodes"),
        new Case("ONNX: Concat axis 99", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 1, 8))
                .addNode(onode("Concat", List.of("x", "x"), "y", oint("axis", 99)))),
            ModelFormatException.class, "axis", "99"),
        new Case("ONNX: Transpose perm [0, 5]", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 4, 1))
                .addNode(onode("Transpose", List.of("x"), "y", oints("perm", 0, 5)))),
            ModelFormatException.class, "perm", "5"),
        new Case("ONNX: Gather index 7 on a dim of 4", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 1, 4))
                .addInitializer(ofloats("data", new long[] {4}, 16))
                .addInitializer(oint64("idx", 7))
                .addNode(onode("Gather", List.of("data", "idx"), "g", oint("axis", 0)))
                .addNode(onode("Add", List.of("x", "g"), "y"))),
            ModelFormatException.class, "7"),
        new Case("ONNX: read before write", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 1, 4))
                .addNode(onode("Relu", List.of("a"), "y"))
                .addNode(onode("Sigmoid", List.of("x"), "a"))),
            ModelFormatException.class, "'a'"),
        new Case("ONNX: graph input with a 0 dim", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, 0)).addOutput(ovi("y", 1, 0))
                .addNode(onode("Relu", List.of("x"), "y"))),
            UnsupportedModelException.class, "'x'", "empty dim 1"),
        new Case("ONNX: graph input with a negative dim", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, -7))
                .addOutput(ovi("y", 1, -7)).addNode(onode("Relu", List.of("x"), "y"))),
            ModelFormatException.class, "'x'", "-7"),
        new Case("ONNX: no opset import", true,
            () -> ModelProto.newBuilder().setIrVersion(8).setGraph(orelu().setName("g")).build()
                .toByteArray(),
            UnsupportedModelException.class, "opset"),
        new Case("ONNX: unknown op", true,
            () -> onnx(GraphProto.newBuilder().addInput(ovi("x", 1, 4)).addOutput(ovi("y", 1, 4))
                .addNode(onode("Frobnicate", List.of("x"), "y"))),
            UnsupportedModelException.class, "Frobnicate"));
  }

  static Limits limitsFor(Case c) {
    return c.name.equals("file over maxFileBytes") ? LIMITS.withMaxFileBytes(1 << 20) : LIMITS;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void failsFastWithANamedReason(Case c) {
    byte[] bytes = c.bytes.get();
    Limits limits = limitsFor(c);
    long t0 = System.nanoTime();
    try {
      if (c.onnx) {
        Converter.convert(bytes, limits);
      } else {
        ModelCodec.decode(bytes, limits);
      }
      fail(c.name + ": loaded, expected " + c.expected.getSimpleName());
    } catch (Bnn4jException e) {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      String m = e.getMessage();
      assertTrue(c.expected.isInstance(e), c.name + ": got " + e);
      for (String f : c.fragments) {
        assertTrue(m.contains(f), c.name + ": message lacks '" + f + "': " + m);
      }
      assertTrue(!m.contains("internal error"), c.name + ": caught only as a bug: " + m);
      assertTrue(ms < 1000, c.name + ": took " + ms + " ms");
    }
  }

  @Test
  void baselinesAreValid() {
    assertDoesNotThrow(() -> ModelCodec.decode(bnn(relu()), LIMITS));
    assertDoesNotThrow(() -> Converter.convert(onnx(orelu()), LIMITS));
  }

  @Test
  void countCases() {
    List<Case> all = cases().toList();
    System.out.println("[malformed] " + all.size() + " crafted malformed-model cases");
    // docs/ROBUSTNESS.md states the count: a case added or dropped changes both.
    assertEquals(44, all.size(), "crafted cases (docs/ROBUSTNESS.md says 44)");
    assertEquals(16, all.stream().filter(Case::onnx).count(), "ONNX cases");
    // Reports name each case: two with one name would read as one.
    assertEquals(all.size(), all.stream().map(Case::name).distinct().count(), "distinct names");
    for (Case c : all) {
      assertEquals(c.onnx(), c.name().startsWith("ONNX: "), c.name() + ": kind and name agree");
    }
  }
}
