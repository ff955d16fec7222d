package org.bnn4j.format;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.ElementType;
import org.bnn4j.format.proto.Attribute;
import org.bnn4j.format.proto.DataType;
import org.bnn4j.format.proto.Floats;
import org.bnn4j.format.proto.InputSpec;
import org.bnn4j.format.proto.Ints;
import org.bnn4j.format.proto.Model;
import org.bnn4j.format.proto.ModelMetadata;
import org.bnn4j.format.proto.Node;
import org.bnn4j.format.proto.Tensor;
import org.bnn4j.format.proto.ValueInfo;

/**
 * Converts between the protobuf {@link Model} and the in-memory {@link Graph}, the only place
 * where generated types of the file meet the graph's own (element types, metadata). Decoding
 * checks every count and byte length against the limits before allocating, and leaves semantic
 * checks (types, order, attributes) to {@link GraphValidator}.
 */
public final class ModelCodec {
  private ModelCodec() {}

  /** Reads a .bnn file's bytes into a validated graph. */
  public static Graph decode(byte[] fileBytes, Limits limits) {
    Graph g = fromModel(ModelFile.parse(fileBytes, limits), limits);
    GraphValidator.validate(g, limits);
    return g;
  }

  /** Writes a graph as .bnn file bytes. */
  public static byte[] encode(Graph g) {
    return ModelFile.toBytes(toModel(g));
  }

  public static Graph fromModel(Model model, Limits limits) {
    org.bnn4j.format.proto.Graph pg = model.getGraph();
    if (pg.getNodesCount() > limits.maxNodes()) {
      throw new ModelFormatException("graph has " + pg.getNodesCount()
          + " nodes, over the limit of " + limits.maxNodes() + " (maxNodes)");
    }
    Graph g = new Graph();
    g.setMetadata(decodeMetadata(model.getMetadata()));
    for (Tensor t : pg.getInitializersList()) {
      if (g.constants().containsKey(t.getName()) || t.getName().isEmpty()) {
        throw new ModelFormatException("initializer name '" + t.getName()
            + "' is empty or used twice");
      }
      g.constants().put(t.getName(), decodeTensor(t, limits));
    }
    for (ValueInfo v : pg.getInputsList()) {
      g.inputs().add(v.getName());
      putType(g, v, limits);
    }
    for (ValueInfo v : pg.getValuesList()) {
      putType(g, v, limits);
    }
    for (ValueInfo v : pg.getOutputsList()) {
      g.outputs().add(v.getName());
      putType(g, v, limits);
    }
    Set<String> nodeNames = new HashSet<>();
    for (Node n : pg.getNodesList()) {
      OpType op = OpType.byName(n.getOpType());
      if (op == null) {
        throw new ModelFormatException("node '" + n.getName() + "' has unknown op type '"
            + n.getOpType() + "'");
      }
      if (!nodeNames.add(n.getName())) {
        throw new ModelFormatException("node name '" + n.getName() + "' is used twice");
      }
      OpNode node = new OpNode(n.getName(), op, n.getInputsList(), n.getOutputsList());
      for (Attribute a : n.getAttributesList()) {
        node.attrs().put(a.getName(), switch (a.getValueCase()) {
          case I -> a.getI();
          case F -> a.getF();
          case S -> a.getS();
          case INTS -> a.getInts().getValuesList().stream().mapToLong(Long::longValue).toArray();
          case FLOATS -> toFloatArray(a.getFloats().getValuesList());
          case VALUE_NOT_SET -> throw new ModelFormatException(
              node.where() + ": attribute '" + a.getName() + "' has no value");
        });
      }
      g.nodes().add(node);
    }
    return g;
  }

  private static float[] toFloatArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private static void putType(Graph g, ValueInfo v, Limits limits) {
    if (v.getName().isEmpty()) {
      throw new ModelFormatException("a graph value has an empty name");
    }
    if (v.getType() != DataType.FLOAT32 && v.getType() != DataType.BITS) {
      throw new ModelFormatException("value '" + v.getName() + "' has type " + v.getType()
          + ", expected FLOAT32 or BITS");
    }
    int[] dims = checkedDims("value '" + v.getName() + "'", v.getDimsList(), limits);
    ValueType t = new ValueType(v.getType() == DataType.BITS ? ElementType.BITS
        : ElementType.FLOAT32, dims);
    ValueType old = g.types().put(v.getName(), t);
    if (old != null && !old.equals(t)) {
      throw new ModelFormatException("value '" + v.getName() + "' is declared as " + old
          + " and as " + t);
    }
  }

  private static int[] checkedDims(String what, List<Long> dimList, Limits limits) {
    if (dimList.size() > 8) {
      throw new ModelFormatException(what + " has rank " + dimList.size() + ", at most 8 allowed");
    }
    long[] dims = dimList.stream().mapToLong(Long::longValue).toArray();
    limits.checkedElementCount(what, dims);
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      out[i] = (int) dims[i];
    }
    return out;
  }

  static ConstTensor decodeTensor(Tensor t, Limits limits) {
    String what = "initializer '" + t.getName() + "'";
    int[] dims = checkedDims(what, t.getDimsList(), limits);
    ByteBuffer data = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (t.getType()) {
      case FLOAT32 -> {
        float[] f = new float[checkedCount(what, t, count(dims), Float.BYTES)];
        data.asFloatBuffer().get(f);
        return ConstTensor.ofFloats(dims, f);
      }
      case INT64 -> {
        return ConstTensor.ofInt64(dims, words(data, checkedCount(what, t, count(dims),
            Long.BYTES)));
      }
      case BITS -> {
        if (dims.length == 0) {
          throw new ModelFormatException(what + ": a BITS tensor needs at least one dim");
        }
        long[] w = words(data, checkedCount(what, t, ConstTensor.packedWordCount(dims),
            Long.BYTES));
        int channels = dims[dims.length - 1];
        if (channels % 64 != 0) {
          long padMask = -1L << (channels % 64);
          int perRow = ConstTensor.wordsPerRow(channels);
          for (int i = perRow - 1; i < w.length; i += perRow) {
            if ((w[i] & padMask) != 0) {
              throw new ModelFormatException(what + ": pad bits past channel " + channels
                  + " must be 0 (row " + (i / perRow) + ")");
            }
          }
        }
        return ConstTensor.ofBits(dims, w);
      }
      default -> throw new ModelFormatException(what + " has unsupported type " + t.getType());
    }
  }

  private static long count(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  /**
   * Checks that the tensor's data holds exactly {@code count} elements of {@code bytesEach}
   * bytes and returns the count; {@code count} is already within the limits.
   */
  private static int checkedCount(String what, Tensor t, long count, int bytesEach) {
    long expected = count * bytesEach;
    if (t.getData().size() != expected) {
      throw new ModelFormatException(what + ": " + t.getType() + " " + t.getDimsList()
          + " needs " + expected + " data bytes, found " + t.getData().size());
    }
    return (int) count;
  }

  /** {@code n} little-endian 64-bit words: the data of INT64 and of BITS tensors. */
  private static long[] words(ByteBuffer data, int n) {
    long[] w = new long[n];
    data.asLongBuffer().get(w);
    return w;
  }

  public static Model toModel(Graph g) {
    org.bnn4j.format.proto.Graph.Builder pg = org.bnn4j.format.proto.Graph.newBuilder();
    Set<String> io = new HashSet<>();
    for (String in : g.inputs()) {
      pg.addInputs(valueInfo(in, g.types().get(in)));
      io.add(in);
    }
    for (String out : g.outputs()) {
      ValueType t = g.typeOf(out);
      pg.addOutputs(valueInfo(out, t));
      io.add(out);
    }
    for (Map.Entry<String, ValueType> e : g.types().entrySet()) {
      if (!io.contains(e.getKey())) {
        pg.addValues(valueInfo(e.getKey(), e.getValue()));
      }
    }
    for (Map.Entry<String, ConstTensor> e : g.constants().entrySet()) {
      pg.addInitializers(encodeTensor(e.getKey(), e.getValue()));
    }
    for (OpNode n : g.nodes()) {
      Node.Builder nb = Node.newBuilder().setName(n.name()).setOpType(n.op().opName())
          .addAllInputs(n.inputs()).addAllOutputs(n.outputs());
      for (Map.Entry<String, Object> a : n.attrs().entrySet()) {
        Attribute.Builder ab = Attribute.newBuilder().setName(a.getKey());
        Object v = a.getValue();
        if (v instanceof Long l) {
          ab.setI(l);
        } else if (v instanceof Float f) {
          ab.setF(f);
        } else if (v instanceof String s) {
          ab.setS(s);
        } else if (v instanceof long[] arr) {
          Ints.Builder ib = Ints.newBuilder();
          for (long x : arr) {
            ib.addValues(x);
          }
          ab.setInts(ib);
        } else if (v instanceof float[] arr) {
          Floats.Builder fb = Floats.newBuilder();
          for (float x : arr) {
            fb.addValues(x);
          }
          ab.setFloats(fb);
        } else {
          throw new IllegalStateException(n.where() + ": attribute '" + a.getKey()
              + "' has unencodable type " + v.getClass());
        }
        nb.addAttributes(ab);
      }
      pg.addNodes(nb);
    }
    return Model.newBuilder().setMetadata(encodeMetadata(g.metadata())).setGraph(pg).build();
  }

  private static ValueInfo valueInfo(String name, ValueType t) {
    ValueInfo.Builder b = ValueInfo.newBuilder().setName(name).setType(fileType(t.type()));
    for (int d : t.dims()) {
      b.addDims(d);
    }
    return b.build();
  }

  static Tensor encodeTensor(String name, ConstTensor c) {
    Tensor.Builder b = Tensor.newBuilder().setName(name).setType(fileType(c.type()));
    for (int d : c.dims()) {
      b.addDims(d);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) c.storageBytes()).order(ByteOrder.LITTLE_ENDIAN);
    if (c.type() == ElementType.FLOAT32) {
      buf.asFloatBuffer().put(c.floats());
    } else {
      buf.asLongBuffer().put(c.longs());
    }
    return b.setData(ByteString.copyFrom(buf.array())).build();
  }

  /** The file format's name for a graph element type (the same names, see ElementType). */
  private static DataType fileType(ElementType t) {
    return switch (t) {
      case FLOAT32 -> DataType.FLOAT32;
      case BITS -> DataType.BITS;
      case INT64 -> DataType.INT64;
    };
  }

  static GraphMetadata decodeMetadata(ModelMetadata m) {
    List<GraphMetadata.InputSpec> inputs = new ArrayList<>();
    for (InputSpec s : m.getInputsList()) {
      inputs.add(new GraphMetadata.InputSpec(s.getName(), s.getShapeList(),
          fromFile(GraphMetadata.Layout.values(), s.getLayoutValue(), s, "layout"),
          fromFile(GraphMetadata.ColorMode.values(), s.getColorModeValue(), s, "color_mode"),
          s.getMeanList(), s.getStdList(), s.getPixelScale(),
          fromFile(GraphMetadata.Background.values(), s.getBackgroundValue(), s, "background"),
          fromFile(GraphMetadata.Fit.values(), s.getFitValue(), s, "fit")));
    }
    return new GraphMetadata(m.getName(), m.getProducer(), m.getSourceSha256(),
        m.getSourceOpset(), inputs, m.getLabelsList(), m.getNotesMap());
  }

  /**
   * The graph's value for an input-spec enum number of the file. Each enum of GraphMetadata
   * lists the file enum's values in the file's number order, UNSPECIFIED (0) first, so a value's
   * number is its ordinal, both ways; MetadataCodecTest holds the two lists to that. A number past
   * the end is a value a newer writer uses.
   */
  private static <E extends Enum<E>> E fromFile(E[] values, int number, InputSpec s,
      String field) {
    if (number < 0 || number >= values.length) {
      throw unknown(s, field, number);
    }
    return values[number];
  }

  /** A value a newer writer may use: the file cannot be read faithfully, so it is refused. */
  private static ModelFormatException unknown(InputSpec s, String field, int value) {
    return new ModelFormatException("input spec '" + s.getName() + "' has " + field + " " + value
        + ", which this version of bnn4j does not know");
  }

  /**
   * Protobuf writes fields by number and map entries in insertion order, which GraphMetadata
   * keeps, so a file decoded and encoded again comes out byte for byte the same.
   */
  static ModelMetadata encodeMetadata(GraphMetadata m) {
    ModelMetadata.Builder b = ModelMetadata.newBuilder().setName(m.name())
        .setProducer(m.producer()).setSourceSha256(m.sourceSha256())
        .setSourceOpset(m.sourceOpset());
    for (GraphMetadata.InputSpec s : m.inputs()) {
      b.addInputs(InputSpec.newBuilder().setName(s.name()).addAllShape(s.shape())
          .setLayoutValue(s.layout().ordinal()).setColorModeValue(s.colorMode().ordinal())
          .addAllMean(s.mean()).addAllStd(s.std()).setPixelScale(s.pixelScale())
          .setBackgroundValue(s.background().ordinal()).setFitValue(s.fit().ordinal()));
    }
    return b.addAllLabels(m.labels()).putAllNotes(m.notes()).build();
  }
}
