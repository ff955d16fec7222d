package org.bnn4j.server;

import static org.bnn4j.server.ServerTestSupport.expected;
import static org.bnn4j.server.ServerTestSupport.get;
import static org.bnn4j.server.ServerTestSupport.inferJson;
import static org.bnn4j.server.ServerTestSupport.outputData;
import static org.bnn4j.server.ServerTestSupport.post;
import static org.bnn4j.server.ServerTestSupport.postJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.logging.Level;
import org.bnn4j.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every REST endpoint against a server on a free loopback port, good and bad requests. */
class RestApiTest {
  private static final long MAX_BODY = 64 * 1024; // an MNIST request is about 10 KB of JSON
  private static Model model;
  private static InferenceServer server;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    InferenceServer.ACCESS.setLevel(Level.OFF); // the tests make thousands of requests
    model = ServerTestSupport.mnist();
    server = InferenceServer.start(Map.of("mnist", model), ServerConfig.defaults()
        .withPorts(0, -1).withWorkers(2).withBatching(4, Duration.ofMillis(1))
        .withMaxBodyBytes(MAX_BODY));
    client = ServerTestSupport.http();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.shutdown();
    }
  }

  @Test
  void healthAndMetadata() throws Exception {
    assertEquals(200, get(client, server, "/v2/health/live").statusCode());
    HttpResponse<String> ready = get(client, server, "/v2/health/ready");
    assertEquals(200, ready.statusCode());
    HttpResponse<String> meta = get(client, server, "/v2");
    assertEquals(200, meta.statusCode());
    assertTrue(meta.body().contains("\"name\":\"bnn4j\"") && meta.body().contains("extensions"),
        meta.body());
    for (String path : new String[] {"/v2/models/mnist", "/v2/models/mnist/versions/1"}) {
      HttpResponse<String> m = get(client, server, path);
      assertEquals(200, m.statusCode(), m.body());
      assertTrue(m.body().contains("{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,28,28]}"),
          m.body());
      assertTrue(m.body().contains("{\"name\":\"logits\",\"datatype\":\"FP32\",\"shape\":[1,10]}"),
          m.body());
    }
    assertEquals(200, get(client, server, "/v2/models/mnist/ready").statusCode());
    assertEquals(200, get(client, server, "/v2/models/mnist/versions/1/ready").statusCode());
    assertEquals(404, get(client, server, "/v2/models/mnist/versions/2/ready").statusCode());
    assertEquals(404, get(client, server, "/v2/models/nope").statusCode());
    assertEquals(404, get(client, server, "/v2/models/nope/ready").statusCode());
    assertEquals(404, get(client, server, "/v2/nothing").statusCode());
  }

  @Test
  void inferEqualsSessionRunBitForBit() throws Exception {
    Random r = new Random(15);
    for (int k = 0; k < 8; k++) {
      float[] x = ServerTestSupport.randomInput(r, 784);
      String path = k % 2 == 0 ? "/v2/models/mnist/infer" : "/v2/models/mnist/versions/1/infer";
      HttpResponse<String> res = postJson(client, server, path, inferJson(x, "req-" + k, "FP32",
          new int[] {1, 1, 28, 28}));
      assertEquals(200, res.statusCode(), res.body());
      assertTrue(res.body().contains("\"id\":\"req-" + k + "\""), res.body());
      assertTrue(res.body().contains("\"shape\":[1,10]"), res.body());
      assertArrayEquals(expected(model, x), outputData(res.body(), "logits"));
    }
  }

  @Test
  void nestedDataAndNamedOutputs() throws Exception {
    float[] x = ServerTestSupport.randomInput(new Random(7), 784);
    StringBuilder nested = new StringBuilder("[[");
    for (int row = 0; row < 28; row++) {
      nested.append(row == 0 ? "[" : ",[");
      for (int col = 0; col < 28; col++) {
        nested.append(col == 0 ? "" : ",").append(x[row * 28 + col]);
      }
      nested.append(']');
    }
    nested.append("]]");
    String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
        + "\"parameters\":{\"content_type\":\"np\"},\"data\":[" + nested + "]}],"
        + "\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":false}}],"
        + "\"parameters\":{\"binary_data_output\":false}}";
    HttpResponse<String> res = postJson(client, server, "/v2/models/mnist/infer", body);
    assertEquals(200, res.statusCode(), res.body());
    assertArrayEquals(expected(model, x), outputData(res.body(), "logits"));
    HttpResponse<String> unknown = postJson(client, server, "/v2/models/mnist/infer",
        body.replace("{\"name\":\"logits\"", "{\"name\":\"probs\""));
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("unknown output 'probs'"), unknown.body());
  }

  @Test
  void classifyExtensionReadsTheDigit() throws Exception {
    for (int digit : new int[] {0, 3, 7}) {
      byte[] png = Files.readAllBytes(ServerTestSupport.root()
          .resolve("examples/digit_" + digit + ".png"));
      HttpResponse<String> res = post(client, server, "/v2/models/mnist/classify?top=2",
          "image/png", HttpRequest.BodyPublishers.ofByteArray(png));
      assertEquals(200, res.statusCode(), res.body());
      assertTrue(res.body().contains("\"top\":[{\"label\":\"" + digit + "\",\"index\":" + digit),
          res.body());
    }
    HttpResponse<String> notImage = post(client, server, "/v2/models/mnist/classify",
        "image/png", HttpRequest.BodyPublishers.ofString("not an image"));
    assertEquals(400, notImage.statusCode(), notImage.body());
    HttpResponse<String> text = post(client, server, "/v2/models/mnist/classify",
        "text/plain", HttpRequest.BodyPublishers.ofString("x"));
    assertEquals(415, text.statusCode(), text.body());
  }

  @Test
  void badRequestsAreAnsweredAndTheServerStaysUp() throws Exception {
    float[] x = ServerTestSupport.randomInput(new Random(3), 784);
    String good = inferJson(x);
    String infer = "/v2/models/mnist/infer";
    assertStatus(400, postJson(client, server, infer, "{\"inputs\":[{\"name\":"), "malformed JSON");
    assertStatus(400, postJson(client, server, infer, "[1,2,3]"), "JSON object");
    assertStatus(400, postJson(client, server, infer, "{\"id\":\"x\"}"), "has no");
    assertStatus(400, postJson(client, server, infer,
        inferJson(x, null, "FP32", new int[] {1, 28, 28, 1})), "expected [1, 1, 28, 28]");
    assertStatus(400, postJson(client, server, infer,
        inferJson(x, null, "INT32", new int[] {1, 1, 28, 28})), "expected FP32");
    assertStatus(400, postJson(client, server, infer,
        inferJson(new float[783], null, "FP32", new int[] {1, 1, 28, 28})), "783 values");
    assertStatus(400, postJson(client, server, infer, good.replace("\"name\":\"input\"",
        "\"name\":\"image\"")), "unknown input 'image'");
    assertStatus(400, postJson(client, server, infer, good.replace("\"data\":[",
        "\"data\":[\"a\",")), "must hold numbers");
    assertStatus(400, postJson(client, server, infer, good.replace("{\"inputs\"",
        "{\"parameters\":{\"binary_data_output\":true},\"inputs\"")), "unsupported");
    assertStatus(400, postJson(client, server, infer, good + " {}"), "trailing");
    assertStatus(404, postJson(client, server, "/v2/models/nope/infer", good), "unknown model");
    assertStatus(400, post(client, server, infer, "application/json",
        HttpRequest.BodyPublishers.noBody()), "empty");
    assertStatus(415, post(client, server, infer, "text/plain",
        HttpRequest.BodyPublishers.ofString(good)), "content type");
    assertStatus(405, get(client, server, infer), "method GET");
    // Over the limit with a declared length, and chunked (no length) to be counted while read.
    String big = " ".repeat((int) MAX_BODY) + good;
    assertStatus(413, postJson(client, server, infer, big), "over the limit");
    assertStatus(413, post(client, server, infer, "application/json",
        HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(big.getBytes()))), "over the limit");

    HttpResponse<String> after = postJson(client, server, infer, good);
    assertEquals(200, after.statusCode(), after.body());
    assertArrayEquals(expected(model, x), outputData(after.body(), "logits"));
  }

  @Test
  void metricsCountRequestsPerModel() throws Exception {
    postJson(client, server, "/v2/models/mnist/infer", inferJson(new float[784]));
    HttpResponse<String> m = get(client, server, "/metrics");
    assertEquals(200, m.statusCode());
    assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = m.body();
    for (String family : new String[] {"bnn4j_requests_total{model=\"mnist\"} ",
        "bnn4j_request_failures_total{model=\"mnist\"} ", "bnn4j_queue_depth{model=\"mnist\"} ",
        "bnn4j_request_duration_seconds_bucket{model=\"mnist\",le=\"+Inf\"} ",
        "bnn4j_request_duration_seconds_count{model=\"mnist\"} "}) {
      assertTrue(text.contains(family), family + " missing in\n" + text);
    }
    long total = Long.parseLong(text.split("bnn4j_requests_total\\{model=\"mnist\"} ")[1]
        .split("\n")[0]);
    long count = Long.parseLong(text.split("bnn4j_request_duration_seconds_count\\{model="
        + "\"mnist\"} ")[1].split("\n")[0]);
    assertTrue(total >= 1, text);
    assertEquals(total, count, text);
  }

  private static void assertStatus(int status, HttpResponse<String> res, String fragment) {
    assertEquals(status, res.statusCode(), res.body());
    assertTrue(res.body().startsWith("{\"error\":"), res.body());
    assertTrue(res.body().contains(fragment), "'" + fragment + "' not in " + res.body());
  }
}
