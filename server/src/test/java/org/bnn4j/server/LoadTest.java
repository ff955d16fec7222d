package org.bnn4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.bnn4j.Model;
import org.bnn4j.server.grpc.GRPCInferenceServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bounded load test on 127.0.0.1: a fixed number of requests ({@code -Dbnn4j.load.requests},
 * 3,000 in CI; 20,000 for the figures in the README) at 32 in flight, for REST and for gRPC.
 * Every answer is checked against the engine's own; it reports throughput, p50 and p99, and the
 * heap after GC before and after the run, which must not grow.
 */
class LoadTest {
  private static final int IN_FLIGHT = 32;
  private static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(240);
  private static final int REQUESTS = Integer.getInteger("bnn4j.load.requests", 3000);
  private static final int WARMUP = Math.min(2000, Math.max(200, REQUESTS / 5));

  private static Model model;
  private static InferenceServer server;
  private static float[][] inputs;
  private static float[][] expected;

  @BeforeAll
  static void start() throws Exception {
    InferenceServer.ACCESS.setLevel(Level.OFF); // the tests make thousands of requests
    model = ServerTestSupport.mnist();
    server = InferenceServer.start(Map.of("mnist", model),
        ServerConfig.defaults().withPorts(0, 0));
    Random r = new Random(2026);
    inputs = new float[16][];
    expected = new float[16][];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = ServerTestSupport.randomInput(r, 784);
      expected[i] = ServerTestSupport.expected(model, inputs[i]);
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.shutdown();
    }
  }

  /** One request: true when the answer equals the engine's for input {@code i}. */
  @FunctionalInterface
  interface Request {
    boolean send(int i) throws Exception;
  }

  @Test
  void rest() throws Exception {
    HttpClient client = ServerTestSupport.http();
    String[] bodies = new String[inputs.length];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = ServerTestSupport.inferJson(inputs[i]);
    }
    run("REST", i -> {
      HttpResponse<String> res = ServerTestSupport.postJson(client, server,
          "/v2/models/mnist/infer", bodies[i]);
      return res.statusCode() == 200
          && Arrays.equals(expected[i], ServerTestSupport.outputData(res.body(), "logits"));
    });
  }

  @Test
  void grpc() throws Exception {
    ManagedChannel channel = ServerTestSupport.channel(server);
    try {
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      var requests = new org.bnn4j.server.grpc.ModelInferRequest[inputs.length];
      for (int i = 0; i < requests.length; i++) {
        requests[i] = GrpcApiTest.rawRequest(inputs[i]);
      }
      run("gRPC", i -> Arrays.equals(expected[i], GrpcApiTest.raw(
          stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(requests[i]))));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void run(String protocol, Request request) throws Exception {
    phase(request, WARMUP, new long[WARMUP]); // JIT, connections, sessions
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = heapAfterGc(memory);
    long[] latencies = new long[REQUESTS];
    long t0 = System.nanoTime();
    int failed = phase(request, REQUESTS, latencies);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long heapAfter = heapAfterGc(memory);
    Arrays.sort(latencies);
    String line = String.format(Locale.ROOT, "%s load: %d requests, %d in flight on 127.0.0.1:"
        + " %.0f req/s, p50 %.3f ms, p99 %.3f ms, %d failed; heap after GC %.1f MB before,"
        + " %.1f MB after (%s, %d cores, shared machine)", protocol, REQUESTS, IN_FLIGHT,
        REQUESTS / seconds, latencies[REQUESTS / 2] / 1e6, latencies[REQUESTS * 99 / 100] / 1e6,
        failed, heapBefore / 1e6, heapAfter / 1e6, System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors());
    System.out.println(line);
    Path report = Path.of("target", "load-test.txt");
    Files.createDirectories(report.getParent());
    Files.writeString(report, line + System.lineSeparator(), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    assertEquals(0, failed, line);
    // Steady: the heap after GC does not grow with the request count (no per-request leak).
    assertTrue(heapAfter - heapBefore < 48L << 20, line);
  }

  /** Sends {@code count} requests from IN_FLIGHT threads; returns how many failed. */
  private static int phase(Request request, int count, long[] latencies) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> firstError =
        new java.util.concurrent.atomic.AtomicReference<>();
    long deadline = System.nanoTime() + TIME_LIMIT_NANOS;
    Thread[] threads = new Thread[IN_FLIGHT];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = Thread.ofPlatform().name("load-" + t).start(() -> {
        int n;
        while ((n = next.getAndIncrement()) < count) {
          if (System.nanoTime() > deadline) {
            failed.incrementAndGet(); // out of time: counted, never silently skipped
            continue;
          }
          long s = System.nanoTime();
          boolean ok;
          try {
            ok = request.send(n % inputs.length);
          } catch (Exception e) {
            ok = false;
            if (firstError.compareAndSet(null, e.toString())) {
              System.out.println("first failed request: " + e);
            }
          }
          latencies[n] = System.nanoTime() - s;
          if (!ok) {
            failed.incrementAndGet();
          }
        }
      });
    }
    for (Thread t : threads) {
      t.join(TimeUnit.NANOSECONDS.toMillis(TIME_LIMIT_NANOS) + 60_000);
    }
    return failed.get();
  }

  private static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
