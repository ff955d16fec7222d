package org.bnn4j.server;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How {@link InferenceServer} listens and handles load. Immutable; start from {@link
 * #defaults()} and change fields with the {@code with} methods.
 *
 * @param host address both listeners bind to (loopback unless told otherwise)
 * @param httpPort REST port, 0 for a free one
 * @param grpcPort gRPC port, 0 for a free one, -1 for no gRPC listener
 * @param workers inference worker threads per model, each with its own session
 * @param maxBatch most requests one worker takes from the queue at once (1: no batching)
 * @param batchWindow how long a worker holding fewer than {@code maxBatch} requests waits for more
 * @param maxQueue requests waiting per model before new ones are refused with 503
 * @param requestTimeout time a request may take from arrival to answer before it fails
 * @param maxBodyBytes largest request body (REST) or message (gRPC) accepted
 * @param shutdownGrace time in-flight requests get to finish on shutdown
 */
public record ServerConfig(String host, int httpPort, int grpcPort, int workers, int maxBatch,
    Duration batchWindow, int maxQueue, Duration requestTimeout, long maxBodyBytes,
    Duration shutdownGrace) {

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(batchWindow, "batchWindow");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    check(httpPort >= 0 && httpPort <= 65535, "http port must be 0..65535, found " + httpPort);
    check(grpcPort >= -1 && grpcPort <= 65535, "grpc port must be -1..65535, found " + grpcPort);
    check(workers >= 1 && workers <= 1024, "workers must be 1..1024, found " + workers);
    check(maxBatch >= 1 && maxBatch <= 4096, "max batch must be 1..4096, found " + maxBatch);
    check(maxQueue >= 1 && maxQueue <= 1_000_000, "max queue must be 1..1000000, found "
        + maxQueue);
    check(!batchWindow.isNegative() && batchWindow.compareTo(Duration.ofSeconds(1)) <= 0,
        "batch window must be 0..1 s, found " + batchWindow);
    check(requestTimeout.isPositive(), "request timeout must be positive");
    check(!shutdownGrace.isNegative(), "shutdown grace must not be negative");
    check(maxBodyBytes >= 1024 && maxBodyBytes <= Integer.MAX_VALUE - 8,
        "max body must be 1 KiB..2 GiB, found " + maxBodyBytes);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /**
   * Loopback, REST on 8000, gRPC on 8001, one worker per processor, no batching, 1 ms batch
   * window, 1024 queued requests, 10 s per request, 16 MiB bodies, 20 s to drain on shutdown.
   */
  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8000, 8001,
        Math.max(1, Runtime.getRuntime().availableProcessors()), 1, Duration.ofMillis(1), 1024,
        Duration.ofSeconds(10), 16L << 20, Duration.ofSeconds(20));
  }

  public ServerConfig withHost(String v) {
    return edit(f -> f.host = v);
  }

  public ServerConfig withPorts(int http, int grpc) {
    return edit(f -> {
      f.httpPort = http;
      f.grpcPort = grpc;
    });
  }

  public ServerConfig withWorkers(int v) {
    return edit(f -> f.workers = v);
  }

  public ServerConfig withBatching(int maxBatch, Duration window) {
    return edit(f -> {
      f.maxBatch = maxBatch;
      f.batchWindow = window;
    });
  }

  public ServerConfig withMaxQueue(int v) {
    return edit(f -> f.maxQueue = v);
  }

  public ServerConfig withRequestTimeout(Duration v) {
    return edit(f -> f.requestTimeout = v);
  }

  public ServerConfig withMaxBodyBytes(long v) {
    return edit(f -> f.maxBodyBytes = v);
  }

  public ServerConfig withShutdownGrace(Duration v) {
    return edit(f -> f.shutdownGrace = v);
  }

  /** A copy with {@code change} applied; the canonical constructor validates the result. */
  private ServerConfig edit(Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return f.toConfig();
  }

  /**
   * The components as mutable fields, so that each {@code with} method names only what it
   * changes and the full component list is written here once.
   */
  private static final class Fields {
    String host;
    int httpPort;
    int grpcPort;
    int workers;
    int maxBatch;
    Duration batchWindow;
    int maxQueue;
    Duration requestTimeout;
    long maxBodyBytes;
    Duration shutdownGrace;

    Fields(ServerConfig c) {
      host = c.host;
      httpPort = c.httpPort;
      grpcPort = c.grpcPort;
      workers = c.workers;
      maxBatch = c.maxBatch;
      batchWindow = c.batchWindow;
      maxQueue = c.maxQueue;
      requestTimeout = c.requestTimeout;
      maxBodyBytes = c.maxBodyBytes;
      shutdownGrace = c.shutdownGrace;
    }

    ServerConfig toConfig() {
      return new ServerConfig(host, httpPort, grpcPort, workers, maxBatch, batchWindow, maxQueue,
          requestTimeout, maxBodyBytes, shutdownGrace);
    }
  }
}
