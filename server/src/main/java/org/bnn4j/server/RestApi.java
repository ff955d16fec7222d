package org.bnn4j.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bnn4j.Bnn4jException;
import org.bnn4j.Prediction;

/**
 * The protocol's HTTP/REST endpoints on the JDK's HTTP server, one virtual thread per exchange
 * (a handler blocks while its request waits in the model's queue), plus {@code /metrics} and the
 * {@code classify} extension.
 */
final class RestApi {
  private static final Logger LOG = Logger.getLogger("org.bnn4j.server");

  private final InferenceServer server;
  private final ServerConfig config;
  private final HttpServer http;
  private final ExecutorService executor;

  RestApi(InferenceServer server, ServerConfig config) throws IOException {
    this.server = server;
    this.config = config;
    this.http = HttpServer.create(new InetSocketAddress(config.host(), config.httpPort()), 256);
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    http.start();
  }

  InetSocketAddress address() {
    return http.getAddress();
  }

  /** Closes the listener, waits for in-flight exchanges until {@code deadline}, then closes. */
  void stop(long deadline) {
    long left = deadline - System.nanoTime();
    http.stop((int) Math.max(0, Math.min(Integer.MAX_VALUE,
        TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L))));
    executor.shutdown();
  }

  /** The status recorded for a request whose answer could not be written. */
  private static final int NOT_DELIVERED = 0;

  private void handle(HttpExchange ex) {
    long start = System.nanoTime();
    String path = ex.getRequestURI().getRawPath();
    int status;
    try {
      status = route(ex, path, start);
    } catch (ServeException e) {
      status = e.kind().httpStatus;
      send(ex, status, RestJson.error(e.getMessage()), e.kind() == ServeException.Kind.TOO_LARGE);
    } catch (IOException e) {
      status = NOT_DELIVERED; // the client went away; nothing to answer
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "internal error on " + path, e);
      status = 500;
      send(ex, status, RestJson.error("internal error: " + e), false);
    } finally {
      ex.close();
    }
    InferenceServer.access("http", String.valueOf(ex.getRemoteAddress()),
        ex.getRequestMethod() + " " + path, status, start);
  }

  private int route(HttpExchange ex, String path, long start) throws IOException {
    String method = ex.getRequestMethod();
    if (path.equals("/metrics")) {
      requireMethod(method, "GET");
      return sendText(ex, server.metricsText());
    }
    if (path.equals("/v2") || path.equals("/v2/")) {
      requireMethod(method, "GET");
      return send(ex, 200, RestJson.write(g -> {
        g.writeStartObject();
        g.writeStringField("name", InferenceServer.SERVER_NAME);
        g.writeStringField("version", version());
        g.writeArrayFieldStart("extensions");
        for (String e : InferenceServer.EXTENSIONS) {
          g.writeString(e);
        }
        g.writeEndArray();
        g.writeEndObject();
      }), false);
    }
    if (path.equals("/v2/health/live")) {
      requireMethod(method, "GET");
      return send(ex, 200, "{\"live\":true}".getBytes(StandardCharsets.UTF_8), false);
    }
    if (path.equals("/v2/health/ready")) {
      requireMethod(method, "GET");
      boolean ready = server.ready();
      return send(ex, ready ? 200 : 503, ("{\"ready\":" + ready + "}")
          .getBytes(StandardCharsets.UTF_8), false);
    }
    if (path.startsWith("/v2/models/")) {
      return modelRoute(ex, method, path.substring("/v2/models/".length()).split("/", -1),
          start);
    }
    throw new ServeException(ServeException.Kind.NOT_FOUND, "no endpoint " + path);
  }

  /** {@code {name}[/versions/{v}][/ready|/infer|/classify]}. */
  private int modelRoute(HttpExchange ex, String method, String[] parts, long start)
      throws IOException {
    String name = parts[0];
    String version = null;
    int next = 1;
    if (parts.length >= 3 && parts[1].equals("versions")) {
      version = parts[2];
      next = 3;
    }
    String action = parts.length == next ? "" : parts.length == next + 1 ? parts[next] : null;
    if (action == null || name.isEmpty()) {
      throw new ServeException(ServeException.Kind.NOT_FOUND, "no endpoint "
          + ex.getRequestURI().getRawPath());
    }
    ServedModel m = server.model(name, version);
    switch (action) {
      case "" -> {
        requireMethod(method, "GET");
        return send(ex, 200, RestJson.modelMetadata(m), false);
      }
      case "ready" -> {
        requireMethod(method, "GET");
        boolean ready = server.ready() && m.ready();
        return send(ex, ready ? 200 : 503, RestJson.write(g -> {
          g.writeStartObject();
          g.writeStringField("name", m.name);
          g.writeBooleanField("ready", ready);
          g.writeEndObject();
        }), false);
      }
      case "infer" -> {
        requireMethod(method, "POST");
        return measured(m, start, () -> infer(ex, m, start));
      }
      case "classify" -> {
        requireMethod(method, "POST");
        return measured(m, start, () -> classify(ex, m, start));
      }
      default -> throw new ServeException(ServeException.Kind.NOT_FOUND, "no endpoint "
          + ex.getRequestURI().getRawPath());
    }
  }

  @FunctionalInterface
  private interface Call {
    int run() throws IOException;
  }

  /** Runs an inference call, recording its latency and outcome in the model's metrics. */
  private static int measured(ServedModel m, long start, Call call) throws IOException {
    boolean failed = true;
    try {
      int status = call.run();
      failed = status != 200;
      return status;
    } finally {
      m.metrics.record(System.nanoTime() - start, failed);
    }
  }

  private int infer(HttpExchange ex, ServedModel m, long start) throws IOException {
    requireContentType(ex, "application/json");
    RestJson.InferRequest req = RestJson.parseInfer(readBody(ex));
    int[] outs = InferenceServer.selectOutputs(m, req.outputs());
    float[][] outputs = m.infer(m.orderInputs(req.inputs()), server.deadline(start));
    return send(ex, 200, RestJson.inferResponse(m, req.id(), outs, outputs), false);
  }

  private int classify(HttpExchange ex, ServedModel m, long start) throws IOException {
    String type = mediaType(ex);
    if (type != null && !type.startsWith("image/") && !type.equals("application/octet-stream")) {
      throw new ServeException(ServeException.Kind.UNSUPPORTED_MEDIA_TYPE, "content type "
          + type + " is not an image; send the image bytes as image/png, image/jpeg, image/bmp,"
          + " image/gif or application/octet-stream");
    }
    int top = topParameter(ex.getRequestURI().getRawQuery());
    if (m.inputNames.size() != 1 || m.outputNames.size() != 1
        || m.outputShape(0).length != 2 || m.outputShape(0)[0] != 1) {
      throw ServeException.badRequest("classify needs a model with one image input and one"
          + " output of shape [1, classes]; model '" + m.name + "' has inputs "
          + m.describeInputs() + " and outputs " + m.outputNames);
    }
    byte[] image = readBody(ex);
    float[] pixels;
    try {
      pixels = EngineAdapter.imageInput(m.model, m.inputNames.get(0), image,
          config.maxBodyBytes());
    } catch (Bnn4jException e) {
      throw ServeException.badRequest(RestJson.oneLine(e.getMessage()));
    }
    float[][] outputs = m.infer(new float[][] {pixels}, server.deadline(start));
    List<Prediction> best = EngineAdapter.topK(m.model, outputs[0], top);
    return send(ex, 200, RestJson.write(g -> {
      g.writeStartObject();
      g.writeStringField("model_name", m.name);
      g.writeStringField("model_version", InferenceServer.MODEL_VERSION);
      g.writeArrayFieldStart("top");
      for (Prediction s : best) {
        g.writeStartObject();
        g.writeStringField("label", s.label());
        g.writeNumberField("index", s.index());
        g.writeNumberField("score", s.score());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }), false);
  }

  private static int topParameter(String query) {
    if (query == null) {
      return 3;
    }
    for (String kv : query.split("&")) {
      if (kv.startsWith("top=")) {
        try {
          int k = Integer.parseInt(kv.substring(4));
          if (k >= 1 && k <= 1000) {
            return k;
          }
        } catch (NumberFormatException e) {
          // answered below
        }
        throw ServeException.badRequest("top must be an integer 1..1000, found '"
            + kv.substring(4) + "'");
      }
    }
    return 3;
  }

  /**
   * The request body, refused with 413 before reading when its declared length is over the
   * limit, and read at most one byte past the limit when it is chunked.
   */
  private byte[] readBody(HttpExchange ex) throws IOException {
    long max = config.maxBodyBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      if (declared != null) {
        long n;
        try {
          n = Long.parseLong(declared.strip());
        } catch (NumberFormatException e) {
          throw ServeException.badRequest("bad Content-Length '" + declared + "'");
        }
        if (n > max) {
          throw tooLarge(n + " bytes");
        }
        body = in.readNBytes((int) Math.max(0, n));
        if (body.length != n) {
          throw ServeException.badRequest("body ended after " + body.length + " of " + n
              + " bytes");
        }
      } else {
        body = in.readNBytes((int) max + 1);
        if (body.length > max) {
          throw tooLarge("more than " + max + " bytes");
        }
      }
    }
    if (body.length == 0) {
      throw ServeException.badRequest("the request body is empty");
    }
    return body;
  }

  private ServeException tooLarge(String size) {
    return new ServeException(ServeException.Kind.TOO_LARGE, "request body is " + size
        + ", over the limit of " + config.maxBodyBytes() + " bytes");
  }

  private static String mediaType(HttpExchange ex) {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null) {
      return null;
    }
    int semi = type.indexOf(';');
    return (semi < 0 ? type : type.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
  }

  private static void requireContentType(HttpExchange ex, String wanted) {
    String type = mediaType(ex);
    if (type != null && !type.equals(wanted)) {
      throw new ServeException(ServeException.Kind.UNSUPPORTED_MEDIA_TYPE, "content type "
          + type + " is not supported here; send " + wanted);
    }
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw new ServeException(ServeException.Kind.METHOD_NOT_ALLOWED, "method " + method
          + " is not allowed here; use " + allowed);
    }
  }

  private static String version() {
    String v = RestApi.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  private static int sendText(HttpExchange ex, String text) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
    return 200;
  }

  private static int send(HttpExchange ex, int status, byte[] json, boolean closeConnection) {
    try {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      if (closeConnection) {
        // The unread body would otherwise be taken for the next request on this connection.
        ex.getResponseHeaders().set("Connection", "close");
      }
      ex.sendResponseHeaders(status, json.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(json);
      }
    } catch (IOException e) {
      // The connection closed before the answer was written (the client went away, or the
      // listener closed it while stopping). Reporting the status anyway would count an answer
      // nobody received; 0 is the access log's "not delivered" and counts as failed.
      return NOT_DELIVERED;
    }
    return status;
  }
}
