package org.bnn4j.format.onnx;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.ConstantFolding.Where;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.OperatorSetIdProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;
import org.bnn4j.format.onnx.proto.TensorShapeProto;
import org.bnn4j.format.onnx.proto.TypeProto;
import org.bnn4j.format.onnx.proto.ValueInfoProto;
import org.bnn4j.format.proto.InputSpec;
import org.bnn4j.format.proto.ModelMetadata;

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
 * <p>Reads opsets {@value #MIN_OPSET} to {@value #MAX_OPSET} of the default domain.
 */
public final class OnnxImporter {
  /** Oldest default-domain opset read (older ones use consumed_inputs and attribute shapes). */
  public static final int MIN_OPSET = 6;
  /** Newest default-domain opset whose operators' semantics this importer knows. */
  public static final int MAX_OPSET = 25;

  private static final int FLOAT = DataType.FLOAT_VALUE;
  private static final int INT64 = DataType.INT64_VALUE;

  private final Limits limits;
  private final int opset;
  private final Graph g = new Graph();
  /** Initializers not yet converted; converted on first use. */
  private final Map<String, TensorProto> pending = new HashMap<>();
  /** ONNX element type of each constant in {@code g}. */
  private final Map<String, Integer> constTypes = new HashMap<>();
  /** ONNX value name to the value it stands for (Identity and friends). */
  private final Map<String, String> aliases = new HashMap<>();
  /** Every value name in the ONNX graph plus every name generated so far. */
  private final Set<String> reserved = new HashSet<>();
  private final Set<String> nodeNames = new HashSet<>();
  /** Names written by some ONNX node, for "read before written" messages. */
  private final Set<String> nodeOutputs = new HashSet<>();

  private OnnxImporter(Limits limits, int opset) {
    this.limits = limits;
    this.opset = opset;
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
    OnnxImporter im = new OnnxImporter(limits, defaultOpset(m));
    Graph g = im.run(m);
    g.setMetadata(metadata(m, g, onnxBytes, im.opset));
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
    if (gp.getNodeCount() > limits.maxNodes()) {
      throw new ModelFormatException("ONNX graph has " + gp.getNodeCount()
          + " nodes, over the limit of " + limits.maxNodes() + " (maxNodes)");
    }
    for (ValueInfoProto v : gp.getInputList()) {
      reserved.add(v.getName());
    }
    for (ValueInfoProto v : gp.getOutputList()) {
      reserved.add(v.getName());
    }
    for (NodeProto n : gp.getNodeList()) {
      reserved.addAll(n.getInputList());
      reserved.addAll(n.getOutputList());
      nodeOutputs.addAll(n.getOutputList());
    }
    for (TensorProto t : gp.getInitializerList()) {
      if (t.getName().isEmpty()) {
        throw new ModelFormatException("ONNX graph has an initializer without a name");
      }
      if (pending.put(t.getName(), t) != null) {
        throw new ModelFormatException("initializer '" + t.getName() + "' is given twice");
      }
      reserved.add(t.getName());
    }
    for (ValueInfoProto v : gp.getInputList()) {
      if (!pending.containsKey(v.getName())) {
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
    removeDeadNodes();
    g.removeUnused();
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
    limits.checkedElementCount(what, dims);
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
      String r = aliases.getOrDefault(o, o);
      r = renamed.getOrDefault(r, r);
      if (!isDefined(r)) {
        throw new ModelFormatException("graph output '" + o + "' is never written");
      }
      Value c = constant(r);
      ValueType t = g.typeOf(r);
      if (t.type() != org.bnn4j.format.proto.DataType.FLOAT32
          || (c != null && c.onnxType() != FLOAT)) {
        throw new UnsupportedModelException("unsupported: graph output '" + o + "' is a "
            + (c != null ? c.typeName() : t.type()) + " tensor; bnn4j outputs float32");
      }
      if (r.equals(o)) {
        if (c != null) {
          // A constant output: keep the constant under another name and copy it out.
          String moved = fresh(o + "/value");
          g.constants().put(moved, g.constants().remove(o));
          constTypes.put(moved, constTypes.remove(o));
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
    OpNode n = new OpNode(uniqueNodeName(to + "/identity"), OpType.IDENTITY, List.of(from),
        List.of(to));
    g.types().put(to, ShapeInference.infer(g, n, limits).get(0));
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

  /** Drops nodes whose outputs nothing reads. */
  private void removeDeadNodes() {
    Set<String> needed = new HashSet<>(g.outputs());
    for (int i = g.nodes().size() - 1; i >= 0; i--) {
      OpNode n = g.nodes().get(i);
      if (n.outputs().stream().anyMatch(needed::contains)) {
        needed.addAll(n.inputs());
      } else {
        g.nodes().remove(i);
      }
    }
  }

  private static ModelMetadata metadata(ModelProto m, Graph g, byte[] bytes, int opset) {
    String source = (m.getProducerName() + " " + m.getProducerVersion()).strip();
    ModelMetadata.Builder b = ModelMetadata.newBuilder()
        .setName(m.getGraph().getName())
        .setProducer("bnn4j " + (source.isEmpty() ? "onnx import" : "onnx import of " + source))
        .setSourceSha256(sha256(bytes))
        .setSourceOpset(opset);
    for (String in : g.inputs()) {
      ValueType t = g.types().get(in);
      InputSpec.Builder ib = InputSpec.newBuilder().setName(in);
      for (int d : t.dims()) {
        ib.addShape(d);
      }
      ib.setLayout(t.rank() == 4 ? InputSpec.Layout.NCHW
          : t.rank() == 2 ? InputSpec.Layout.NC : InputSpec.Layout.LAYOUT_UNSPECIFIED);
      b.addInputs(ib);
    }
    return b.build();
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  // ---- values ----

  private boolean isDefined(String name) {
    return g.types().containsKey(name) || g.constants().containsKey(name)
        || pending.containsKey(name) || aliases.containsKey(name);
  }

  /** The constant called {@code name} (converting an initializer on first use), or null. */
  private Value constant(String name) {
    TensorProto t = pending.remove(name);
    if (t != null) {
      ConstTensor c = OnnxTensors.toConstTensor(t, "initializer '" + name + "'", limits);
      g.constants().put(name, c);
      constTypes.put(name, t.getDataType());
    }
    ConstTensor c = g.constants().get(name);
    return c == null ? null : new Value(c, constTypes.get(name));
  }

  private void defineConst(String name, Value v) {
    g.constants().put(name, v.tensor());
    constTypes.put(name, v.onnxType());
  }

  private String fresh(String base) {
    String n = base;
    for (int i = 1; reserved.contains(n) || isDefined(n); i++) {
      n = base + "_" + i;
    }
    reserved.add(n);
    return n;
  }

  private String uniqueNodeName(String base) {
    String n = base;
    for (int i = 1; !nodeNames.add(n); i++) {
      n = base + "_" + i;
    }
    return n;
  }

  // ---- nodes ----

  /**
   * One ONNX node being imported. Package-visible so that translators in their own classes
   * ({@link QonnxTranslator}, {@link MathTranslator}) can work on it.
   */
  final class Ctx {
    final NodeProto p;
    final String op;
    final String name;
    final OnnxAttributes attrs;
    final Where where;
    final List<String> ins = new ArrayList<>();
    private boolean named;

    Ctx(NodeProto p, String name) {
      this.p = p;
      this.op = p.getOpType();
      this.name = name;
      this.where = new Where(op, name);
      this.attrs = new OnnxAttributes(p, name);
    }

    UnsupportedModelException unsupported(String reason) {
      return UnsupportedModelException.of(op, name, reason);
    }

    ModelFormatException malformed(String reason) {
      return new ModelFormatException(op + " node '" + name + "': " + reason);
    }

    /** Checks the input count and that the first {@code min} inputs are given. */
    void inputs(int min, int max) {
      int n = ins.size();
      if (n < min || n > max) {
        throw malformed("has " + n + " inputs, expected "
            + (min == max ? String.valueOf(min) : min + " to " + max));
      }
      for (int i = 0; i < min; i++) {
        if (ins.get(i).isEmpty()) {
          throw malformed("required input " + i + " is empty");
        }
      }
    }

    boolean has(int i) {
      return i < ins.size() && !ins.get(i).isEmpty();
    }

    String in(int i) {
      return i < ins.size() ? ins.get(i) : "";
    }

    String out(int i) {
      return p.getOutput(i);
    }

    boolean isConst(int i) {
      return has(i) && constant(ins.get(i)) != null;
    }

    Value constIn(int i) {
      return has(i) ? constant(ins.get(i)) : null;
    }

    /** A constant input that must be there, for constant-only ops. */
    Value requireConst(int i, String role) {
      Value v = constIn(i);
      if (v == null) {
        throw unsupported(role + " '" + in(i) + "' is "
            + (g.inputs().contains(in(i)) ? "a graph input" : "computed at runtime")
            + "; bnn4j needs it to be a constant");
      }
      return v;
    }

    /** A constant 1-D (or scalar) integer input's values. */
    long[] constInts(int i, String role) {
      Value v = requireConst(i, role);
      if (v.isFloat() || v.rank() > 1) {
        throw malformed(role + " '" + in(i) + "' is " + v.typeName() + " "
            + Arrays.toString(v.dims()) + ", expected a 1-D integer tensor");
      }
      return v.longs();
    }

    ValueType type(int i) {
      if (!has(i)) {
        throw malformed("input " + i + " is missing");
      }
      constant(ins.get(i));
      return g.typeOf(ins.get(i));
    }

    String nodeName(String suffix) {
      if (!named) {
        named = true;
        return uniqueNodeName(name);
      }
      return uniqueNodeName(name + "/" + suffix);
    }

    /** Emits an engine node; attrs are key, value pairs. Returns the output name. */
    String emit(OpType opType, String suffix, List<String> inputs, String output,
        Object... kv) {
      for (String in : inputs) {
        Value c = in.isEmpty() ? null : constant(in);
        if (c != null && c.onnxType() != FLOAT) {
          throw unsupported("input '" + in + "' is a constant of type " + c.typeName() + "; "
              + opType.opName() + " runs on float32");
        }
      }
      OpNode n = new OpNode(nodeName(suffix), opType, inputs, List.of(output));
      for (int i = 0; i < kv.length; i += 2) {
        n.set((String) kv[i], kv[i + 1]);
      }
      g.types().put(output, ShapeInference.infer(g, n, limits).get(0));
      g.nodes().add(n);
      return output;
    }

    /** Reshapes (folds constants, aliases when nothing changes). */
    String reshapeTo(String input, int[] dims, String output, String suffix) {
      if (dims.length > ShapeInference.MAX_RANK) {
        throw unsupported("result rank " + dims.length + " is over the "
            + ShapeInference.MAX_RANK + " dims bnn4j supports");
      }
      Value c = constant(input);
      if (c != null) {
        if (c.count() != count(dims)) {
          throw malformed("cannot reshape " + Arrays.toString(c.dims()) + " to "
              + Arrays.toString(dims));
        }
        defineConst(output, c.reshaped(dims));
      } else if (Arrays.equals(g.typeOf(input).dims(), dims)) {
        aliases.put(output, input);
      } else {
        emit(OpType.RESHAPE, suffix, List.of(input), output,
            "shape", Arrays.stream(dims).asLongStream().toArray());
      }
      return output;
    }

    /** A fresh name for an intermediate value of this node. */
    String temp(String what) {
      return fresh(out(0) + "/" + what);
    }

    /** Defines {@code name} as a folded constant. */
    void define(String name, Value v) {
      defineConst(name, v);
    }

    /** Makes {@code out} another name for the value {@code in}. */
    void alias(String out, String in) {
      aliases.put(out, in);
    }

    int opset() {
      return opset;
    }

    Limits limits() {
      return limits;
    }

    Graph graph() {
      return g;
    }
  }

  private void importNode(NodeProto p, int index) {
    String base = p.getName().isEmpty() ? p.getOpType() + "_" + index : p.getName();
    Ctx c = new Ctx(p, base);
    boolean qonnx = QonnxTranslator.isQonnxDomain(p.getDomain());
    if (!qonnx && !p.getDomain().isEmpty() && !p.getDomain().equals("ai.onnx")) {
      throw c.unsupported("operator domain '" + p.getDomain() + "' is not supported; bnn4j"
          + " reads the default ONNX domain only");
    }
    for (String in : p.getInputList()) {
      if (in.isEmpty()) {
        c.ins.add("");
        continue;
      }
      String r = aliases.getOrDefault(in, in);
      if (!isDefined(r)) {
        throw c.malformed(nodeOutputs.contains(in) ? "reads '" + in + "' before it is written"
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
      if (!o.isEmpty() && (isDefined(o) || !own.add(o))) {
        throw c.malformed("writes '" + o + "', which is already written elsewhere");
      }
    }
    if (qonnx) {
      QonnxTranslator.translate(c);
    } else if (MathTranslator.handles(p.getOpType())) {
      MathTranslator.translate(c);
    } else {
      importDefaultDomain(c, p);
    }
    for (int i = 0; i < p.getOutputCount(); i++) {
      String o = p.getOutput(i);
      if (!o.isEmpty() && !isDefined(o)) {
        throw c.unsupported("output " + i + " ('" + o + "') is not supported");
      }
    }
  }

  /** Default-domain operators translated in {@link #importDefaultDomain} (keep in step). */
  private static final Set<String> DEFAULT_DOMAIN_OPS = Set.of("Conv", "BatchNormalization", "AveragePool", "MaxPool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "Transpose", "Relu", "Sign", "Sigmoid", "Tanh", "HardSwish", "LeakyRelu", "HardSigmoid", "PRelu", "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Flatten", "Reshape", "Softmax", "Concat", "Clip", "Identity", "Dropout", "Pad", "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "ConstantOfShape", "Slice", "ReduceMean", "ReduceSum");

  /**
   * Every operator this importer translates: the default ONNX domain (including the ops of
   * {@link MathTranslator}) and the QONNX ops of {@link QonnxTranslator}. A model that uses only
   * these may still be declined for an attribute, a dtype or a runtime input bnn4j needs constant.
   */
  public static Set<String> supportedOperators() {
    Set<String> all = new java.util.TreeSet<>(DEFAULT_DOMAIN_OPS);
    all.addAll(MathTranslator.OPS);
    return java.util.Collections.unmodifiableSet(all);
  }

  /** The QONNX operators (domains onnx.brevitas, qonnx.custom_op.general) this importer reads. */
  public static Set<String> supportedQonnxOperators() {
    return QonnxTranslator.OPS;
  }

  private void importDefaultDomain(Ctx c, NodeProto p) {
    switch (p.getOpType()) {
      case "Conv" -> conv(c);
      case "BatchNormalization" -> batchNorm(c);
      case "AveragePool" -> pool(c, false);
      case "MaxPool" -> pool(c, true);
      case "GlobalAveragePool" -> globalPool(c, OpType.GLOBAL_AVG_POOL);
      case "GlobalMaxPool" -> globalPool(c, OpType.GLOBAL_MAX_POOL);
      case "Gemm" -> gemm(c);
      case "MatMul" -> matMul(c);
      case "Transpose" -> transpose(c);
      case "Relu" -> foldableUnary(c, OpType.RELU);
      case "Sign" -> foldableUnary(c, OpType.SIGN);
      case "Sigmoid" -> unary(c, OpType.SIGMOID);
      case "Tanh" -> unary(c, OpType.TANH);
      case "HardSwish" -> unary(c, OpType.HARD_SWISH);
      case "LeakyRelu" -> leakyRelu(c);
      case "HardSigmoid" -> hardSigmoid(c);
      case "PRelu" -> prelu(c);
      case "Add", "Sub", "Mul", "Div" -> arithmetic(c);
      case "Neg" -> neg(c);
      case "Abs" -> abs(c);
      case "Flatten" -> flatten(c);
      case "Reshape" -> reshape(c);
      case "Softmax" -> softmax(c);
      case "Concat" -> concat(c);
      case "Clip" -> clip(c);
      case "Identity" -> identity(c);
      case "Dropout" -> dropout(c);
      case "Pad" -> pad(c);
      case "Constant" -> constantNode(c);
      case "Shape" -> shape(c);
      case "Gather" -> gather(c);
      case "Unsqueeze" -> unsqueeze(c);
      case "Squeeze" -> squeeze(c);
      case "Cast" -> cast(c);
      case "ConstantOfShape" -> constantOfShape(c);
      case "Slice" -> slice(c);
      case "ReduceMean", "ReduceSum" -> reduce(c);
      default -> throw c.unsupported("operator " + p.getOpType() + " is not supported by bnn4j");
    }
  }

  // ---- convolution and pooling ----

  private void conv(Ctx c) {
    c.attrs.allowOnly("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
    c.inputs(2, 3);
    ValueType x = c.type(0);
    ValueType w = c.type(1);
    if (x.rank() != 4) {
      throw c.unsupported("only 2-D convolution (a rank-4 NCHW input) is supported; input '"
          + c.in(0) + "' has rank " + x.rank());
    }
    if (w.rank() != 4) {
      throw c.malformed("weights '" + c.in(1) + "' are " + Arrays.toString(w.dims())
          + ", expected [M, C/group, kH, kW]");
    }
    int[] kernel = {w.dim(2), w.dim(3)};
    int[] ks = c.attrs.getInts("kernel_shape", 2, null);
    if (ks != null && !Arrays.equals(ks, kernel)) {
      throw c.malformed("kernel_shape " + Arrays.toString(ks) + " does not match the weights "
          + Arrays.toString(w.dims()));
    }
    int[] strides = atLeastOne(c, "strides", c.attrs.getInts("strides", 2, new int[] {1, 1}));
    int[] dil = atLeastOne(c, "dilations", c.attrs.getInts("dilations", 2, new int[] {1, 1}));
    int[] pads = resolvePads(c, x, kernel, strides, dil);
    List<String> ins = c.has(2) ? List.of(c.in(0), c.in(1), c.in(2)) : List.of(c.in(0), c.in(1));
    c.emit(OpType.CONV2D, "", ins, c.out(0), "strides", strides, "pads", pads,
        "dilations", dil, "group", c.attrs.getSmallInt("group", 1));
  }

  private void pool(Ctx c, boolean max) {
    if (max) {
      c.attrs.allowOnly("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
          "storage_order", "strides");
    } else {
      c.attrs.allowOnly("auto_pad", "ceil_mode", "count_include_pad", "dilations",
          "kernel_shape", "pads", "strides");
    }
    c.inputs(1, 1);
    ValueType x = c.type(0);
    if (x.rank() != 4) {
      throw c.unsupported("only 2-D pooling (a rank-4 NCHW input) is supported; input '"
          + c.in(0) + "' has rank " + x.rank());
    }
    int[] kernel = c.attrs.getInts("kernel_shape", 2, null);
    if (kernel == null) {
      throw c.malformed("missing attribute 'kernel_shape'");
    }
    atLeastOne(c, "kernel_shape", kernel);
    int[] strides = atLeastOne(c, "strides", c.attrs.getInts("strides", 2, new int[] {1, 1}));
    int[] dil = atLeastOne(c, "dilations", c.attrs.getInts("dilations", 2, new int[] {1, 1}));
    if (!max && (dil[0] != 1 || dil[1] != 1)) {
      throw c.unsupported("dilated average pooling (dilations " + Arrays.toString(dil)
          + ") is not supported");
    }
    if (max && c.attrs.getInt("storage_order", 0) != 0) {
      throw c.unsupported("storage_order " + c.attrs.getInt("storage_order", 0)
          + " (column-major indices) is not supported");
    }
    boolean ceil = c.attrs.getInt("ceil_mode", 0) != 0;
    int[] pads = resolvePads(c, x, kernel, strides, dil);
    if (ceil && !c.attrs.getString("auto_pad", "NOTSET").equals("NOTSET")) {
      // With auto_pad, runtimes size the output from auto_pad alone: accept ceil_mode only where
      // it changes nothing.
      for (int i = 0; i < 2; i++) {
        long floor = ShapeInference.windowOutputSize(x.dim(2 + i), pads[i], pads[i + 2],
            kernel[i], strides[i], dil[i], false);
        long up = ShapeInference.windowOutputSize(x.dim(2 + i), pads[i], pads[i + 2],
            kernel[i], strides[i], dil[i], true);
        if (floor != up) {
          throw c.unsupported("ceil_mode together with auto_pad '"
              + c.attrs.getString("auto_pad", "") + "' changes the output size, and runtimes"
              + " disagree on its meaning");
        }
      }
      ceil = false;
    }
    if (max) {
      c.emit(OpType.MAX_POOL2D, "", List.of(c.in(0)), c.out(0), "kernel", kernel,
          "strides", strides, "pads", pads, "dilations", dil, "ceil_mode", ceil ? 1 : 0);
    } else {
      c.emit(OpType.AVG_POOL2D, "", List.of(c.in(0)), c.out(0), "kernel", kernel,
          "strides", strides, "pads", pads, "ceil_mode", ceil ? 1 : 0,
          "count_include_pad", c.attrs.getInt("count_include_pad", 0) != 0 ? 1 : 0);
    }
  }

  private static int[] atLeastOne(Ctx c, String key, int[] v) {
    for (int x : v) {
      if (x < 1) {
        throw c.malformed(key + " " + Arrays.toString(v) + " must all be >= 1");
      }
    }
    return v;
  }

  /** Explicit [top, left, bottom, right] pads from pads or auto_pad. */
  private static int[] resolvePads(Ctx c, ValueType x, int[] kernel, int[] strides, int[] dil) {
    String autoPad = c.attrs.getString("auto_pad", "NOTSET");
    int[] explicit = c.attrs.getInts("pads", 4, null);
    if (autoPad.equals("NOTSET")) {
      return explicit == null ? new int[4] : explicit;
    }
    if (explicit != null && Arrays.stream(explicit).anyMatch(p -> p != 0)) {
      throw c.malformed("pads " + Arrays.toString(explicit) + " cannot be combined with auto_pad '"
          + autoPad + "'");
    }
    int[] pads = new int[4];
    switch (autoPad) {
      case "VALID" -> { }
      case "SAME_UPPER", "SAME_LOWER" -> {
        for (int i = 0; i < 2; i++) {
          long in = x.dim(2 + i);
          long out = (in + strides[i] - 1) / strides[i];
          long extent = (long) (kernel[i] - 1) * dil[i] + 1;
          long total = Math.max(0, (out - 1) * strides[i] + extent - in);
          if (total > Integer.MAX_VALUE) {
            throw c.malformed("auto_pad needs " + total + " pads");
          }
          long small = total / 2;
          long big = total - small;
          boolean upper = autoPad.equals("SAME_UPPER");
          pads[i] = (int) (upper ? small : big);
          pads[i + 2] = (int) (upper ? big : small);
        }
      }
      default -> throw c.malformed("auto_pad '" + autoPad
          + "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    }
    return pads;
  }

  private void globalPool(Ctx c, OpType op) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    if (c.type(0).rank() != 4) {
      throw c.unsupported("only 2-D global pooling (a rank-4 NCHW input) is supported; input '"
          + c.in(0) + "' has rank " + c.type(0).rank());
    }
    c.emit(op, "", List.of(c.in(0)), c.out(0));
  }

  private void batchNorm(Ctx c) {
    c.attrs.allowOnly("epsilon", "momentum", "spatial", "is_test", "training_mode");
    c.inputs(5, 5);
    if (c.attrs.getInt("training_mode", 0) != 0) {
      throw c.unsupported("training_mode=1 (normalising with batch statistics) is not"
          + " supported; export the model in eval mode");
    }
    if (c.attrs.getInt("spatial", 1) != 1) {
      throw c.unsupported("spatial=0 (per-element statistics) is not supported");
    }
    if (opset < 7 && c.attrs.getInt("is_test", 0) == 0) {
      throw c.unsupported("is_test=0 (training mode) is not supported; export the model in eval"
          + " mode");
    }
    c.emit(OpType.BATCH_NORM, "", c.ins, c.out(0), "epsilon",
        c.attrs.getFloat("epsilon", 1e-5f));
  }

  // ---- matrix ops ----

  private void gemm(Ctx c) {
    c.attrs.allowOnly("alpha", "beta", "transA", "transB", "broadcast");
    c.inputs(2, 3);
    boolean ta = c.attrs.getInt("transA", 0) != 0;
    boolean tb = c.attrs.getInt("transB", 0) != 0;
    if (c.has(2) && opset < 7 && c.attrs.getInt("broadcast", 0) == 0) {
      ValueType a = c.type(0);
      ValueType b = c.type(1);
      ValueType cc = c.type(2);
      if (a.rank() == 2 && b.rank() == 2) {
        int[] mn = {ta ? a.dim(1) : a.dim(0), tb ? b.dim(0) : b.dim(1)};
        if (!Arrays.equals(cc.dims(), mn)) {
          throw c.malformed("C is " + Arrays.toString(cc.dims()) + " and broadcast is not set;"
              + " expected " + Arrays.toString(mn));
        }
      }
    }
    List<String> ins = c.has(2) ? List.of(c.in(0), c.in(1), c.in(2)) : List.of(c.in(0), c.in(1));
    c.emit(OpType.GEMM, "", ins, c.out(0), "transA", ta ? 1 : 0, "transB", tb ? 1 : 0,
        "alpha", c.attrs.getFloat("alpha", 1f), "beta", c.attrs.getFloat("beta", 1f));
  }

  /** MatMul with B of rank 1 or 2, as Gemm between Reshapes where A or B is not 2-D. */
  private void matMul(Ctx c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    ValueType a = c.type(0);
    ValueType b = c.type(1);
    if (a.rank() == 0 || b.rank() == 0) {
      throw c.malformed("MatMul operands must have rank >= 1, found " + a + " and " + b);
    }
    if (b.rank() > 2) {
      throw c.unsupported("batched MatMul (B of rank " + b.rank() + ") is not supported");
    }
    int k = a.dim(a.rank() - 1);
    if (a.elementCount() == 0 || b.elementCount() == 0) {
      throw c.unsupported("MatMul of an empty tensor is not supported");
    }
    if (b.dim(0) != k) {
      throw c.malformed("inner dims differ: A " + Arrays.toString(a.dims()) + ", B "
          + Arrays.toString(b.dims()));
    }
    long m = a.elementCount() / k;
    int n = b.rank() == 2 ? b.dim(1) : 1;
    int[] result = new int[a.rank() - 1 + (b.rank() == 2 ? 1 : 0)];
    System.arraycopy(a.dims(), 0, result, 0, a.rank() - 1);
    if (b.rank() == 2) {
      result[result.length - 1] = n;
    }
    String a2 = a.rank() == 2 ? c.in(0)
        : c.reshapeTo(c.in(0), new int[] {(int) m, k}, c.temp("a2d"), "reshape_a");
    String b2 = b.rank() == 2 ? c.in(1)
        : c.reshapeTo(c.in(1), new int[] {k, 1}, c.temp("b2d"), "reshape_b");
    boolean direct = a.rank() == 2 && b.rank() == 2;
    String y = direct ? c.out(0) : c.temp("gemm");
    c.emit(OpType.GEMM, "gemm", List.of(a2, b2), y, "transA", 0, "transB", 0, "alpha", 1f,
        "beta", 1f);
    if (!direct) {
      c.reshapeTo(y, result, c.out(0), "reshape_out");
    }
  }

  // ---- element-wise ----

  private void foldableUnary(Ctx c, OpType op) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    Value v = c.constIn(0);
    if (v != null) {
      defineConst(c.out(0), ConstantFolding.unary(c.where, c.op, v));
    } else {
      c.emit(op, "", List.of(c.in(0)), c.out(0));
    }
  }

  private void unary(Ctx c, OpType op) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    c.emit(op, "", List.of(c.in(0)), c.out(0));
  }

  private void leakyRelu(Ctx c) {
    c.attrs.allowOnly("alpha");
    c.inputs(1, 1);
    c.emit(OpType.LEAKY_RELU, "", List.of(c.in(0)), c.out(0),
        "alpha", c.attrs.getFloat("alpha", 0.01f));
  }

  private void hardSigmoid(Ctx c) {
    c.attrs.allowOnly("alpha", "beta");
    c.inputs(1, 1);
    c.emit(OpType.HARD_SIGMOID, "", List.of(c.in(0)), c.out(0),
        "alpha", c.attrs.getFloat("alpha", 0.2f), "beta", c.attrs.getFloat("beta", 0.5f));
  }

  private void prelu(Ctx c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    ValueType x = c.type(0);
    ValueType s = c.type(1);
    String slope = c.in(1);
    if (opset < 7 && s.rank() == 1 && s.dim(0) > 1 && x.rank() >= 3 && s.dim(0) == x.dim(1)) {
      // PRelu-6 exports (PyTorch) give one slope per channel: make that broadcast explicit.
      int[] d = new int[x.rank() - 1];
      Arrays.fill(d, 1);
      d[0] = s.dim(0);
      slope = c.reshapeTo(slope, d, c.temp("slope"), "slope");
    }
    c.emit(OpType.PRELU, "prelu", List.of(c.in(0), slope), c.out(0));
  }

  private void arithmetic(Ctx c) {
    if (opset < 7) {
      c.attrs.allowOnly("axis", "broadcast");
    } else {
      c.attrs.allowOnly();
    }
    c.inputs(2, 2);
    String a = c.in(0);
    String b = opset < 7 ? legacyBroadcast(c) : c.in(1);
    Value va = constant(a);
    Value vb = constant(b);
    if (va != null && vb != null) {
      defineConst(c.out(0), ConstantFolding.binary(c.where, c.op, va, vb, limits));
      return;
    }
    OpType op = switch (c.op) {
      case "Add" -> OpType.ADD;
      case "Sub" -> OpType.SUB;
      case "Mul" -> OpType.MUL;
      default -> OpType.DIV;
    };
    a = MathTranslator.unexpanded(c, a, va, vb == null ? g.typeOf(b) : null);
    b = MathTranslator.unexpanded(c, b, vb, va == null ? g.typeOf(a) : null);
    c.emit(op, c.op.toLowerCase(), List.of(a, b), c.out(0));
  }

  /**
   * Opset &lt; 7 broadcasting: without broadcast=1 the shapes must be equal; with it, B matches a
   * contiguous run of A's dims starting at axis (suffix by default). Returns B, reshaped so that
   * numpy broadcasting means the same.
   */
  private String legacyBroadcast(Ctx c) {
    int[] ad = c.type(0).dims();
    int[] bd = c.type(1).dims();
    if (c.attrs.getInt("broadcast", 0) == 0) {
      if (!Arrays.equals(ad, bd)) {
        throw c.malformed("shapes " + Arrays.toString(ad) + " and " + Arrays.toString(bd)
            + " differ and broadcast is not set");
      }
      return c.in(1);
    }
    if (count(bd) == 1) {
      return c.reshapeTo(c.in(1), new int[0], c.temp("scalar"), "broadcast");
    }
    int axis = c.attrs.has("axis") ? c.attrs.getSmallInt("axis", 0) : ad.length - bd.length;
    if (axis < 0) {
      axis += ad.length;
    }
    boolean ok = axis >= 0 && axis + bd.length <= ad.length;
    for (int i = 0; ok && i < bd.length; i++) {
      ok = bd[i] == ad[axis + i];
    }
    if (!ok) {
      throw c.malformed("B " + Arrays.toString(bd) + " does not match A " + Arrays.toString(ad)
          + " from axis " + axis);
    }
    int[] nd = Arrays.copyOf(bd, ad.length - axis);
    Arrays.fill(nd, bd.length, nd.length, 1);
    return Arrays.equals(nd, bd) ? c.in(1) : c.reshapeTo(c.in(1), nd, c.temp("b"), "broadcast");
  }

  private void neg(Ctx c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    Value v = c.constIn(0);
    if (v != null) {
      defineConst(c.out(0), ConstantFolding.unary(c.where, "Neg", v));
      return;
    }
    String minusOne = c.temp("minus_one");
    defineConst(minusOne, Value.floats(new int[0], new float[] {-1f}));
    c.emit(OpType.MUL, "neg", List.of(c.in(0), minusOne), c.out(0));
  }

  private void abs(Ctx c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    defineConst(c.out(0), ConstantFolding.unary(c.where, "Abs",
        c.requireConst(0, "input")));
  }

  private void clip(Ctx c) {
    float min = Float.NEGATIVE_INFINITY;
    float max = Float.POSITIVE_INFINITY;
    boolean hasMin;
    boolean hasMax;
    if (opset < 11) {
      c.attrs.allowOnly("min", "max");
      c.inputs(1, 1);
      hasMin = c.attrs.has("min");
      hasMax = c.attrs.has("max");
      min = c.attrs.getFloat("min", min);
      max = c.attrs.getFloat("max", max);
    } else {
      c.attrs.allowOnly();
      c.inputs(1, 3);
      hasMin = c.has(1);
      hasMax = c.has(2);
      if (hasMin) {
        min = scalarFloat(c, 1, "min");
      }
      if (hasMax) {
        max = scalarFloat(c, 2, "max");
      }
    }
    if (Float.isNaN(min) || Float.isNaN(max)) {
      throw c.unsupported("a NaN bound is not supported");
    }
    if (min > max) {
      throw c.unsupported("min " + min + " is greater than max " + max);
    }
    Value x = c.constIn(0);
    if (x != null) {
      if (!x.isFloat()) {
        throw c.unsupported("Clip of " + x.typeName() + " constants is not supported");
      }
      defineConst(c.out(0), ConstantFolding.clip(x, min, max));
    } else if (!hasMin && !hasMax) {
      aliases.put(c.out(0), c.in(0));
    } else {
      List<Object> kv = new ArrayList<>();
      if (hasMin) {
        kv.add("min");
        kv.add(min);
      }
      if (hasMax) {
        kv.add("max");
        kv.add(max);
      }
      c.emit(OpType.CLIP, "", List.of(c.in(0)), c.out(0), kv.toArray());
    }
  }

  /** A one-element float constant input, such as a Clip bound or a Pad value. */
  private static float scalarFloat(Ctx c, int i, String role) {
    Value v = c.requireConst(i, role);
    if (!v.isFloat() || v.count() != 1) {
      throw c.malformed(role + " '" + c.in(i) + "' is " + v.typeName() + " "
          + Arrays.toString(v.dims()) + ", expected one float");
    }
    return v.floats()[0];
  }

  // ---- layout ----

  private void transpose(Ctx c) {
    c.attrs.allowOnly("perm");
    c.inputs(1, 1);
    int rank = c.type(0).rank();
    int[] perm = c.attrs.getInts("perm", rank, null);
    if (perm == null) {
      perm = new int[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = rank - 1 - i;
      }
    }
    ConstantFolding.checkPermutation(c.where, perm, rank);
    Value v = c.constIn(0);
    boolean identity = true;
    for (int i = 0; i < rank; i++) {
      identity &= perm[i] == i;
    }
    if (v != null) {
      defineConst(c.out(0), ConstantFolding.transpose(c.where, v, perm));
    } else if (identity) {
      aliases.put(c.out(0), c.in(0));
    } else {
      c.emit(OpType.TRANSPOSE, "", List.of(c.in(0)), c.out(0), "perm", perm);
    }
  }

  private void flatten(Ctx c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, 1);
    int[] d = c.type(0).dims();
    int axis = c.attrs.getSmallInt("axis", 1);
    if (axis < 0 && opset >= 11) {
      axis += d.length;
    }
    if (axis < 0 || axis > d.length) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 1) + " is out of range for rank "
          + d.length);
    }
    long outer = count(Arrays.copyOfRange(d, 0, axis));
    long inner = count(Arrays.copyOfRange(d, axis, d.length));
    c.reshapeTo(c.in(0), new int[] {(int) outer, (int) inner}, c.out(0), "");
  }

  private void reshape(Ctx c) {
    c.attrs.allowOnly("allowzero");
    c.inputs(2, 2);
    int[] in = c.type(0).dims();
    long[] shape = c.constInts(1, "the target shape");
    boolean allowZero = c.attrs.getInt("allowzero", 0) != 0;
    if (shape.length > ShapeInference.MAX_RANK) {
      throw c.unsupported("target rank " + shape.length + " is over the "
          + ShapeInference.MAX_RANK + " dims bnn4j supports");
    }
    long total = count(in);
    int[] out = new int[shape.length];
    int inferred = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      long v = shape[i];
      if (v == 0 && !allowZero) {
        if (i >= in.length) {
          throw c.malformed("shape " + Arrays.toString(shape) + " copies dim " + i
              + " of an input of rank " + in.length);
        }
        v = in[i];
      }
      if (v == -1) {
        if (inferred >= 0) {
          throw c.malformed("shape " + Arrays.toString(shape) + " has more than one -1");
        }
        inferred = i;
        continue;
      }
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw c.malformed("shape " + Arrays.toString(shape) + " has an invalid dim " + v);
      }
      out[i] = (int) v;
      known = v == 0 ? 0 : known > total ? known : known * v; // no overflow: total < 2^31
    }
    if (inferred >= 0) {
      if (known == 0 || total % known != 0) {
        throw c.malformed("cannot reshape " + Arrays.toString(in) + " to "
            + Arrays.toString(shape));
      }
      out[inferred] = (int) (total / known);
    }
    if (inferred < 0 && known != total) {
      throw c.malformed("cannot reshape " + Arrays.toString(in) + " (" + total
          + " elements) to " + Arrays.toString(shape));
    }
    c.reshapeTo(c.in(0), out, c.out(0), "");
  }

  private void softmax(Ctx c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, 1);
    int[] d = c.type(0).dims();
    int r = d.length;
    int axis = c.attrs.getSmallInt("axis", opset >= 13 ? -1 : 1);
    if (axis < 0) {
      axis += r;
    }
    if (axis < 0 || axis >= r) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 0) + " is out of range for rank " + r);
    }
    if (opset >= 13) {
      c.emit(OpType.SOFTMAX, "", List.of(c.in(0)), c.out(0), "axis", axis);
      return;
    }
    // Opset < 13: softmax over the flattened block of dims axis..r-1.
    List<Integer> wide = new ArrayList<>();
    for (int i = axis; i < r; i++) {
      if (d[i] != 1) {
        wide.add(i);
      }
    }
    if (wide.size() <= 1) {
      c.emit(OpType.SOFTMAX, "", List.of(c.in(0)), c.out(0), "axis",
          wide.isEmpty() ? axis : wide.get(0));
      return;
    }
    long outer = count(Arrays.copyOfRange(d, 0, axis));
    long inner = count(Arrays.copyOfRange(d, axis, r));
    String flat = c.reshapeTo(c.in(0), new int[] {(int) outer, (int) inner}, c.temp("2d"),
        "flatten");
    String soft = c.emit(OpType.SOFTMAX, "softmax", List.of(flat), c.temp("softmax"), "axis", 1);
    c.reshapeTo(soft, d, c.out(0), "unflatten");
  }

  private void concat(Ctx c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, Integer.MAX_VALUE);
    for (int i = 0; i < c.ins.size(); i++) {
      if (!c.has(i)) {
        throw c.malformed("input " + i + " is empty");
      }
    }
    if (!c.attrs.has("axis")) {
      throw c.malformed("missing attribute 'axis'");
    }
    int rank = c.type(0).rank();
    int axis = c.attrs.getSmallInt("axis", 0);
    if (axis < 0) {
      axis += rank;
    }
    if (axis < 0 || axis >= rank) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 0) + " is out of range for rank "
          + rank);
    }
    List<Value> consts = new ArrayList<>();
    List<String> live = new ArrayList<>();
    for (int i = 0; i < c.ins.size(); i++) {
      Value v = c.constIn(i);
      if (v != null) {
        consts.add(v);
      }
      if (v == null || v.count() > 0 || v.rank() != rank) {
        live.add(c.in(i)); // empty constants add nothing to a runtime concat
      }
    }
    if (consts.size() == c.ins.size()) {
      defineConst(c.out(0), ConstantFolding.concat(c.where, consts, axis, limits));
    } else if (live.size() == 1) {
      aliases.put(c.out(0), live.get(0));
    } else {
      c.emit(OpType.CONCAT, "", live, c.out(0), "axis", axis);
    }
  }

  private void identity(Ctx c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    aliases.put(c.out(0), c.in(0));
  }

  private void dropout(Ctx c) {
    c.attrs.allowOnly("ratio", "is_test", "seed");
    c.inputs(1, 3);
    if (opset < 7 && c.attrs.getInt("is_test", 0) == 0) {
      throw c.unsupported("is_test=0 (training-mode dropout) is not supported");
    }
    if (c.has(2)) {
      Value t = c.requireConst(2, "training_mode");
      boolean on = t.isFloat() ? t.floats()[0] != 0 : t.longs().length > 0 && t.longs()[0] != 0;
      if (t.count() != 1 || on) {
        throw c.unsupported("training-mode dropout is not supported");
      }
    }
    aliases.put(c.out(0), c.in(0));
  }

  private void pad(Ctx c) {
    c.inputs(opset < 11 ? 1 : 2, opset < 11 ? 1 : 4);
    int rank = c.type(0).rank();
    long[] pads;
    float value;
    if (opset < 11) {
      c.attrs.allowOnly("mode", "pads", "value");
      pads = c.attrs.getInts("pads");
      if (pads == null) {
        throw c.malformed("missing attribute 'pads'");
      }
      value = c.attrs.getFloat("value", 0f);
    } else {
      c.attrs.allowOnly("mode");
      pads = c.constInts(1, "pads");
      value = c.has(2) ? scalarFloat(c, 2, "constant_value") : 0f;
      if (c.has(3)) {
        long[] axes = c.constInts(3, "axes");
        if (pads.length != 2 * axes.length) {
          throw c.malformed("pads has " + pads.length + " values for " + axes.length + " axes");
        }
        long[] full = new long[2 * rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < axes.length; i++) {
          long a = axes[i] < 0 ? axes[i] + rank : axes[i];
          if (a < 0 || a >= rank || seen[(int) a]) {
            throw c.malformed("axes " + Arrays.toString(axes) + " are out of range or repeated");
          }
          seen[(int) a] = true;
          full[(int) a] = pads[i];
          full[(int) a + rank] = pads[i + axes.length];
        }
        pads = full;
      }
    }
    String mode = c.attrs.getString("mode", "constant");
    if (mode.equals("wrap")) {
      throw c.unsupported("mode 'wrap' is not supported");
    }
    if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("edge")) {
      throw c.malformed("mode '" + mode + "', expected constant, reflect, edge or wrap");
    }
    if (pads.length != 2 * rank) {
      throw c.malformed("pads " + Arrays.toString(pads) + " has " + pads.length
          + " values, expected " + 2 * rank + " for an input of rank " + rank);
    }
    boolean zero = true;
    for (long p : pads) {
      if (p < 0) {
        throw c.unsupported("negative pads (cropping) " + Arrays.toString(pads)
            + " are not supported");
      }
      zero &= p == 0;
    }
    if (zero) {
      aliases.put(c.out(0), c.in(0));
      return;
    }
    c.emit(OpType.PAD, "", List.of(c.in(0)), c.out(0), "pads", pads, "mode", mode,
        "value", mode.equals("constant") ? value : 0f);
  }

  // ---- constant-only ops ----

  private void constantNode(Ctx c) {
    c.attrs.allowOnly("value", "value_float", "value_floats", "value_int", "value_ints",
        "sparse_value", "value_string", "value_strings");
    c.inputs(0, 0);
    List<String> given = new ArrayList<>();
    for (String k : List.of("value", "value_float", "value_floats", "value_int", "value_ints",
        "sparse_value", "value_string", "value_strings")) {
      if (c.attrs.has(k)) {
        given.add(k);
      }
    }
    if (given.size() != 1) {
      throw c.malformed("needs exactly one value attribute, found " + given);
    }
    Value v = switch (given.get(0)) {
      case "value" -> {
        TensorProto t = c.attrs.getTensor("value");
        yield new Value(OnnxTensors.toConstTensor(t, "Constant node '" + c.name + "' value",
            limits), t.getDataType());
      }
      case "value_float" -> Value.floats(new int[0],
          new float[] {c.attrs.getFloat("value_float", 0f)});
      case "value_floats" -> {
        float[] f = c.attrs.getFloats("value_floats");
        yield Value.floats(new int[] {f.length}, f);
      }
      case "value_int" -> Value.longs(new int[0], new long[] {c.attrs.getInt("value_int", 0)},
          INT64);
      case "value_ints" -> {
        long[] l = c.attrs.getInts("value_ints");
        yield Value.longs(new int[] {l.length}, l, INT64);
      }
      default -> throw c.unsupported("attribute '" + given.get(0) + "' is not supported");
    };
    defineConst(c.out(0), v);
  }

  private void shape(Ctx c) {
    c.attrs.allowOnly("start", "end");
    c.inputs(1, 1);
    int[] d = c.type(0).dims();
    long start = c.attrs.getInt("start", 0);
    long end = c.attrs.getInt("end", d.length);
    start = Math.clamp(start < 0 ? start + d.length : start, 0, d.length);
    end = Math.clamp(end < 0 ? end + d.length : end, 0, d.length);
    long[] v = new long[(int) Math.max(0, end - start)];
    for (int i = 0; i < v.length; i++) {
      v[i] = d[(int) start + i];
    }
    defineConst(c.out(0), Value.longs(new int[] {v.length}, v, INT64));
  }

  private void gather(Ctx c) {
    c.attrs.allowOnly("axis");
    c.inputs(2, 2);
    Value data = c.requireConst(0, "data");
    Value idx = c.requireConst(1, "indices");
    int r = data.rank();
    int axis = c.attrs.getSmallInt("axis", 0);
    if (axis < 0) {
      axis += r;
    }
    if (axis < 0 || axis >= r) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 0) + " is out of range for rank " + r);
    }
    defineConst(c.out(0), ConstantFolding.gather(c.where, data, idx, axis, limits));
  }

  /** Axes from the attribute (before {@code inputSince}) or from input 1; null when absent. */
  private long[] axesOf(Ctx c, int inputSince, String... otherAttrs) {
    if (opset < inputSince) {
      String[] allowed = Arrays.copyOf(otherAttrs, otherAttrs.length + 1);
      allowed[otherAttrs.length] = "axes";
      c.attrs.allowOnly(allowed);
      c.inputs(1, 1);
      return c.attrs.getInts("axes");
    }
    c.attrs.allowOnly(otherAttrs);
    c.inputs(1, 2);
    return c.has(1) ? c.constInts(1, "axes") : null;
  }

  private void unsqueeze(Ctx c) {
    long[] axes = axesOf(c, 13);
    if (axes == null) {
      throw c.malformed("missing axes");
    }
    int[] d = c.type(0).dims();
    int outRank = d.length + axes.length;
    if (outRank > ShapeInference.MAX_RANK) {
      throw c.unsupported("result rank " + outRank + " is over " + ShapeInference.MAX_RANK);
    }
    boolean[] added = normaliseAxes(c, axes, outRank);
    int[] out = new int[outRank];
    for (int i = 0, j = 0; i < outRank; i++) {
      out[i] = added[i] ? 1 : d[j++];
    }
    c.reshapeTo(c.in(0), out, c.out(0), "");
  }

  private void squeeze(Ctx c) {
    long[] axes = axesOf(c, 13);
    int[] d = c.type(0).dims();
    boolean[] drop = new boolean[d.length];
    if (axes == null) {
      for (int i = 0; i < d.length; i++) {
        drop[i] = d[i] == 1;
      }
    } else {
      drop = normaliseAxes(c, axes, d.length);
      for (int i = 0; i < d.length; i++) {
        if (drop[i] && d[i] != 1) {
          throw c.malformed("cannot squeeze axis " + i + " of " + Arrays.toString(d));
        }
      }
    }
    int kept = 0;
    for (boolean x : drop) {
      kept += x ? 0 : 1;
    }
    int[] out = new int[kept];
    for (int i = 0, j = 0; i < d.length; i++) {
      if (!drop[i]) {
        out[j++] = d[i];
      }
    }
    c.reshapeTo(c.in(0), out, c.out(0), "");
  }

  private static boolean[] normaliseAxes(Ctx c, long[] axes, int rank) {
    boolean[] mark = new boolean[rank];
    for (long a : axes) {
      long x = a < 0 ? a + rank : a;
      if (x < 0 || x >= rank || mark[(int) x]) {
        throw c.malformed("axes " + Arrays.toString(axes) + " are out of range or repeated for"
            + " rank " + rank);
      }
      mark[(int) x] = true;
    }
    return mark;
  }

  private void cast(Ctx c) {
    c.attrs.allowOnly("to", "saturate");
    c.inputs(1, 1);
    if (!c.attrs.has("to")) {
      throw c.malformed("missing attribute 'to'");
    }
    int to = c.attrs.getSmallInt("to", 0);
    Value v = c.constIn(0);
    if (v != null) {
      defineConst(c.out(0), ConstantFolding.cast(c.where, v, to));
    } else if (to == FLOAT) {
      aliases.put(c.out(0), c.in(0));
    } else {
      throw c.unsupported("Cast of the runtime tensor '" + c.in(0) + "' to "
          + OnnxTensors.typeName(to) + " is not supported; bnn4j computes in float32");
    }
  }

  private void constantOfShape(Ctx c) {
    c.attrs.allowOnly("value");
    c.inputs(1, 1);
    long[] shape = c.constInts(0, "shape");
    Value value = Value.floats(new int[] {1}, new float[] {0f});
    TensorProto t = c.attrs.getTensor("value");
    if (t != null) {
      value = new Value(OnnxTensors.toConstTensor(t, "ConstantOfShape node '" + c.name
          + "' value", limits), t.getDataType());
      if (value.count() != 1) {
        throw c.malformed("value has " + value.count() + " elements, expected 1");
      }
    }
    defineConst(c.out(0), ConstantFolding.constantOfShape(c.where, shape, value, limits));
  }

  private void slice(Ctx c) {
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    Value data;
    if (opset < 10) {
      c.attrs.allowOnly("starts", "ends", "axes");
      c.inputs(1, 1);
      starts = c.attrs.getInts("starts");
      ends = c.attrs.getInts("ends");
      axes = c.attrs.getInts("axes");
      if (starts == null || ends == null) {
        throw c.malformed("missing attribute 'starts' or 'ends'");
      }
    } else {
      c.attrs.allowOnly();
      c.inputs(3, 5);
      starts = c.constInts(1, "starts");
      ends = c.constInts(2, "ends");
      axes = c.has(3) ? c.constInts(3, "axes") : null;
      steps = c.has(4) ? c.constInts(4, "steps") : null;
    }
    data = c.constIn(0);
    if (axes == null) {
      axes = new long[starts.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    if (steps == null) {
      steps = new long[starts.length];
      Arrays.fill(steps, 1);
    }
    if (data == null) {
      MathTranslator.runtimeSlice(c, starts, ends, axes, steps);
      return;
    }
    defineConst(c.out(0), ConstantFolding.slice(c.where, data, starts, ends, axes, steps,
        limits));
  }

  private void reduce(Ctx c) {
    boolean mean = c.op.equals("ReduceMean");
    long[] axes = axesOf(c, mean ? 18 : 13, "keepdims", "noop_with_empty_axes");
    Value data = c.requireConst(0, "data");
    boolean keep = c.attrs.getInt("keepdims", 1) != 0;
    if ((axes == null || axes.length == 0) && c.attrs.getInt("noop_with_empty_axes", 0) != 0) {
      defineConst(c.out(0), data);
      return;
    }
    boolean[] reduced;
    if (axes == null || axes.length == 0) {
      reduced = new boolean[data.rank()];
      Arrays.fill(reduced, true);
    } else {
      reduced = normaliseAxes(c, axes, data.rank());
    }
    defineConst(c.out(0), ConstantFolding.reduce(c.where, data, reduced, keep, mean));
  }

  private static long count(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
