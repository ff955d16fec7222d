package org.bnn4j.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.IntraOpPool;
import org.bnn4j.InvalidInputException;
import org.bnn4j.KernelInfo;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;
import org.bnn4j.UnsupportedModelException;
import org.junit.jupiter.api.Test;

/**
 * What a server relies on: batches give each example's batch-1 result bit for bit, sessions on
 * an application pool give the same bits as one thread, closing the pool stops its threads, and
 * warm-up and the kernel report work.
 */
class ServerApiTest {
  private static final String FIXTURE = "bireal_block"; // layers big enough to split over threads

  /** Batch-1 outputs of {@code n} random examples, computed one by one on one thread. */
  private static float[][] oneByOne(Model m, float[][] examples) {
    String out = m.outputNames().getFirst();
    float[][] y = new float[examples.length][];
    try (Session s = m.newSession(SessionOptions.defaults().withThreads(1))) {
      for (int i = 0; i < examples.length; i++) {
        y[i] = s.run(Map.of(m.inputNames().getFirst(),
            Tensor.of(examples[i], m.inputShape(m.inputNames().getFirst())))).get(out)
            .toFloatArray();
      }
    }
    return y;
  }

  private static float[][] examples(Model m, int n) {
    int size = Fixtures.elements(m.inputShape(m.inputNames().getFirst()));
    Random rnd = new Random(7);
    float[][] x = new float[n][];
    for (int i = 0; i < n; i++) {
      x[i] = Fixtures.gaussian(rnd, size);
    }
    return x;
  }

  @Test
  void batchOfEightEqualsEightSingleRunsBitForBit() {
    try (Model m = Model.load(Fixtures.onnx(FIXTURE), ModelOptions.defaults().withMaxBatch(8))) {
      assertEquals(8, m.maxBatch());
      float[][] x = examples(m, 8);
      float[][] expected = oneByOne(m, x);
      int[] one = m.inputShape(m.inputNames().getFirst());
      List<Tensor> parts = new ArrayList<>();
      for (float[] e : x) {
        parts.add(Tensor.of(e, one));
      }
      Tensor batch = Tensor.concat(parts);
      assertEquals(8, batch.shape()[0]);
      for (int threads : new int[] {1, 2}) {
        try (Session s = m.newSession(SessionOptions.defaults().withThreads(threads))) {
          Tensor y = s.run(batch);
          int[] outOne = m.outputShape(m.outputNames().getFirst());
          assertEquals(8, y.shape()[0]);
          assertArrayEquals(Arrays.copyOfRange(outOne, 1, outOne.length),
              Arrays.copyOfRange(y.shape(), 1, outOne.length));
          float[] all = y.toFloatArray();
          int per = all.length / 8;
          for (int i = 0; i < 8; i++) {
            assertArrayEquals(expected[i], Arrays.copyOfRange(all, i * per, (i + 1) * per),
                "example " + i + ", " + threads + " thread(s)");
          }
          // The allocation-free path takes a batch too: three examples in one array.
          float[][] in = {new float[3 * x[0].length]};
          for (int i = 0; i < 3; i++) {
            System.arraycopy(x[i], 0, in[0], i * x[0].length, x[0].length);
          }
          float[][] out = {new float[3 * per]};
          s.run(in, out);
          for (int i = 0; i < 3; i++) {
            assertArrayEquals(expected[i], Arrays.copyOfRange(out[0], i * per, (i + 1) * per));
          }
          // Over the bound, or a batch that is not whole, is a typed rejection.
          int[] nine = one.clone();
          nine[0] = 9;
          InvalidInputException e = assertThrows(InvalidInputException.class,
              () -> s.run(Tensor.zeros(nine)));
          assertTrue(e.getMessage().contains("1 to 8"), e.getMessage());
          assertThrows(InvalidInputException.class,
              () -> s.run(new float[][] {new float[x[0].length + 1]}, new float[][] {out[0]}));
          assertThrows(InvalidInputException.class,
              () -> s.run(new float[][] {new float[2 * x[0].length]}, out)); // 2 in, 3 out
        }
      }
    }
  }

  @Test
  void withoutTheOptionABatchIsRefused() {
    try (Model m = Model.load(Fixtures.onnx(FIXTURE)); Session s = m.newSession()) {
      assertEquals(1, m.maxBatch());
      int[] two = m.inputShape(m.inputNames().getFirst());
      two[0] = 2;
      assertThrows(InvalidInputException.class, () -> s.run(Tensor.zeros(two)));
    }
  }

  @Test
  void aModelWithoutALeadingBatchDimCannotBatch() {
    // The two-input graph has inputs of shape [2]: no batch dim of 1 to grow.
    assertThrows(UnsupportedModelException.class,
        () -> ModelInternals.fromGraph(org.bnn4j.SessionTestAccess.twoInTwoOut(),
            ModelOptions.defaults().withMaxBatch(4)));
    assertThrows(IllegalArgumentException.class, () -> ModelOptions.defaults().withMaxBatch(0));
  }

  @Test
  void sessionsOnAnApplicationPoolGiveTheSameBits() throws Exception {
    try (Model m = Model.load(Fixtures.onnx(FIXTURE))) {
      assertEquals(1, SessionOptions.defaults().threads(), "the server default is one thread");
      float[][] x = examples(m, 4);
      float[][] expected = oneByOne(m, x);
      String in = m.inputNames().getFirst();
      int[] shape = m.inputShape(in);
      IntraOpPool pool = IntraOpPool.create(2);
      assertEquals(2, pool.threads());
      SessionOptions options = SessionOptions.defaults().withPool(pool);
      assertEquals(2, options.threads());
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 4; t++) {
        threads.add(Thread.ofPlatform().start(() -> {
          try (Session s = m.newSession(options)) {
            for (int r = 0; r < 20; r++) {
              int i = r % x.length;
              assertArrayEquals(expected[i], s.run(Tensor.of(x[i], shape)).toFloatArray());
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertTrue(failures.isEmpty(), () -> "failed: " + failures.getFirst());
      String prefix = workerPrefix(pool);
      assertTrue(liveWorkers(prefix) > 0, "the pool started no worker");
      // Closing stops the workers; a session still using the pool keeps working alone.
      try (Session s = m.newSession(options)) {
        pool.close();
        assertTrue(pool.isClosed());
        assertArrayEquals(expected[0], s.run(Tensor.of(x[0], shape)).toFloatArray());
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (liveWorkers(prefix) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(0, liveWorkers(prefix), "workers still alive after close()");
    }
  }

  /** The name prefix of this pool's workers: the newest pool number among live workers. */
  private static String workerPrefix(IntraOpPool pool) {
    int newest = -1;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      java.util.regex.Matcher mt = java.util.regex.Pattern.compile("bnn4j-worker-p(\\d+)-\\d+")
          .matcher(t.getName());
      if (mt.matches()) {
        newest = Math.max(newest, Integer.parseInt(mt.group(1)));
      }
    }
    return "bnn4j-worker-p" + newest + "-";
  }

  private static long liveWorkers(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
  }

  @Test
  void warmUpRunsAndKernelsAreReported() {
    try (Model m = Model.load(Fixtures.onnx(FIXTURE), ModelOptions.defaults().withWarmup(3)
        .withRequireVectorKernels(org.bnn4j.kernels.Kernels.vectorized()))) {
      m.warmUp(2);
      assertThrows(IllegalArgumentException.class, () -> m.warmUp(-1));
      KernelInfo k = m.kernels();
      assertEquals(org.bnn4j.kernels.Kernels.vectorized(), k.vector());
      if (k.vector()) {
        assertTrue(k.vectorBitSize() >= 128, k.toString());
        assertEquals(null, k.fallbackReason());
        k.requireVector();
      } else {
        assertEquals(0, k.vectorBitSize());
        assertThrows(org.bnn4j.KernelUnavailableException.class, k::requireVector);
      }
    }
  }
}
