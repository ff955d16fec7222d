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
import org.bnn4j.format.proto.ModelMetadata;
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
  private volatile boolean closed;

  private Model(Graph graph) {
    this.graph = graph;
    for (String out : graph.outputs()) {
      if (graph.typeOf(out).type() != org.bnn4j.format.proto.DataType.FLOAT32) {
        throw new UnsupportedModelException("graph output '" + out + "' is "
            + graph.typeOf(out) + "; model outputs must be float");
      }
    }
    this.compiled = CompiledGraph.compile(graph, new FastOps());
    this.inputNames = List.copyOf(graph.inputs());
    this.outputNames = List.copyOf(graph.outputs());
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
   * @throws UnsupportedModelException when it uses something bnn4j does not run
   */
  public static Model load(Path path, ModelOptions options) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    byte[] bytes;
    try {
      bytes = ModelFile.readBounded(path, options.limits());
    } catch (IOException e) {
      throw new ModelFormatException("cannot read model file " + path + ": " + describe(e), e);
    }
    return load(bytes, options);
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
    return new Model(g);
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
    Objects.requireNonNull(options, "options");
    byte[] bytes;
    try {
      bytes = ModelFile.readBounded(new FilterInputStream(in) {
        @Override
        public void close() {
          // The caller owns the stream.
        }
      }, options.limits());
    } catch (IOException e) {
      throw new ModelFormatException("cannot read model stream: " + describe(e), e);
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
    GraphValidator.validate(graph, options.limits());
    return new Model(graph);
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
   * The static shape of an input, a copy.
   *
   * @param name an input name, one of {@link #inputNames()}
   * @return its dims
   * @throws IllegalArgumentException when there is no input of that name
   */
  public int[] inputShape(String name) {
    if (!inputNames.contains(name)) {
      throw new IllegalArgumentException("model has no input '" + name + "'; its inputs are "
          + inputNames);
    }
    return graph.typeOf(name).dims();
  }

  /**
   * The static shape of an output, a copy.
   *
   * @param name an output name, one of {@link #outputNames()}
   * @return its dims
   * @throws IllegalArgumentException when there is no output of that name
   */
  public int[] outputShape(String name) {
    if (!outputNames.contains(name)) {
      throw new IllegalArgumentException("model has no output '" + name + "'; its outputs are "
          + outputNames);
    }
    return graph.typeOf(name).dims();
  }

  /** {@return the model's metadata: name, producer, input preprocessing, labels} */
  public ModelMetadata metadata() {
    return graph.metadata();
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
    return new Session(this, compiled.newExecutor(), options);
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
