package org.bnn4j.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;

/** Shared pieces of the server tests: the models, a JSON request writer, response readers. */
final class ServerTestSupport {
  private static final JsonFactory JSON = new JsonFactory();

  private ServerTestSupport() {}

  static Path root() {
    return Path.of(System.getProperty("bnn4j.root", ".."));
  }

  /** The MNIST model the CLI bundles: input "input" [1,1,28,28], output "logits" [1,10]. */
  static Model mnist() {
    return Model.load(root().resolve("tools/src/main/resources/models/mnist-ws.bnn"));
  }

  static float[] randomInput(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextFloat() * 4 - 2; // both signs, so the binarization has something to decide
    }
    return x;
  }

  private static boolean warmed;

  /**
   * Runs the engine until the JIT has compiled its kernels. Needed because the engine's vector
   * dense layer (VectorFloatDense) sums lanes with reduceLanes(ADD), whose order differs between
   * the interpreted fallback and the C2 intrinsic: the same input gives outputs a few ulps
   * apart before and after warm-up. Expected values taken after warm-up match the server's
   * (which is always warm by then) bit for bit.
   */
  static synchronized void warmEngine(Model m) {
    if (warmed) {
      return;
    }
    Random r = new Random(0);
    float[] x = randomInput(r, 784);
    try (Session s = m.newSession(SessionOptions.defaults().withThreads(1))) {
      for (int i = 0; i < 6000; i++) {
        s.run(Tensor.of(x, 1, 1, 28, 28));
      }
    }
    warmed = true;
  }

  /** What the engine itself answers for an MNIST input: the reference for every transport. */
  static float[] expected(Model m, float[] input) {
    warmEngine(m);
    try (Session s = m.newSession()) {
      return s.run(Tensor.of(input, 1, 1, 28, 28)).toFloatArray();
    }
  }

  /** A protocol inference request for MNIST; values written so they parse back bit-exactly. */
  static String inferJson(float[] input, String id, String datatype, int[] shape) {
    StringBuilder sb = new StringBuilder(input.length * 12);
    sb.append("{");
    if (id != null) {
      sb.append("\"id\":\"").append(id).append("\",");
    }
    sb.append("\"inputs\":[{\"name\":\"input\",\"shape\":").append(Arrays.toString(shape))
        .append(",\"datatype\":\"").append(datatype).append("\",\"data\":[");
    for (int i = 0; i < input.length; i++) {
      sb.append(i == 0 ? "" : ",").append(Float.toString(input[i]));
    }
    return sb.append("]}]}").toString();
  }

  static String inferJson(float[] input) {
    return inferJson(input, null, "FP32", new int[] {1, 1, 28, 28});
  }

  /** The "data" of the named output in an inference response. */
  static float[] outputData(String body, String output) throws IOException {
    try (JsonParser p = JSON.createParser(body)) {
      String name = null;
      while (p.nextToken() != null) {
        if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("name")) {
          p.nextToken();
          name = p.getText();
        } else if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("data")) {
          p.nextToken();
          List<Float> v = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            v.add(Float.parseFloat(p.getText()));
          }
          if (output.equals(name)) {
            float[] data = new float[v.size()];
            for (int i = 0; i < data.length; i++) {
              data[i] = v.get(i);
            }
            return data;
          }
        }
      }
      throw new AssertionError("no output '" + output + "' in " + body);
    }
  }

  static HttpClient http() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1).build();
  }

  static URI uri(InferenceServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.httpAddress().getPort() + path);
  }

  static HttpResponse<String> get(HttpClient c, InferenceServer s, String path)
      throws IOException, InterruptedException {
    return c.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(20)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(HttpClient c, InferenceServer s, String path, String type,
      HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(20))
        .POST(body);
    if (type != null) {
      b.header("Content-Type", type);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> postJson(HttpClient c, InferenceServer s, String path, String json)
      throws IOException, InterruptedException {
    return post(c, s, path, "application/json", HttpRequest.BodyPublishers.ofString(json));
  }

  static ManagedChannel channel(InferenceServer s) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", s.grpcAddress().getPort())
        .usePlaintext().build();
  }
}
