package org.bnn4j.runtime;

/**
 * What an op's {@link Op#run} gets from the inference running it: the session's arenas (every
 * activation and scratch buffer, at the offsets the memory plan assigned) and the intra-op
 * parallelism, the thread count and {@link WorkerPool} the session was given. Ops are shared by
 * all sessions of a model and keep no state, so everything per inference is here. Each {@link
 * Executor} owns one and reuses it for every run, so that a run allocates nothing. Ops split their
 * outputs into disjoint ranges, each with its own scratch slot, so results do not depend on the
 * thread count or the pool.
 */
public final class RunContext {
  /** Most workers one op may use; ops reserve this many scratch slots. */
  public static final int MAX_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors());

  /**
   * A range of work: items {@code [from, to)} on worker slot {@code worker}; {@code image} and
   * the session's arenas are passed through from {@link #forRange}, so that an op can bind its
   * task once rather than per run.
   */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to, int worker, int image, float[] arena, long[] words);
  }

  private final float[] arena;
  private final long[] words;
  private int threads = 1;
  private WorkerPool pool;

  RunContext(float[] arena, long[] words) {
    this.arena = arena;
    this.words = words;
  }

  /** The session's float arena. */
  public float[] arena() {
    return arena;
  }

  /** The session's word arena (BITS activations); may be empty. */
  public long[] words() {
    return words;
  }

  /** Threads one op of this inference may use (at least 1, at most {@link #MAX_WORKERS}). */
  public int threads() {
    return threads;
  }

  void setThreads(int threads) {
    this.threads = Math.max(1, Math.min(threads, MAX_WORKERS));
  }

  /** Sets the pool whose workers ops borrow; null means {@link WorkerPool#shared()}. */
  void setPool(WorkerPool pool) {
    this.pool = pool;
  }

  /**
   * Runs {@code task} over {@code [0, total)} on up to {@link #threads()} threads of this
   * inference's pool, in chunks that are multiples of {@code grain} (the last may be shorter):
   * on one thread in a single call, else in a few chunks per thread that the threads take as
   * they become free. The thread running a chunk passes its own slot ({@code 0 <= slot <
   * threads()}), so a slot's scratch is never used by two chunks at once.
   */
  public void forRange(int total, int grain, RangeTask task, int image) {
    int units = (total + grain - 1) / grain;
    int t = Math.min(threads, units);
    if (t <= 1) {
      task.run(0, total, 0, image, arena, words);
      return;
    }
    int chunks = Math.min(units, t * WorkerPool.CHUNKS_PER_THREAD);
    int per = (units + chunks - 1) / chunks * grain;
    chunks = (total + per - 1) / per;
    (pool == null ? WorkerPool.shared() : pool).run(t, chunks, total, per, task, image, arena,
        words);
  }
}
