package org.bnn4j.runtime;

/**
 * Intra-op parallelism: the thread count and {@link WorkerPool} of the inference running on the
 * current thread (set by {@link Executor#run}). Ops split their outputs into disjoint ranges,
 * each with its own scratch slot, so results do not depend on the thread count or the pool.
 */
public final class Parallelism {
  private Parallelism() {}

  /** Most workers one op may use; ops reserve this many scratch slots. */
  public static final int MAX_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors());

  /** The current thread's setting; one mutable holder per thread, so reading allocates nothing. */
  private static final class Current {
    int threads = 1;
    WorkerPool pool;
  }

  private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);

  /**
   * A range of work: items {@code [from, to)} on worker slot {@code worker}; {@code image} and
   * the session's buffers are passed through from {@link #forRange}.
   */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to, int worker, int image, float[] arena, long[] words);
  }

  /** Threads the current thread's inference may use (1 outside a run). */
  public static int threads() {
    return CURRENT.get().threads;
  }

  /** Sets the current thread's count, returning the previous one. */
  static int setThreads(int threads) {
    Current c = CURRENT.get();
    int prev = c.threads;
    c.threads = Math.max(1, Math.min(threads, MAX_WORKERS));
    return prev;
  }

  /** Sets the current thread's pool (null: the shared one), returning the previous one. */
  static WorkerPool setPool(WorkerPool pool) {
    Current c = CURRENT.get();
    WorkerPool prev = c.pool;
    c.pool = pool;
    return prev;
  }

  /**
   * Runs {@code task} over {@code [0, total)} on up to {@code threads} workers of the current
   * thread's pool, in chunks that are multiples of {@code grain} (the last may be shorter); chunk
   * i uses worker slot i. The caller runs the first chunk and waits for the rest. {@code image},
   * {@code arena} and {@code words} are passed through to the task, so that an op can bind its
   * task once rather than per run.
   */
  public static void forRange(int threads, int total, int grain, RangeTask task, int image,
      float[] arena, long[] words) {
    int units = (total + grain - 1) / grain;
    int chunks = Math.min(Math.min(threads, MAX_WORKERS), units);
    if (chunks <= 1) {
      task.run(0, total, 0, image, arena, words);
      return;
    }
    int per = (units + chunks - 1) / chunks * grain;
    WorkerPool pool = CURRENT.get().pool;
    (pool == null ? WorkerPool.shared() : pool).run(chunks, total, per, task, image, arena,
        words);
  }
}
