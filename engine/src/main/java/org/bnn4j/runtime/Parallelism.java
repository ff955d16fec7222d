package org.bnn4j.runtime;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;


/**
 * Intra-op parallelism: a shared set of daemon workers, created on first use and sized to the
 * processors, and the thread count of the inference running on the current thread (set by
 * {@link Executor#run}). Ops split their outputs into disjoint ranges, each with its own scratch
 * slot, so results do not depend on the thread count. Handing a range to a worker allocates
 * nothing: each worker has one slot that the caller fills, then wakes it. When another
 * inference holds the workers, the caller runs every range itself.
 */
public final class Parallelism {
  private Parallelism() {}

  /** Most workers one op may use; ops reserve this many scratch slots. */
  public static final int MAX_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private static final ThreadLocal<int[]> THREADS = ThreadLocal.withInitial(() -> new int[] {1});

  /**
   * A range of work: items {@code [from, to)} on worker slot {@code worker}; {@code image} and
   * the session's buffers are passed through from {@link #forRange}.
   */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to, int worker, int image, float[] arena, long[] words);
  }

  /** One pool thread with its slot. */
  private static final class Worker extends Thread {
    private volatile int posted;
    private volatile int finished;
    private RangeTask task;
    private int from;
    private int to;
    private int slot;
    private int image;
    private float[] arena;
    private long[] words;
    private Thread caller;
    private Throwable failure;

    Worker(int index) {
      super("bnn4j-worker-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      int seen = 0;
      while (true) {
        while (posted == seen) {
          LockSupport.park(this);
        }
        seen = posted;
        try {
          task.run(from, to, slot, image, arena, words);
        } catch (Throwable t) {
          failure = t;
        }
        Thread waiting = caller;
        task = null; // drop references to the session's buffers
        arena = null;
        words = null;
        finished = seen;
        LockSupport.unpark(waiting);
      }
    }
  }

  private static final class Pool {
    static final ReentrantLock BUSY = new ReentrantLock();
    static final Worker[] WORKERS = new Worker[MAX_WORKERS - 1];

    static {
      for (int i = 0; i < WORKERS.length; i++) {
        WORKERS[i] = new Worker(i + 1);
        WORKERS[i].start();
      }
    }
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
   * runs the first chunk and waits for the rest. {@code image}, {@code arena} and {@code words}
   * are passed through to the task, so that an op can bind its task once rather than per run.
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
    if (!Pool.BUSY.tryLock()) {
      // another inference has the workers: same chunks, same slots, on this thread
      for (int i = 0; i < chunks; i++) {
        int from = Math.min(total, i * per);
        task.run(from, Math.min(total, from + per), i, image, arena, words);
      }
      return;
    }
    try {
      Thread me = Thread.currentThread();
      for (int i = 1; i < chunks; i++) {
        Worker w = Pool.WORKERS[i - 1];
        w.task = task;
        w.from = Math.min(total, i * per);
        w.to = Math.min(total, w.from + per);
        w.slot = i;
        w.image = image;
        w.arena = arena;
        w.words = words;
        w.caller = me;
        w.failure = null;
        w.posted = w.posted + 1; // publishes the fields above
        LockSupport.unpark(w);
      }
      Throwable failure = null;
      try {
        task.run(0, Math.min(total, per), 0, image, arena, words);
      } catch (Throwable t) {
        failure = t;
      }
      for (int i = 1; i < chunks; i++) {
        Worker w = Pool.WORKERS[i - 1];
        int want = w.posted;
        boolean interrupted = false;
        while (w.finished != want) {
          LockSupport.park(w);
          interrupted |= Thread.interrupted();
        }
        if (interrupted) {
          me.interrupt();
        }
        if (failure == null && w.failure != null) {
          failure = w.failure;
        }
      }
      if (failure instanceof RuntimeException re) {
        throw re;
      } else if (failure instanceof Error e) {
        throw e;
      } else if (failure != null) {
        throw new IllegalStateException(failure);
      }
    } finally {
      Pool.BUSY.unlock();
    }
  }
}
