package org.bnn4j.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bnn4j.Model;

/**
 * A running model server: the Open Inference Protocol (KServe v2) over REST and gRPC for a set
 * of named models.
 *
 * <pre>{@code
 * try (InferenceServer server = InferenceServer.start(Map.of("mnist", model),
 *     ServerConfig.defaults().withPorts(0, 0))) {
 *   URI base = URI.create("http://127.0.0.1:" + server.httpAddress().getPort());
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #shutdown()} stops accepting connections and requests, lets the requests already
 * accepted finish within {@link ServerConfig#shutdownGrace()}, then releases the workers.
 */
public final class InferenceServer implements AutoCloseable {
  static final String SERVER_NAME = "bnn4j";
  static final String MODEL_VERSION = "1";
  static final String PLATFORM = "bnn4j";
  /** Protocol extensions this server offers. */
  static final List<String> EXTENSIONS = List.of("bnn4j_classify");

  private static final Logger LOG = Logger.getLogger("org.bnn4j.server");
  /** Access log, one line per request at INFO; set this logger to OFF to silence it. */
  static final Logger ACCESS = Logger.getLogger("org.bnn4j.server.access");

  private final ServerConfig config;
  private final Map<String, ServedModel> models;
  private final RestApi rest;
  private final GrpcApi grpc;
  private volatile boolean ready;
  private boolean stopped;

  private InferenceServer(Map<String, Model> models, ServerConfig config) throws IOException {
    this.config = config;
    Map<String, ServedModel> served = new LinkedHashMap<>();
    for (Map.Entry<String, Model> e : models.entrySet()) {
      served.put(e.getKey(), new ServedModel(e.getKey(), e.getValue(), config));
    }
    this.models = Map.copyOf(served);
    RestApi r = null;
    GrpcApi g = null;
    try {
      // gRPC first: it takes longer to start, and REST is what probes watch.
      g = config.grpcPort() < 0 ? null : new GrpcApi(this, config);
      r = new RestApi(this, config);
    } catch (IOException | RuntimeException e) {
      if (g != null) {
        g.beginShutdown();
        g.awaitShutdown(System.nanoTime());
      }
      drain(System.nanoTime());
      throw e;
    }
    this.rest = r;
    this.grpc = g;
    this.ready = true;
  }

  /**
   * Starts serving {@code models} (name to model); the models stay the caller's.
   *
   * @throws IOException when a port cannot be bound
   * @throws IllegalArgumentException when there is no model or a name is not a plain name
   */
  public static InferenceServer start(Map<String, Model> models, ServerConfig config)
      throws IOException {
    Objects.requireNonNull(models, "models");
    Objects.requireNonNull(config, "config");
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no model to serve");
    }
    for (String name : models.keySet()) {
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
        throw new IllegalArgumentException("model name '" + name + "' must be 1 to 128 letters,"
            + " digits, '_', '.' or '-', starting with a letter or digit");
      }
    }
    return new InferenceServer(models, config);
  }

  /** Where the REST listener is bound (with the real port when the config asked for 0). */
  public InetSocketAddress httpAddress() {
    return rest.address();
  }

  /** Where the gRPC listener is bound, or null when the config disabled it. */
  public InetSocketAddress grpcAddress() {
    return grpc == null ? null : grpc.address();
  }

  /** The served model names, in no particular order. */
  public java.util.Set<String> modelNames() {
    return models.keySet();
  }

  /** Inference requests finished so far over every model: answered, and failed. */
  public record RequestCounts(long answered, long failed) {}

  /** How many inference requests (REST infer and classify, gRPC ModelInfer) have finished. */
  public RequestCounts requestCounts() {
    long all = 0;
    long failed = 0;
    for (ServedModel m : models.values()) {
      all += m.metrics.requests();
      failed += m.metrics.failures();
    }
    return new RequestCounts(all - failed, failed);
  }

  ServerConfig config() {
    return config;
  }

  boolean ready() {
    return ready;
  }

  Map<String, ServedModel> models() {
    return models;
  }

  /**
   * The served model of that name. The protocol's version is optional; this server holds one
   * version, "1", of each model.
   *
   * @throws ServeException (not found) for an unknown name or version
   */
  ServedModel model(String name, String version) {
    ServedModel m = models.get(name);
    if (m == null) {
      throw new ServeException(ServeException.Kind.NOT_FOUND, "unknown model '" + name
          + "'; this server has " + new java.util.TreeSet<>(models.keySet()));
    }
    if (version != null && !version.isEmpty() && !version.equals(MODEL_VERSION)) {
      throw new ServeException(ServeException.Kind.NOT_FOUND, "model '" + name
          + "' has no version '" + version + "'; it has version " + MODEL_VERSION);
    }
    return m;
  }

  /** Indices of the outputs a request names, in its order; all of them when it names none. */
  static int[] selectOutputs(ServedModel m, List<String> requested) {
    if (requested.isEmpty()) {
      int[] all = new int[m.outputNames.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] idx = new int[requested.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = m.outputIndex(requested.get(i));
      if (idx[i] < 0) {
        throw ServeException.badRequest("unknown output '" + requested.get(i) + "'; model '"
            + m.name + "' has outputs " + m.outputNames);
      }
    }
    return idx;
  }

  /** Deadline of a request that arrived at {@code startNanos}. */
  long deadline(long startNanos) {
    return startNanos + config.requestTimeout().toNanos();
  }

  /** Prometheus text exposition of every model's metrics. */
  String metricsText() {
    StringBuilder sb = new StringBuilder(1024);
    java.util.List<String> names = new java.util.ArrayList<>(models.keySet());
    java.util.Collections.sort(names);
    for (int family = 0; family < ModelMetrics.FAMILY_HEADERS.length; family++) {
      sb.append(ModelMetrics.FAMILY_HEADERS[family]);
      for (String n : names) {
        ServedModel m = models.get(n);
        m.metrics.render(sb, n, family, m.queueDepth());
      }
    }
    return sb.toString();
  }

  static void access(String protocol, String remote, String what, int status, long startNanos) {
    if (ACCESS.isLoggable(Level.INFO)) {
      ACCESS.info(String.format(java.util.Locale.ROOT, "%s %s %s %d %.3fms", protocol, remote,
          what, status, (System.nanoTime() - startNanos) / 1e6));
    }
  }

  /**
   * Stops accepting, lets accepted requests finish within the configured grace, then stops the
   * workers. Idempotent; returns when everything has stopped.
   */
  public synchronized void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    ready = false;
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    LOG.info("shutting down: finishing accepted requests (up to "
        + config.shutdownGrace().toMillis() + " ms)");
    // Both listeners stop taking new work at once, then wait for their in-flight calls, which
    // the model workers keep serving until the listeners are done.
    if (grpc != null) {
      grpc.beginShutdown();
    }
    rest.stop(deadline);
    if (grpc != null) {
      grpc.awaitShutdown(deadline);
    }
    drain(deadline);
    LOG.info("stopped");
  }

  private void drain(long deadline) {
    for (ServedModel m : models.values()) {
      m.stopAccepting();
    }
    for (ServedModel m : models.values()) {
      m.awaitDrained(deadline);
    }
  }

  /** Same as {@link #shutdown()}. */
  @Override
  public void close() {
    shutdown();
  }
}
