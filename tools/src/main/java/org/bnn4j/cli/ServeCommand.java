package org.bnn4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bnn4j.Model;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.server.InferenceServer;
import org.bnn4j.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bnn4j serve}: the models behind the Open Inference Protocol, REST and gRPC. */
@Command(
    name = "serve",
    description = {
      "Serves models over the Open Inference Protocol (KServe v2): REST/JSON and gRPC.",
      "Without --model it serves the model bundled in the jar as 'mnist'. Stops gracefully on"
          + " SIGTERM or Ctrl-C: no new requests, accepted ones finish, exit code 0."
    })
final class ServeCommand extends Subcommand {
  private static final Logger LOG = Logger.getLogger("org.bnn4j.server");
  /** Held here so that a level set on it sticks (the logging system holds loggers weakly). */
  private static final Logger ACCESS = Logger.getLogger("org.bnn4j.server.access");

  /** Name of the bundled model when no --model is given. */
  static final String BUNDLED_NAME = "mnist";

  // The options start from the server's own defaults, so that they are written once (help shows
  // these initial values as the defaults).
  private static final ServerConfig DEFAULTS = ServerConfig.defaults();


  @Option(names = "--model", paramLabel = "NAME=PATH",
      description = "A model to serve under NAME (repeatable); default: the bundled model as '"
          + BUNDLED_NAME + "'.")
  Map<String, Path> models = new LinkedHashMap<>();

  @Option(names = "--host",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0"
          + " for every interface).")
  String host = DEFAULTS.host();

  @Option(names = "--http-port",
      description = "REST port, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int httpPort = DEFAULTS.httpPort();

  @Option(names = "--grpc-port",
      description = "gRPC port, 0 for any free one, -1 for no gRPC (default: ${DEFAULT-VALUE}).")
  int grpcPort = DEFAULTS.grpcPort();

  @Option(names = "--threads", paramLabel = "N",
      description = "Inference workers per model, each running one request at a time on its own"
          + " session (default: the available processors).")
  Integer threads;

  @Option(names = "--max-batch", paramLabel = "B",
      description = "Most queued requests one worker runs as a group (default: ${DEFAULT-VALUE},"
          + " no batching).")
  int maxBatch = DEFAULTS.maxBatch();

  @Option(names = "--batch-window-us", paramLabel = "MICROS",
      description = "How long a worker waits for a group to fill when --max-batch is over 1"
          + " (default: ${DEFAULT-VALUE}).")
  long batchWindowMicros = DEFAULTS.batchWindow().toNanos() / 1000;

  @Option(names = "--max-queue", paramLabel = "Q",
      description = "Requests waiting per model before new ones get 503 (default:"
          + " ${DEFAULT-VALUE}).")
  int maxQueue = DEFAULTS.maxQueue();

  @Option(names = "--timeout-ms", paramLabel = "MS",
      description = "Deadline of each request (default: ${DEFAULT-VALUE}).")
  long timeoutMillis = DEFAULTS.requestTimeout().toMillis();

  @Option(names = "--max-body-bytes", paramLabel = "BYTES",
      description = "Largest request body or gRPC message; larger ones get 413 (default:"
          + " ${DEFAULT-VALUE}).")
  long maxBodyBytes = DEFAULTS.maxBodyBytes();

  @Option(names = "--shutdown-grace-ms", paramLabel = "MS",
      description = "Time accepted requests get to finish on shutdown (default: ${DEFAULT-VALUE}).")
  long shutdownGraceMillis = DEFAULTS.shutdownGrace().toMillis();

  @Option(names = "--access-log", negatable = true, defaultValue = "true",
      fallbackValue = "true",
      description = "Log one line per request (logger org.bnn4j.server.access; default: on).")
  boolean accessLog;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format",
          "%1$tFT%1$tT.%1$tLZ %4$s %5$s%6$s%n");
    }
    ServerConfig config = config(); // usage errors first, before the hook below exists
    if (!accessLog) {
      ACCESS.setLevel(Level.OFF);
    }
    // SIGTERM and Ctrl-C run shutdown hooks, after which the JVM would exit with 143. The hook
    // drains the server (if it got as far as starting) and halt(0) reports the clean stop.
    AtomicReference<InferenceServer> started = new AtomicReference<>();
    CountDownLatch never = new CountDownLatch(1);
    // A signal during startup waits for it to finish, so nothing accepted goes undrained.
    Object startup = new Object();
    Thread hook = new Thread(() -> {
      InferenceServer s;
      synchronized (startup) {
        s = started.get();
      }
      if (s != null) {
        // Straight to stderr: the logging system may already be closing down by now.
        System.err.println("bnn4j serve: shutting down, finishing accepted requests");
        s.shutdown();
        InferenceServer.RequestCounts n = s.requestCounts();
        System.err.println("bnn4j serve: stopped; inference requests answered " + n.answered()
            + ", failed " + n.failed());
      }
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(0);
    }, "bnn4j-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    synchronized (startup) {
      startServer(config, hook, started);
    }
    never.await();
    return 0;
  }

  private void startServer(ServerConfig config, Thread hook,
      AtomicReference<InferenceServer> started) throws IOException {
    try {
      Map<String, Model> loaded = new LinkedHashMap<>();
      if (models.isEmpty()) {
        loaded.put(BUNDLED_NAME, logged(BUNDLED_NAME, "bundled:" + ModelSource.DEFAULT_MODEL,
            ModelSource.open(null)));
      }
      for (Map.Entry<String, Path> e : models.entrySet()) {
        loaded.put(e.getKey(), logged(e.getKey(), e.getValue().toString(),
            Model.load(e.getValue())));
      }
      InferenceServer server;
      try {
        server = InferenceServer.start(loaded, config);
      } catch (IllegalArgumentException e) {
        throw usageError(e.getMessage());
      }
      started.set(server);
      LOG.info("REST (Open Inference Protocol v2) listening on http://"
          + hostPort(server.httpAddress()));
      if (server.grpcAddress() != null) {
        LOG.info("gRPC (inference.GRPCInferenceService) listening on "
            + hostPort(server.grpcAddress()));
      }
    } catch (IOException | RuntimeException e) {
      // Startup failed: the usual error line and exit code, not the hook's clean halt.
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // already stopping; the hook decides
      }
      throw e;
    }
  }

  private ServerConfig config() {
    try {
      return ServerConfig.defaults()
          .withHost(host)
          .withPorts(httpPort, grpcPort)
          .withWorkers(threads == null ? DEFAULTS.workers() : threads)
          .withBatching(maxBatch, Duration.ofNanos(Math.multiplyExact(batchWindowMicros, 1000L)))
          .withMaxQueue(maxQueue)
          .withRequestTimeout(Duration.ofMillis(timeoutMillis))
          .withMaxBodyBytes(maxBodyBytes)
          .withShutdownGrace(Duration.ofMillis(shutdownGraceMillis));
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw usageError(e.getMessage());
    }
  }

  private static Model logged(String name, String source, Model m) {
    StringBuilder ins = new StringBuilder();
    for (String in : m.inputNames()) {
      ins.append(ins.isEmpty() ? "" : ", ").append(in).append(Arrays.toString(m.inputShape(in)));
    }
    StringBuilder outs = new StringBuilder();
    for (String out : m.outputNames()) {
      outs.append(outs.isEmpty() ? "" : ", ").append(out)
          .append(Arrays.toString(m.outputShape(out)));
    }
    LOG.info("loaded model '" + name + "' from " + source + ": inputs " + ins + ", outputs "
        + outs);
    return m;
  }

  private static String hostPort(java.net.InetSocketAddress a) {
    String h = a.getAddress().getHostAddress();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }
}
