package org.bnn4j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bnn4j.Model;
import org.junit.jupiter.api.Test;

/** The queue behind every protocol: limits, deadlines, batching and draining. */
class ServedModelTest {
  private static final Model MODEL = ServerTestSupport.mnist();

  @Test
  void aFullQueueRefusesAndAnExpiredRequestFails() throws Exception {
    ServerConfig config = ServerConfig.defaults().withWorkers(1).withMaxQueue(1)
        .withRequestTimeout(Duration.ofMillis(300));
    ServedModel m = new ServedModel("mnist", MODEL, config, false); // nothing drains the queue
    float[][] in = {new float[784]};
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      long t0 = System.nanoTime();
      Future<ServeException> first = pool.submit(() -> assertThrows(ServeException.class,
          () -> m.infer(in, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300))));
      for (int i = 0; i < 500 && m.queueDepth() == 0; i++) {
        Thread.sleep(2);
      }
      assertEquals(1, m.queueDepth());
      ServeException full = assertThrows(ServeException.class,
          () -> m.infer(in, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
      assertEquals(ServeException.Kind.QUEUE_FULL, full.kind());
      assertEquals(503, full.kind().httpStatus);
      ServeException late = first.get(10, TimeUnit.SECONDS);
      assertEquals(ServeException.Kind.DEADLINE, late.kind());
      assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(290));
    } finally {
      pool.shutdownNow();
      m.awaitDrained(System.nanoTime());
    }
  }

  @Test
  void groupedRequestsEachGetTheirOwnAnswer() throws Exception {
    ServerConfig config = ServerConfig.defaults().withWorkers(1)
        .withBatching(8, Duration.ofMillis(2));
    ServedModel m = new ServedModel("mnist", MODEL, config);
    Random r = new Random(42);
    List<float[]> inputs = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      inputs.add(ServerTestSupport.randomInput(r, 784));
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<float[]>> answers = new ArrayList<>();
      for (float[] x : inputs) {
        answers.add(pool.submit(() -> m.infer(new float[][] {x},
            System.nanoTime() + TimeUnit.SECONDS.toNanos(30))[0]));
      }
      for (int i = 0; i < inputs.size(); i++) {
        assertArrayEquals(ServerTestSupport.expected(MODEL, inputs.get(i)),
            answers.get(i).get(60, TimeUnit.SECONDS), "request " + i);
      }
    } finally {
      pool.shutdownNow();
      m.awaitDrained(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    }
    ServeException after = assertThrows(ServeException.class,
        () -> m.infer(new float[][] {new float[784]}, System.nanoTime() + 1_000_000_000L));
    assertEquals(ServeException.Kind.UNAVAILABLE, after.kind());
  }

  @Test
  void inputsAreCheckedAgainstTheModel() {
    ServedModel m = new ServedModel("mnist", MODEL, ServerConfig.defaults().withWorkers(1),
        false);
    float[] x = new float[784];
    ServedModel.InputTensor ok = new ServedModel.InputTensor("input", "FP32",
        new long[] {1, 1, 28, 28}, x);
    assertEquals(1, m.orderInputs(List.of(ok)).length);
    assertThrows(ServeException.class, () -> m.orderInputs(List.of()));
    assertThrows(ServeException.class, () -> m.orderInputs(List.of(ok, ok)));
    ServeException shape = assertThrows(ServeException.class, () -> m.orderInputs(List.of(
        new ServedModel.InputTensor("input", "FP32", new long[] {784}, x))));
    assertEquals("input 'input' has shape [784], expected [1, 1, 28, 28]", shape.getMessage());
    m.awaitDrained(System.nanoTime());
  }
}
