package org.bnn4j.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 64 threads share one {@link Model}: each opens its own sessions and runs random inputs, and
 * every result must be bit-identical to the single-threaded result for that input. Sessions
 * closed from another thread must refuse further runs with IllegalStateException, and no thread
 * may be left behind.
 */
class ConcurrencyTest {
  static final int THREADS = 64;
  static final int INPUTS = 16;
  static final int RUNS_PER_THREAD = 24;

  static Model model;
  static String inputName;
  static int[] shape;
  static Tensor[] inputs;
  static Tensor[] expected;

  @BeforeAll
  static void expectedOnOneThread() {
    model = Model.load(Fixtures.onnx("bireal_block"));
    inputName = model.inputNames().getFirst();
    shape = model.inputShape(inputName);
    Random rnd = new Random(42);
    inputs = new Tensor[INPUTS];
    expected = new Tensor[INPUTS];
    try (Session s = model.newSession()) {
      for (int i = 0; i < INPUTS; i++) {
        inputs[i] = Tensor.of(Fixtures.gaussian(rnd, Fixtures.elements(shape)), shape);
        expected[i] = s.run(inputs[i]);
      }
    }
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  private static int liveThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith("bnn4j-worker-")).count();
  }

  @Test
  void sharedModelGivesBitIdenticalResults() throws Exception {
    int before = liveThreads();
    AtomicLong runs = new AtomicLong();
    AtomicInteger mismatches = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      threads.add(Thread.ofPlatform().name("concurrency-" + t).start(() -> {
        try {
          Random rnd = new Random(id);
          start.await();
          // Two sessions in turn per thread: sessions come and go while others run.
          for (int s = 0; s < 2; s++) {
            // Sessions alternate between one thread and two (the default is one), so results
            // are checked across thread counts too.
            try (Session session = model.newSession(
                org.bnn4j.SessionOptions.defaults().withThreads(1 + (id + s) % 2))) {
              float[][] out = {new float[(int) expected[0].size()]};
              for (int r = 0; r < RUNS_PER_THREAD / 2; r++) {
                int i = rnd.nextInt(INPUTS);
                boolean same;
                if (r % 2 == 0) {
                  same = session.run(Map.of(inputName, inputs[i])).get(
                      model.outputNames().getFirst()).equals(expected[i]);
                } else {
                  session.run(new float[][] {inputs[i].toFloatArray()}, out);
                  same = Tensor.of(out[0], expected[i].shape()).equals(expected[i]);
                }
                runs.incrementAndGet();
                if (!same) {
                  mismatches.incrementAndGet();
                }
              }
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    System.out.println("[concurrency] " + THREADS + " threads, " + runs.get()
        + " inferences, " + mismatches.get() + " mismatches");
    assertTrue(errors.isEmpty(), () -> "thread failed: " + errors.peek());
    assertEquals(THREADS * RUNS_PER_THREAD, runs.get());
    assertEquals(0, mismatches.get());
    assertNoThreadLeak(before);
  }

  @Test
  void sessionClosedFromAnotherThreadRefusesToRun() throws Exception {
    int before = liveThreads();
    int pairs = 16;
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger mismatches = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < pairs; p++) {
      Session session = model.newSession();
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch closed = new CountDownLatch(1);
      int id = p;
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          Random rnd = new Random(id);
          // Runs race with close(): each either finishes with the right result or is refused.
          for (int r = 0; r < 10_000; r++) {
            int i = rnd.nextInt(INPUTS);
            try {
              if (!session.run(inputs[i]).equals(expected[i])) {
                mismatches.incrementAndGet();
              }
            } catch (IllegalStateException e) {
              refused.incrementAndGet();
              break;
            }
            running.countDown();
            if (closed.getCount() == 0 && r > 1_000) {
              break;
            }
          }
          closed.await();
          // After close() has returned (and happened-before), every call is refused.
          assertThrows(IllegalStateException.class, () -> session.run(inputs[0]));
          assertThrows(IllegalStateException.class,
              () -> session.run(new float[][] {inputs[0].toFloatArray()},
                  new float[][] {new float[(int) expected[0].size()]}));
          assertTrue(session.isClosed());
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          running.await();
          session.close();
          session.close(); // idempotent
          closed.countDown();
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    System.out.println("[concurrency] " + pairs + " sessions closed from another thread while"
        + " running; " + refused.get() + " in-flight runs refused, " + mismatches.get()
        + " mismatches");
    assertTrue(errors.isEmpty(), () -> "thread failed: " + errors.peek());
    assertEquals(0, mismatches.get());
    assertNoThreadLeak(before);
  }

  @Test
  void closedModelRefusesNewSessionsButOpenOnesKeepWorking() {
    Model m = Model.load(Fixtures.onnx("bireal_block"));
    Session s = m.newSession();
    m.close();
    assertThrows(IllegalStateException.class, m::newSession);
    assertEquals(expected[3], s.run(inputs[3]));
    s.close();
  }

  private static void assertNoThreadLeak(int before) throws InterruptedException {
    int after = liveThreads();
    for (int i = 0; i < 50 && after > before; i++) {
      Thread.sleep(20);
      after = liveThreads();
    }
    System.out.println("[concurrency] live threads before " + before + ", after " + after);
    assertTrue(after <= before, "live threads grew from " + before + " to " + after);
  }
}
