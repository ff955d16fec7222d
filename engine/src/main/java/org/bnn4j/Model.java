package org.bnn4j;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bnn4j.convert.Converter;
import org.bnn4j.format.GraphValidator;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.ModelFile;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.runtime.CompiledGraph;
import org.bnn4j.runtime.FastOps;

/**
 * A loaded model, ready to run: the validated graph, compiled once into ops and a static memory
 * plan. Create {@link Session}s from it to run inference.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("net.bnn"));
 *      Session session = model.newSession()) {
 *   Tensor out = session.run(Tensor.of(pixels, 1, 3, 32, 32));
 * }
 * }</pre>
 *
 * <p>The format is detected from the content: bytes starting with the .bnn magic are read as a
 * .bnn file, anything else as ONNX.
 *
 * <p>A model is immutable and thread-safe once loaded: any number of threads may create and use
 * sessions from it concurrently (one session per thread). Closing a model stops new sessions
 * from being created; sessions already created keep working until they are closed.
 */
public final class Model implements AutoCloseable {
  static {
    // bnn4j's own tools reach graph() and fromGraph() through this internal bridge.
    ModelInternals.install(new ModelInternals.Bridge() {
      @Override
      public Graph graph(Model model) {
        return model.graph();
      }

      @Override
      public Model fromGraph(Graph graph, ModelOptions options) {
        return Model.fromGraph(graph, options);
      }
    });
  }

  private final Graph graph;
  private final CompiledGraph compiled;
  private final List<String> inputNames;
  private final List<String> outputNames;
  private final ModelMetadata metadata;
  private final int maxBatch;
  private volatile boolean closed;

  private Model(Graph graph, ModelOptions options) {
    this.graph = graph;
    for (String out : graph.outputs()) {
      if (graph.typeOf(out).type() != org.bnn4j.format.graph.ElementType.FLOAT32) {
        throw new UnsupportedModelException("graph output '" + out + "' is "
            + graph.typeOf(out) + "; model outputs must be float");
      }
    }
    this.maxBatch = options.maxBatch();
    if (maxBatch > 1) {
      List<String> io = new ArrayList<>(graph.inputs());
      io.addAll(graph.outputs());
      for (String name : io) {
        int[] dims = graph.typeOf(name).dims();
        if (dims.length == 0 || dims[0] != 1) {
          throw new UnsupportedModelException("maxBatch " + maxBatch + " needs a leading batch"
              + " dim of 1 on every input and output; '" + name + "' has shape "
              + Arrays.toString(dims));
        }
      }
    }
    this.metadata = MetadataMapping.toPlain(graph.metadata());
    this.compiled = CompiledGraph.compile(graph, new FastOps());
    this.inputNames = List.copyOf(graph.inputs());
    this.outputNames = List.copyOf(graph.outputs());
  }

  private static Model create(Graph graph, ModelOptions options) {
    Model m = new Model(graph, options);
    if (options.warmupRuns() > 0) {
      m.warmUp(options.warmupRuns());
    }
    return m;
  }

  /**
   * Loads a .bnn or ONNX model file with default options.
   *
   * @param path the model file
   * @return the loaded model
   * @throws ModelFormatException when the file cannot be read, is malformed or is over a limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  public static Model load(Path path) {
    return load(path, ModelOptions.defaults());
  }

  /**
   * Loads a .bnn or ONNX model file.
   *
   * @param path the model file
   * @param options load options
   * @return the loaded model
   * @throws ModelFormatException when the file cannot be read (naming the path), is malformed or
   *     is over a limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run, or the options
   *     ask for a batch dim it does not have
   * @throws KernelUnavailableException when the options require the vector kernels and they
   *     are not running
   */
  public static Model load(Path path, ModelOptions options) {
    Objects.requireNonNull(path, "path");
    return readAndLoad(limits -> ModelFile.readBounded(path, limits), "model file " + path,
        options);
  }

  /**
   * Loads a .bnn or ONNX model from its bytes with default options.
   *
   * @param bytes the model file's content, not kept
   * @return the loaded model
   * @throws ModelFormatException when the model is malformed or over a limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  public static Model load(byte[] bytes) {
    return load(bytes, ModelOptions.defaults());
  }

  /**
   * Loads a .bnn or ONNX model from its bytes, which are not kept.
   *
   * @param bytes the model file's content
   * @param options load options
   * @return the loaded model
   * @throws ModelFormatException when the model is malformed or over a limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  public static Model load(byte[] bytes, ModelOptions options) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(options, "options");
    if (options.requireVectorKernels()) {
      KernelInfo.current().requireVector();
    }
    Limits limits = options.limits();
    if (bytes.length > limits.maxFileBytes()) {
      throw new ModelFormatException("model is " + bytes.length + " bytes, over the limit of "
          + limits.maxFileBytes() + " (maxFileBytes)");
    }
    Graph g;
    if (ModelFile.hasMagic(bytes)) {
      g = ModelCodec.fromModel(ModelFile.parse(bytes, limits), limits);
    } else {
      g = Converter.convert(bytes, limits).graph();
    }
    GraphValidator.validate(g, limits);
    return create(g, options);
  }

  /**
   * Loads a .bnn or ONNX model from a stream with default options; see {@link
   * #load(InputStream, ModelOptions)}.
   *
   * @param in the model file's content, read to its end and not closed
   * @return the loaded model
   * @throws ModelFormatException when the stream cannot be read, the model is malformed or over a
   *     limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  public static Model load(InputStream in) {
    return load(in, ModelOptions.defaults());
  }

  /**
   * Loads a .bnn or ONNX model, reading the stream to its end. The stream is not closed: the
   * caller owns it.
   *
   * @param in the model file's content
   * @param options load options
   * @return the loaded model
   * @throws ModelFormatException when the stream cannot be read, the model is malformed or over a
   *     limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  public static Model load(InputStream in, ModelOptions options) {
    Objects.requireNonNull(in, "in");
    InputStream unclosed = new FilterInputStream(in) {
      @Override
      public void close() {
        // The caller owns the stream.
      }
    };
    return readAndLoad(limits -> ModelFile.readBounded(unclosed, limits), "model stream", options);
  }

  /** Where a model's bytes come from: read to the end, refusing more than the limits allow. */
  @FunctionalInterface
  private interface BoundedSource {
    byte[] read(Limits limits) throws IOException;
  }

  /** Reads the bytes of {@code source} ({@code what}, in the error) and loads them. */
  private static Model readAndLoad(BoundedSource source, String what, ModelOptions options) {
    Objects.requireNonNull(options, "options");
    byte[] bytes;
    try {
      bytes = source.read(options.limits());
    } catch (IOException e) {
      throw new ModelFormatException("cannot read " + what + ": " + describe(e), e);
    }
    return load(bytes, options);
  }

  /** A model from an in-memory graph, validated with the default limits. */
  static Model fromGraph(Graph graph) {
    return fromGraph(graph, ModelOptions.defaults());
  }

  /**
   * A model from an in-memory graph (as the converter or a test builds it), validated with the
   * options' limits. The model takes the graph over: the caller must not change it afterwards.
   *
   * @throws ModelFormatException when the graph is malformed or over a limit
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  static Model fromGraph(Graph graph, ModelOptions options) {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(options, "options");
    if (options.requireVectorKernels()) {
      KernelInfo.current().requireVector();
    }
    GraphValidator.validate(graph, options.limits());
    return create(graph, options);
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
  }

  /** {@return the graph's input names, in order} */
  public List<String> inputNames() {
    return inputNames;
  }

  /** {@return the graph's output names, in order} */
  public List<String> outputNames() {
    return outputNames;
  }

  /**
   * The shape of one batch of an input as the model stores it (batch 1), a copy. With {@link
   * ModelOptions#withMaxBatch} the leading dim may be anything from 1 to {@link #maxBatch()}.
   *
   * @param name an input name, one of {@link #inputNames()}
   * @return its dims
   * @throws InvalidInputException when there is no input of that name
   */
  public int[] inputShape(String name) {
    if (name == null || !inputNames.contains(name)) {
      throw new InvalidInputException("model has no input '" + name + "'; its inputs are "
          + inputNames);
    }
    return graph.typeOf(name).dims();
  }

  /**
   * The shape of an output for batch 1, a copy; for a batch of n the leading dim is n.
   *
   * @param name an output name, one of {@link #outputNames()}
   * @return its dims
   * @throws InvalidInputException when there is no output of that name
   */
  public int[] outputShape(String name) {
    if (name == null || !outputNames.contains(name)) {
      throw new InvalidInputException("model has no output '" + name + "'; its outputs are "
          + outputNames);
    }
    return graph.typeOf(name).dims();
  }

  /**
   * {@return the largest batch a session of this model accepts (1 unless loaded with a larger
   * bound)}
   */
  public int maxBatch() {
    return maxBatch;
  }

  /** {@return the model's metadata: name, producer, labels, input preprocessing, notes} */
  public ModelMetadata metadata() {
    return metadata;
  }

  /**
   * How input {@code name} wants its data: the spec stored in the file, or, when the file stores
   * none, one with the input's shape and default preprocessing ({@link InputSpec#of}).
   *
   * @param name an input name, one of {@link #inputNames()}
   * @return its spec
   * @throws InvalidInputException when there is no input of that name
   */
  public InputSpec inputSpec(String name) {
    int[] shape = inputShape(name);
    return metadata.input(name).orElseGet(() -> InputSpec.of(name, shape));
  }

  /**
   * Which kernels run this model (the JVM's choice, the same for every model).
   *
   * @return the kernels in use
   */
  public KernelInfo kernels() {
    return KernelInfo.current();
  }

  /**
   * Runs {@code runs} inferences on inputs of zeros on a new one-thread session, so that the JIT
   * compiles the kernels before the first real request; a few hundred runs bring the first
   * request close to the steady state. Safe to call while other threads use the model.
   *
   * @param runs how many inferences to run, 0 or more
   * @throws IllegalArgumentException when {@code runs < 0}
   * @throws IllegalStateException when the model is closed
   */
  public void warmUp(int runs) {
    if (runs < 0) {
      throw new IllegalArgumentException("warm-up runs must be at least 0, got " + runs);
    }
    float[][] in = new float[inputNames.size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = new float[compiled.input(i).size()];
    }
    float[][] out = new float[outputNames.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[compiled.output(i).size()];
    }
    try (Session s = newSession()) {
      for (int r = 0; r < runs - 1; r++) {
        s.run(in, out);
      }
      if (runs > 0) { // the last through run(Map), so the tensor path is loaded too
        java.util.Map<String, Tensor> feed = new java.util.HashMap<>();
        for (int i = 0; i < in.length; i++) {
          feed.put(inputNames.get(i), Tensor.of(in[i], graph.typeOf(inputNames.get(i)).dims()));
        }
        s.run(feed);
      }
    }
  }

  /** The validated graph. For reading only: changing it is not supported and breaks the model. */
  Graph graph() {
    return graph;
  }

  /** {@return the bytes of working memory each session allocates for its arenas} */
  public long sessionMemoryBytes() {
    return 4L * compiled.floatArenaSize() + 8L * compiled.wordArenaSize();
  }

  /**
   * A new session with default options; see {@link #newSession(SessionOptions)}.
   *
   * @return the session, to be closed by the caller
   * @throws IllegalStateException when the model is closed
   */
  public Session newSession() {
    return newSession(SessionOptions.defaults());
  }

  /**
   * A new session, with its working memory allocated now. Use one session per thread.
   *
   * @param options session options
   * @return the session, to be closed by the caller
   * @throws IllegalStateException when the model is closed
   */
  public Session newSession(SessionOptions options) {
    Objects.requireNonNull(options, "options");
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
    return new Session(this, compiled.newExecutor(), options, maxBatch);
  }

  CompiledGraph compiled() {
    return compiled;
  }

  /** Stops new sessions from being created; idempotent. Open sessions keep working. */
  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    List<String> ins = new ArrayList<>();
    for (String n : inputNames) {
      ins.add(n + Arrays.toString(graph.typeOf(n).dims()));
    }
    List<String> outs = new ArrayList<>();
    for (String n : outputNames) {
      outs.add(n + Arrays.toString(graph.typeOf(n).dims()));
    }
    return "Model[" + graph.nodes().size() + " nodes, inputs " + ins + ", outputs " + outs + "]";
  }
}
