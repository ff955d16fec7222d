package org.bnn4j.internal;

import java.util.Objects;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.bnn4j.format.graph.Graph;

/**
 * What bnn4j's own code (the CLI's inspect and convert, tests, benchmarks) needs from a {@link
 * Model} beyond the public API: its graph, and a model built from an in-memory graph. The graph
 * is an internal, mutable type, so it stays out of {@code Model}'s public methods; this package
 * is not exported by module {@code org.bnn4j}.
 *
 * <p>{@code Model} installs the {@link Bridge} from its static initializer (the usual
 * "shared secrets" pattern), so these calls reach its package-private methods without
 * reflection.
 */
public final class ModelInternals {
  /** Implemented once, inside package {@code org.bnn4j}. */
  public interface Bridge {
    /** The model's validated graph. */
    Graph graph(Model model);

    /** A model from an in-memory graph, validated with the options' limits. */
    Model fromGraph(Graph graph, ModelOptions options);
  }

  private static volatile Bridge bridge;

  private ModelInternals() {}

  /**
   * Called once by {@code Model}'s static initializer.
   *
   * @throws IllegalStateException when a bridge is already installed
   */
  public static synchronized void install(Bridge b) {
    Objects.requireNonNull(b, "bridge");
    if (bridge != null) {
      throw new IllegalStateException("ModelInternals bridge already installed");
    }
    bridge = b;
  }

  /**
   * The validated graph of a model. For reading only: changing it is not supported and breaks
   * the model.
   */
  public static Graph graph(Model model) {
    return bridge().graph(Objects.requireNonNull(model, "model"));
  }

  /**
   * A model from an in-memory graph (as the converter or a test builds it), validated with the
   * default limits. The model takes the graph over: the caller must not change it afterwards.
   */
  public static Model fromGraph(Graph graph) {
    return fromGraph(graph, ModelOptions.defaults());
  }

  /** As {@link #fromGraph(Graph)}, validated with the options' limits. */
  public static Model fromGraph(Graph graph, ModelOptions options) {
    return bridge().fromGraph(graph, options);
  }

  private static Bridge bridge() {
    Bridge b = bridge;
    if (b == null) {
      // Model installs the bridge when it is initialised; make sure it has been.
      try {
        Class.forName(Model.class.getName(), true, Model.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      b = bridge;
    }
    return b;
  }
}
