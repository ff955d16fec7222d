package org.bnn4j.robustness;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.Random;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Memory soak: the zero-allocation run API allocates nothing per inference in steady state
 * (on one thread, the default; on two workers; on an application pool; with a batch), a long
 * run does not grow the heap, and loading and closing many models does not either.
 */
class MemorySoakTest {
  static final int WARMUP = 20_000;
  static final int INFERENCES = 100_000;
  static final long HEAP_GROWTH_BOUND = 8L << 20;

  private static long heapUsedAfterGc() throws InterruptedException {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return best;
  }

  @Test
  void steadyStateInferenceAllocatesNothing() throws InterruptedException {
    soak("sign_conv_c1", 0, WARMUP, INFERENCES);
  }

  /** Layers big enough to be split over two workers: the hand-off must not allocate either. */
  @Test
  void steadyStateInferenceOnTwoWorkersAllocatesNothing() throws InterruptedException {
    soak("bireal_resnet", 2, 4_000, 10_000);
  }

  /** On an application's pool of two: nothing per inference either. */
  @Test
  void steadyStateInferenceOnAnApplicationPoolAllocatesNothing() throws InterruptedException {
    try (org.bnn4j.IntraOpPool pool = org.bnn4j.IntraOpPool.create(2)) {
      soak("bireal_resnet", SessionOptions.defaults().withPool(pool), 1, 4_000, 6_000);
    }
  }

  /** Batches of four through the batch-1 plan: nothing per inference. */
  @Test
  void steadyStateBatchesAllocateNothing() throws InterruptedException {
    soak("sign_conv_c1", SessionOptions.defaults(), 4, 10_000, 25_000);
  }

  private static void soak(String fixture, int threadCount, int warmup, int inferences)
      throws InterruptedException {
    soak(fixture, threadCount == 0 ? SessionOptions.defaults()
        : SessionOptions.defaults().withThreads(threadCount), 1, warmup, inferences);
  }

  /** Runs batches of {@code batch} examples; threads 0 above: the session's default (one). */
  private static void soak(String fixture, SessionOptions options, int batch, int warmup,
      int inferences) throws InterruptedException {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    int threadCount = options.threads();
    try (Model model = Model.load(Fixtures.onnx(fixture),
            org.bnn4j.ModelOptions.defaults().withMaxBatch(batch));
        Session session = model.newSession(options)) {
      String in = model.inputNames().getFirst();
      String out = model.outputNames().getFirst();
      int n = batch * Fixtures.elements(model.inputShape(in));
      float[][] inputs = {Fixtures.gaussian(new Random(1), n)};
      float[][] outputs = {new float[batch * Fixtures.elements(model.outputShape(out))]};
      for (int i = 0; i < warmup; i++) {
        inputs[0][i % inputs[0].length] = -inputs[0][i % inputs[0].length];
        session.run(inputs, outputs);
      }
      long heapBefore = heapUsedAfterGc();
      long a0 = threads.getThreadAllocatedBytes(tid);
      long t0 = System.nanoTime();
      for (int i = 0; i < inferences; i++) {
        inputs[0][i % inputs[0].length] = -inputs[0][i % inputs[0].length];
        session.run(inputs, outputs);
      }
      long ns = System.nanoTime() - t0;
      long allocated = threads.getThreadAllocatedBytes(tid) - a0;
      long heapAfter = heapUsedAfterGc();
      double perOp = (double) allocated / inferences;
      String kernels = Kernels.vectorized() ? "vector" : "scalar";
      System.out.printf("[soak] %s, %s kernels, threads %s: %d inferences in %.1f s (%.1f us"
          + " each): %d bytes allocated (%.3f bytes/inference); heap after GC %d KiB before,"
          + " %d KiB after%n", fixture + (batch > 1 ? " (batch " + batch + ")" : "")
          + (options.pool() != null ? " on " + options.pool() : ""), kernels, threadCount,
          inferences, ns / 1e9, ns / 1e3 / inferences, allocated, perOp, heapBefore >> 10,
          heapAfter >> 10);
      assertTrue(perOp < 1.0, fixture + ": run(float[][], float[][]) allocates " + perOp
          + " bytes per inference with " + kernels + " kernels");
      assertTrue(heapAfter - heapBefore < HEAP_GROWTH_BOUND, "heap grew by "
          + (heapAfter - heapBefore) + " bytes over " + inferences + " inferences");
    }
  }

  @Test
  void loadingAndClosingManyModelsDoesNotGrowTheHeap() throws IOException, InterruptedException {
    byte[] bytes = Files.readAllBytes(Fixtures.onnx("sign_conv_c1"));
    float[][] in = {new float[64]};
    float[][] out = {new float[192]};
    for (int i = 0; i < 50; i++) {
      cycle(bytes, in, out);
    }
    long before = heapUsedAfterGc();
    int models = 1_000;
    for (int i = 0; i < models; i++) {
      cycle(bytes, in, out);
    }
    long after = heapUsedAfterGc();
    System.out.printf("[soak] %d models loaded, run and closed: heap after GC %d KiB before,"
        + " %d KiB after%n", models, before >> 10, after >> 10);
    assertTrue(after - before < HEAP_GROWTH_BOUND, "heap grew by " + (after - before)
        + " bytes over " + models + " model loads");
  }

  private static void cycle(byte[] bytes, float[][] in, float[][] out) {
    try (Model m = Model.load(bytes); Session s = m.newSession()) {
      s.run(in, out);
    }
  }
}
