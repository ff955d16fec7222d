package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnn4j.server.grpc.GRPCInferenceServiceGrpc;
import org.bnn4j.server.grpc.InferTensorContents;
import org.bnn4j.server.grpc.ModelInferRequest;
import org.bnn4j.server.grpc.ModelInferResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bnn4j serve} as users run it: a child JVM on free loopback ports, put under REST and
 * gRPC load, then sent SIGTERM. Every request the server accepted must reach its client
 * answered, and the process must exit 0.
 */
class ServeCommandTest {
  private static final Pattern REST = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern GRPC = Pattern.compile("GRPCInferenceService\\) listening on"
      + " 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern STOPPED = Pattern.compile("stopped; inference requests answered"
      + " (\\d+), failed (\\d+)");

  @Test
  void sigtermDuringLoadFinishesEveryAcceptedRequest(@TempDir Path tmp) throws Exception {
    Path stderr = tmp.resolve("serve-stderr.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    Process server = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED", "-cp", cp, Bnn4jCli.class.getName(), "serve",
        "--http-port", "0", "--grpc-port", "0", "--no-access-log", "--threads", "2")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(stderr.toFile()).start();
    try {
      int restPort = awaitPort(stderr, REST, server);
      int grpcPort = awaitPort(stderr, GRPC, server);

      AtomicLong ok = new AtomicLong();
      AtomicLong refused = new AtomicLong(); // 503 / UNAVAILABLE: shutting down, not accepted
      AtomicInteger notConnected = new AtomicInteger();
      ConcurrentHashMap<String, Integer> unexpected = new ConcurrentHashMap<>();
      ConcurrentHashMap<String, Integer> transportErrors = new ConcurrentHashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort)
          .usePlaintext().build();
      String json = restBody();
      ModelInferRequest grpcRequest = grpcRequest();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 12; t++) {
        boolean rest = t % 2 == 0;
        clients.add(Thread.ofPlatform().start(() -> {
          int failuresInARow = 0;
          for (int n = 0; n < 50_000 && failuresInARow < 3 && System.nanoTime() < deadline;
              n++) {
            try {
              if (rest) {
                HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + restPort + "/v2/models/mnist/infer"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() == 200 && res.body().contains("\"shape\":[1,10]")) {
                  ok.incrementAndGet();
                } else if (res.statusCode() == 503) {
                  refused.incrementAndGet();
                } else {
                  unexpected.merge("http " + res.statusCode() + " " + res.body(), 1, Integer::sum);
                }
              } else {
                ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(grpcRequest);
                if (r.getOutputs(0).getContents().getFp32ContentsCount() == 10) {
                  ok.incrementAndGet();
                } else {
                  unexpected.merge("grpc answer " + r, 1, Integer::sum);
                }
              }
              failuresInARow = 0;
            } catch (StatusRuntimeException e) {
              if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                refused.incrementAndGet();
                failuresInARow++;
              } else {
                unexpected.merge("grpc " + e.getStatus(), 1, Integer::sum);
              }
            } catch (java.io.IOException e) {
              // Connection refused, or closed before an answer came: nothing reached the client.
              notConnected.incrementAndGet();
              transportErrors.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1,
                  Integer::sum);
              failuresInARow++;
            } catch (InterruptedException e) {
              return;
            }
          }
        }));
      }
      for (int i = 0; i < 600 && ok.get() < 400 && server.isAlive(); i++) {
        Thread.sleep(50);
      }
      assertTrue(ok.get() >= 1, "no request succeeded before SIGTERM; log: "
          + Files.readAllLines(stderr));
      server.destroy(); // SIGTERM
      assertTrue(server.waitFor(60, TimeUnit.SECONDS), "server did not stop; log: "
          + Files.readAllLines(stderr));
      for (Thread c : clients) {
        c.join(TimeUnit.SECONDS.toMillis(60));
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      List<String> log = Files.readAllLines(stderr);

      assertEquals(0, server.exitValue(), "exit code; log: " + log);
      assertTrue(unexpected.isEmpty(), "unexpected answers: " + unexpected);
      Matcher stopped = null;
      for (String line : log) {
        Matcher m = STOPPED.matcher(line);
        if (m.find()) {
          stopped = m;
        }
      }
      assertNotNull(stopped, "no stop summary in the log: "
          + log.subList(Math.max(0, log.size() - 20), log.size()));
      // Every request the server counts as answered reached a client as a success. Every request
      // it counts as failed was, on the client's side, a refusal while stopping (503 or
      // UNAVAILABLE) or a connection the listener closed while stopping before the answer could
      // be written: the server counts that one failed, not answered.
      assertEquals(ok.get(), Long.parseLong(stopped.group(1)), "answered; client transport errors "
          + transportErrors + "; log: " + log);
      assertTrue(Long.parseLong(stopped.group(2)) <= refused.get() + notConnected.get(),
          "failed; refused " + refused + ", not connected " + notConnected + "; log: " + log);
      System.out.println("serve under SIGTERM: " + ok.get() + " answered, " + refused.get()
          + " refused while stopping, " + notConnected.get() + " not connected; exit 0");
    } finally {
      server.destroyForcibly();
    }
  }

  @Test
  void badFlagsAreUsageErrorsAndAMissingModelIsAnError() {
    OnnxBackendCasesTest.Cli batch = OnnxBackendCasesTest.cli("serve", "--max-batch", "0");
    assertEquals(2, batch.code(), batch.err());
    assertTrue(batch.err().contains("max batch must be 1..4096, found 0"), batch.err());
    OnnxBackendCasesTest.Cli port = OnnxBackendCasesTest.cli("serve", "--http-port", "70000");
    assertEquals(2, port.code(), port.err());
    // The model is loaded before anything listens; its failure is the usual one error line.
    OnnxBackendCasesTest.Cli missing = OnnxBackendCasesTest.cli("serve", "--model",
        "m=/nonexistent/model.bnn", "--http-port", "0", "--grpc-port", "0");
    CliExitCodesTest.assertOneErrorLine(missing, "/nonexistent/model.bnn");
  }

  private static int awaitPort(Path stderr, Pattern p, Process server)
      throws InterruptedException, java.io.IOException {
    for (int i = 0; i < 1200; i++) {
      for (String line : Files.readAllLines(stderr)) {
        Matcher m = p.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      if (!server.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("server did not report its port; log: "
        + Files.readAllLines(stderr));
  }

  private static String restBody() {
    StringBuilder sb = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],"
        + "\"datatype\":\"FP32\",\"data\":[");
    for (int i = 0; i < 784; i++) {
      sb.append(i == 0 ? "" : ",").append((i * 37 % 101) / 50f - 1f);
    }
    return sb.append("]}]}").toString();
  }

  private static ModelInferRequest grpcRequest() {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (int i = 0; i < 784; i++) {
      c.addFp32Contents((i * 53 % 97) / 48f - 1f);
    }
    return ModelInferRequest.newBuilder().setModelName("mnist")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(1).addShape(28).addShape(28)
            .setContents(c)).build();
  }
}
