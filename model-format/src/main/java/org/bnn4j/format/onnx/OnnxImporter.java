package org.bnn4j.format.onnx;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.GraphValidator;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelFile;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.OperatorSetIdProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.bnn4j.format.onnx.proto.TypeProto;
import org.bnn4j.format.onnx.proto.ValueInfoProto;

/**
 * Imports an ONNX model onto the engine's op set ({@link OpType}), float32 with static shapes.
 *
 * <p>Every ONNX node becomes engine nodes, a constant (when all its inputs are constants and the
 * op is cheap to evaluate exactly, see {@link ConstantFolding}) or an alias (Identity, inference
 * Dropout, Cast to float). Attributes are resolved against the model's opset: auto_pad becomes
 * explicit pads, defaults are written out, legacy broadcasting (opset &lt; 7) and coerced-2-D
 * Softmax (opset &lt; 13) are lowered to explicit Reshapes. Each value's type comes from {@link
 * ShapeInference}; ONNX value_info is ignored. Anything bnn4j cannot run exactly is declined with
 * {@link UnsupportedModelException}; a malformed model throws {@link ModelFormatException}.
 *
 * <p>This class reads the model (limits, opset, graph inputs and outputs) and hands each node to
 * the translator that {@link TranslatorRegistry} registers for its op type, domain and opset; the
 * translators live in one class per op family and share the names of the import through {@link
 * ImportContext}.
 *
 * <p>Reads opsets {@value #MIN_OPSET} to {@value #MAX_OPSET} of the default domain.
 */
public final class OnnxImporter {
  /** Oldest default-domain opset read (older ones use consumed_inputs and attribute shapes). */
  public static final int MIN_OPSET = 6;
  /** Newest default-domain opset whose operators' semantics this importer knows. */
  public static final int MAX_OPSET = 25;

  private static final int FLOAT = DataType.FLOAT_VALUE;

  private final ImportContext im;
  private final Graph g;

  private OnnxImporter(Limits limits, int opset) {
    this.im = new ImportContext(limits, opset);
    this.g = im.g;
  }

  /** Reads an .onnx file, refusing one over the file-size limit, and imports it. */
  public static Graph importModel(Path path, Limits limits) throws IOException {
    return importModel(ModelFile.readBounded(path, limits), limits);
  }

  /**
   * Imports ONNX model bytes into a validated graph.
   *
   * @throws ModelFormatException when the bytes are not a well-formed ONNX model or are over a
   *     limit
   * @throws UnsupportedModelException when the model uses something bnn4j does not run
   */
  public static Graph importModel(byte[] onnxBytes, Limits limits) {
    ModelProto m = parseModel(onnxBytes, limits);
    OnnxImporter importer = new OnnxImporter(limits, defaultOpset(m));
    Graph g = importer.run(m);
    g.setMetadata(metadata(m, g, onnxBytes, importer.im.opset));
    GraphValidator.validate(g, limits);
    return g;
  }

  /**
   * Parses ONNX model bytes with protobuf recursion and size limits.
   *
   * @throws ModelFormatException when the bytes are not a valid ModelProto or over the limit
   */
  public static ModelProto parseModel(byte[] bytes, Limits limits) {
    if (bytes.length > limits.maxFileBytes()) {
      throw new ModelFormatException("ONNX model is " + bytes.length
          + " bytes, over the limit of " + limits.maxFileBytes() + " (maxFileBytes)");
    }
    ModelProto m;
    try {
      CodedInputStream cis = CodedInputStream.newInstance(bytes);
      cis.setRecursionLimit(OnnxTensors.RECURSION_LIMIT);
      cis.setSizeLimit(Math.max(1, bytes.length));
      m = ModelProto.parseFrom(cis);
    } catch (IOException e) {
      throw new ModelFormatException("not a valid ONNX model: " + e.getMessage(), e);
    }
    if (!m.hasGraph()) {
      throw new ModelFormatException("not a valid ONNX model: it has no graph");
    }
    return m;
  }

  private static int defaultOpset(ModelProto m) {
    Long found = null;
    for (OperatorSetIdProto o : m.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        if (found != null && found != o.getVersion()) {
          throw new ModelFormatException("ONNX model imports the default domain twice, as opsets "
              + found + " and " + o.getVersion());
        }
        found = o.getVersion();
      }
    }
    if (found == null) {
      throw new UnsupportedModelException("unsupported: the ONNX model imports no opset of the"
          + " default domain (models older than IR version 3 are not supported)");
    }
    if (found < MIN_OPSET || found > MAX_OPSET) {
      throw new UnsupportedModelException("unsupported: ONNX opset " + found + "; bnn4j reads"
          + " opsets " + MIN_OPSET + " to " + MAX_OPSET + " of the default domain");
    }
    return found.intValue();
  }

  // ---- graph ----

  private Graph run(ModelProto m) {
    GraphProto gp = m.getGraph();
    if (gp.getNodeCount() > im.limits.maxNodes()) {
      throw new ModelFormatException("ONNX graph has " + gp.getNodeCount()
          + " nodes, over the limit of " + im.limits.maxNodes() + " (maxNodes)");
    }
    for (ValueInfoProto v : gp.getInputList()) {
      im.reserved.add(v.getName());
    }
    for (ValueInfoProto v : gp.getOutputList()) {
      im.reserved.add(v.getName());
    }
    for (NodeProto n : gp.getNodeList()) {
      im.reserved.addAll(n.getInputList());
      im.reserved.addAll(n.getOutputList());
      im.nodeOutputs.addAll(n.getOutputList());
    }
    for (TensorProto t : gp.getInitializerList()) {
      if (t.getName().isEmpty()) {
        throw new ModelFormatException("ONNX graph has an initializer without a name");
      }
      if (im.pending.put(t.getName(), t) != null) {
        throw new ModelFormatException("initializer '" + t.getName() + "' is given twice");
      }
      im.reserved.add(t.getName());
    }
    for (ValueInfoProto v : gp.getInputList()) {
      if (!im.pending.containsKey(v.getName())) {
        addInput(v);
      }
    }
    for (int i = 0; i < gp.getNodeCount(); i++) {
      importNode(gp.getNode(i), i);
    }
    List<String> outs = new ArrayList<>();
    for (ValueInfoProto v : gp.getOutputList()) {
      int declared = v.getType().getTensorType().getElemType();
      if (declared != 0 && declared != FLOAT) {
        // A comparison's bool result runs as float 0/1 inside; it is not a float32 output.
        throw new UnsupportedModelException("unsupported: graph output '" + v.getName()
            + "' is declared " + OnnxTensors.typeName(declared) + "; bnn4j outputs float32");
      }
      outs.add(v.getName());
    }
    if (outs.isEmpty()) {
      throw new ModelFormatException("ONNX graph has no outputs");
    }
    finishOutputs(outs);
    g.removeDeadNodes();
    return g;
  }

  private void addInput(ValueInfoProto v) {
    String name = v.getName();
    String what = "graph input '" + name + "'";
    if (name.isEmpty()) {
      throw new ModelFormatException("ONNX graph has an input without a name");
    }
    if (g.types().containsKey(name)) {
      throw new ModelFormatException(what + " is listed twice");
    }
    TypeProto tp = v.getType();
    if (!tp.hasTensorType()) {
      throw new UnsupportedModelException("unsupported: " + what + " is not a tensor");
    }
    TypeProto.Tensor tt = tp.getTensorType();
    if (tt.getElemType() != FLOAT) {
      throw new UnsupportedModelException("unsupported: " + what + " has element type "
          + OnnxTensors.typeName(tt.getElemType()) + "; bnn4j graph inputs must be float32");
    }
    if (!tt.hasShape()) {
      throw new UnsupportedModelException("unsupported: " + what + " has no shape; bnn4j needs"
          + " static input shapes (export the model with fixed input dims)");
    }
    List<TensorShapeProto.Dimension> dl = tt.getShape().getDimList();
    if (dl.size() > ShapeInference.MAX_RANK) {
      throw new UnsupportedModelException("unsupported: " + what + " has rank " + dl.size()
          + "; bnn4j supports at most " + ShapeInference.MAX_RANK + " dims");
    }
    long[] dims = new long[dl.size()];
    for (int i = 0; i < dims.length; i++) {
      TensorShapeProto.Dimension d = dl.get(i);
      if (d.hasDimValue()) {
        dims[i] = d.getDimValue();
        if (dims[i] == 0) {
          throw new UnsupportedModelException("unsupported: " + what + " has an empty dim " + i
              + "; bnn4j needs at least one element");
        }
      } else if (d.hasDimParam()) {
        throw new UnsupportedModelException("unsupported: " + what + " has the symbolic dim '"
            + d.getDimParam() + "' at position " + i + "; bnn4j needs static input shapes"
            + " (export with fixed dims, e.g. no dynamic_axes in torch.onnx.export)");
      } else {
        throw new UnsupportedModelException("unsupported: " + what + " has an unknown dim at"
            + " position " + i + "; bnn4j needs static input shapes");
      }
    }
    im.limits.checkedElementCount(what, dims);
    int[] idims = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      idims[i] = (int) dims[i];
    }
    g.inputs().add(name);
    g.types().put(name, ValueType.float32(idims));
  }

  private void finishOutputs(List<String> outs) {
    Set<String> outSet = new HashSet<>(outs);
    Map<String, String> renamed = new HashMap<>();
    for (String o : outs) {
      if (o.isEmpty()) {
        throw new ModelFormatException("ONNX graph has an output without a name");
      }
      String r = im.aliases.getOrDefault(o, o);
      r = renamed.getOrDefault(r, r);
      if (!im.isDefined(r)) {
        throw new ModelFormatException("graph output '" + o + "' is never written");
      }
      Value c = im.constant(r);
      ValueType t = g.typeOf(r);
      if (t.type() != org.bnn4j.format.graph.ElementType.FLOAT32
          || (c != null && c.onnxType() != FLOAT)) {
        throw new UnsupportedModelException("unsupported: graph output '" + o + "' is a "
            + (c != null ? c.typeName() : t.type()) + " tensor; bnn4j outputs float32");
      }
      if (r.equals(o)) {
        if (c != null) {
          // A constant output: keep the constant under another name and copy it out.
          String moved = im.fresh(o + "/value");
          g.constants().put(moved, g.constants().remove(o));
          im.constTypes.put(moved, im.constTypes.remove(o));
          renameInputs(o, moved);
          outputIdentity(moved, o);
        }
      } else if (c == null && !g.inputs().contains(r) && !outSet.contains(r)) {
        // r is an intermediate value only: give it the output's name.
        renameValue(r, o);
        renamed.put(r, o);
      } else {
        outputIdentity(r, o);
      }
      g.outputs().add(o);
    }
  }

  private void outputIdentity(String from, String to) {
    OpNode n = new OpNode(im.uniqueNodeName(to + "/identity"), OpType.IDENTITY, List.of(from),
        List.of(to));
    g.types().put(to, ShapeInference.infer(g, n, im.limits).get(0));
    g.nodes().add(n);
  }

  private void renameInputs(String from, String to) {
    for (OpNode n : g.nodes()) {
      n.inputs().replaceAll(s -> s.equals(from) ? to : s);
    }
  }

  private void renameValue(String from, String to) {
    for (OpNode n : g.nodes()) {
      n.outputs().replaceAll(s -> s.equals(from) ? to : s);
    }
    renameInputs(from, to);
    g.types().put(to, g.types().remove(from));
  }

  private static GraphMetadata metadata(ModelProto m, Graph g, byte[] bytes, int opset) {
    String source = (m.getProducerName() + " " + m.getProducerVersion()).strip();
    List<GraphMetadata.InputSpec> inputs = new ArrayList<>();
    for (String in : g.inputs()) {
      ValueType t = g.types().get(in);
      List<Long> shape = new ArrayList<>();
      for (int d : t.dims()) {
        shape.add((long) d);
      }
      inputs.add(GraphMetadata.InputSpec.of(in, shape, t.rank() == 4 ? GraphMetadata.Layout.NCHW
          : t.rank() == 2 ? GraphMetadata.Layout.NC : GraphMetadata.Layout.UNSPECIFIED));
    }
    return new GraphMetadata(m.getGraph().getName(),
        "bnn4j " + (source.isEmpty() ? "onnx import" : "onnx import of " + source),
        sha256(bytes), opset, inputs, List.of(), Map.of());
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private void importNode(NodeProto p, int index) {
    String base = p.getName().isEmpty() ? p.getOpType() + "_" + index : p.getName();
    NodeContext c = new NodeContext(im, p, base);
    if (!TranslatorRegistry.DEFAULT.readsDomain(p.getDomain())) {
      throw c.unsupported("operator domain '" + p.getDomain() + "' is not supported; bnn4j"
          + " reads the default ONNX domain only");
    }
    for (String in : p.getInputList()) {
      if (in.isEmpty()) {
        c.ins.add("");
        continue;
      }
      String r = im.aliases.getOrDefault(in, in);
      if (!im.isDefined(r)) {
        throw c.malformed(im.nodeOutputs.contains(in) ? "reads '" + in + "' before it is written"
            : "reads '" + in + "', which is not a graph input, an initializer or the output of"
                + " any node");
      }
      c.ins.add(r);
    }
    if (p.getOutputCount() == 0 || p.getOutput(0).isEmpty()) {
      throw c.malformed("has no output");
    }
    Set<String> own = new HashSet<>();
    for (String o : p.getOutputList()) {
      if (!o.isEmpty() && (im.isDefined(o) || !own.add(o))) {
        throw c.malformed("writes '" + o + "', which is already written elsewhere");
      }
    }
    translatorFor(c, p).translate(c);
    for (int i = 0; i < p.getOutputCount(); i++) {
      String o = p.getOutput(i);
      if (!o.isEmpty() && !im.isDefined(o)) {
        throw c.unsupported("output " + i + " ('" + o + "') is not supported");
      }
    }
  }

  /** The registered translator for this node at the model's opset, or why there is none. */
  private TranslatorRegistry.Translator translatorFor(NodeContext c, NodeProto p) {
    List<TranslatorRegistry.Entry> entries =
        TranslatorRegistry.DEFAULT.lookup(p.getDomain(), p.getOpType());
    for (TranslatorRegistry.Entry e : entries) {
      if (e.covers(im.opset)) {
        return e.translator();
      }
    }
    if (!entries.isEmpty()) {
      StringBuilder ranges = new StringBuilder();
      for (TranslatorRegistry.Entry e : entries) {
        ranges.append(ranges.isEmpty() ? "" : ", ").append(e.firstOpset()).append(" to ")
            .append(e.lastOpset());
      }
      throw c.unsupported("operator " + p.getOpType() + " is read at opsets " + ranges
          + " of the default domain; the model imports opset " + im.opset);
    }
    if (QonnxTranslators.isQonnxDomain(p.getDomain())) {
      throw c.unsupported(QonnxTranslators.notSupported(p.getOpType()));
    }
    throw c.unsupported("operator " + p.getOpType() + " is not supported by bnn4j");
  }

  /**
   * Every operator of the default ONNX domain this importer translates. A model that uses only
   * these may still be declined for an attribute, a dtype or a runtime input bnn4j needs constant.
   */
  public static Set<String> supportedOperators() {
    return TranslatorRegistry.DEFAULT.opTypes(TranslatorRegistry.DEFAULT_DOMAIN);
  }

  /** The QONNX operators (domains onnx.brevitas, qonnx.custom_op.general) this importer reads. */
  public static Set<String> supportedQonnxOperators() {
    return TranslatorRegistry.DEFAULT.opTypes("qonnx.custom_op.general");
  }
}
