package org.bnn4j.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A set of daemon workers that one inference at a time borrows to split an op's output ranges.
 * Handing a range to a worker allocates nothing: each worker has one slot that the caller fills,
 * then wakes it. When another inference holds the workers, or the pool is closed, the caller
 * runs every range itself (same ranges, same scratch slots, so the same bits).
 */
public final class WorkerPool implements AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ReentrantLock busy = new ReentrantLock();
  private final Worker[] workers;
  private volatile boolean closed;

  /** A pool in which one inference uses {@code threads} threads: its caller and threads-1 workers. */
  public WorkerPool(int threads) {
    this(threads, "bnn4j-worker-p" + POOLS.incrementAndGet() + "-");
  }

  private WorkerPool(int threads, String prefix) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    workers = new Worker[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(prefix + (i + 1));
      workers[i].start();
    }
  }

  private static final class Shared {
    static final WorkerPool POOL = new WorkerPool(RunContext.MAX_WORKERS, "bnn4j-worker-");
  }

  /** The JVM-wide pool, sized to the processors, created on first use and never closed. */
  public static WorkerPool shared() {
    return Shared.POOL;
  }

  /** Threads one inference may use on this pool, its caller included. */
  public int threads() {
    return workers.length + 1;
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops the workers once the inference that holds them, if any, has finished; idempotent.
   * Sessions that still use the pool keep working, each on its own thread.
   */
  @Override
  public void close() {
    if (this == Shared.POOL) {
      return;
    }
    busy.lock();
    try {
      closed = true;
      for (Worker w : workers) {
        LockSupport.unpark(w);
      }
    } finally {
      busy.unlock();
    }
  }

  /**
   * Runs {@code chunks} ranges of {@code per} items over {@code [0, total)}, chunk i on worker
   * slot i, the first on the caller; see {@link RunContext#forRange}.
   */
  void run(int chunks, int total, int per, RunContext.RangeTask task, int image,
      float[] arena, long[] words) {
    if (workers.length == 0 || closed || !busy.tryLock()) {
      runHere(chunks, total, per, task, image, arena, words);
      return;
    }
    try {
      if (closed) {
        runHere(chunks, total, per, task, image, arena, words);
        return;
      }
      Thread me = Thread.currentThread();
      int handedOut = Math.min(chunks, workers.length + 1); // chunks 1..handedOut-1 on workers
      for (int i = 1; i < handedOut; i++) {
        Worker w = workers[i - 1];
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
        for (int i = handedOut; i < chunks; i++) { // more chunks than workers: the rest here
          int from = Math.min(total, i * per);
          task.run(from, Math.min(total, from + per), i, image, arena, words);
        }
      } catch (Throwable t) {
        failure = t;
      }
      for (int i = 1; i < handedOut; i++) {
        Worker w = workers[i - 1];
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
      busy.unlock();
    }
  }

  private static void runHere(int chunks, int total, int per, RunContext.RangeTask task,
      int image, float[] arena, long[] words) {
    for (int i = 0; i < chunks; i++) {
      int from = Math.min(total, i * per);
      task.run(from, Math.min(total, from + per), i, image, arena, words);
    }
  }

  /** One pool thread with its slot. */
  private final class Worker extends Thread {
    private volatile int posted;
    private volatile int finished;
    private RunContext.RangeTask task;
    private int from;
    private int to;
    private int slot;
    private int image;
    private float[] arena;
    private long[] words;
    private Thread caller;
    private Throwable failure;

    Worker(String name) {
      super(name);
      setDaemon(true);
    }

    @Override
    public void run() {
      int seen = 0;
      while (true) {
        while (posted == seen) {
          if (closed) {
            return;
          }
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
}
