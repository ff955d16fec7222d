package org.bnn4j.runtime;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Intra-op parallelism: one shared pool of daemon workers, created on first use and sized to the
 * processors, and the thread count of the inference running on the current thread (set by
 * {@link Executor#run}). Ops split their outputs into disjoint ranges, each with its own scratch
 * slot, so results do not depend on the thread count.
 */
public final class Parallelism {
  private Parallelism() {}

  /** Most workers one op may use; ops reserve this many scratch slots. */
  public static final int MAX_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private static final ThreadLocal<int[]> THREADS = ThreadLocal.withInitial(() -> new int[] {1});

  private static final class Pool {
    static final ForkJoinPool POOL = new ForkJoinPool(MAX_WORKERS, p -> {
      var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
      t.setName("bnn4j-worker-" + t.getPoolIndex());
      t.setDaemon(true);
      return t;
    }, null, false);
  }

  /** A range of work: items {@code [from, to)} on worker slot {@code worker}. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to, int worker);
  }

  /** Threads the current thread's inference may use (1 outside a run). */
  public static int threads() {
    return THREADS.get()[0];
  }

  /** Sets the current thread's count, returning the previous one. */
  static int setThreads(int threads) {
    int[] slot = THREADS.get();
    int prev = slot[0];
    slot[0] = Math.max(1, Math.min(threads, MAX_WORKERS));
    return prev;
  }

  /**
   * Runs {@code task} over {@code [0, total)} on up to {@code threads} workers, in chunks that are
   * multiples of {@code grain} (the last may be shorter); chunk i uses worker slot i. The caller
   * runs the first chunk and waits for the rest.
   */
  public static void forRange(int threads, int total, int grain, RangeTask task) {
    int units = (total + grain - 1) / grain;
    int chunks = Math.min(Math.min(threads, MAX_WORKERS), units);
    if (chunks <= 1) {
      task.run(0, total, 0);
      return;
    }
    int per = (units + chunks - 1) / chunks * grain;
    ForkJoinTask<?>[] pending = new ForkJoinTask<?>[chunks - 1];
    for (int i = 1; i < chunks; i++) {
      int from = Math.min(total, i * per);
      int to = Math.min(total, from + per);
      int worker = i;
      pending[i - 1] = Pool.POOL.submit(() -> task.run(from, to, worker));
    }
    try {
      task.run(0, Math.min(total, per), 0);
    } finally {
      for (ForkJoinTask<?> t : pending) {
        t.join();
      }
    }
  }
}
