package org.bnn4j.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A set of daemon workers that one inference at a time borrows to split an op's output ranges.
 *
 * <p>An op's range is cut into a few more chunks than threads, and the caller and the workers
 * take chunks from one shared counter until none is left (dynamic scheduling): a worker that
 * wakes late, or a thread that runs slower (profiles on a virtual machine showed the caller
 * taking 1.4x the worker's time on equal chunks), costs at most about one chunk, where equal
 * static chunks made every op wait for the slowest thread. Between ops the workers spin briefly
 * before parking, because waking a parked thread costs tens of microseconds on a virtual machine,
 * as long as many of the short ops (Binarize, pooling) take.
 *
 * <p>Handing out work allocates nothing: the job lives in the pool's fields, published by the
 * counter. Which thread runs which chunk does not change any result: chunks write disjoint
 * outputs and each thread uses its own scratch slot. When another inference holds the workers,
 * or the pool is closed, the caller runs every chunk itself.
 */
public final class WorkerPool implements AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  /** Chunks per thread of an op's range: enough to even out a slow or late thread. */
  static final int CHUNKS_PER_THREAD = 4;

  /**
   * How long a worker, and a caller waiting for the last chunks, spin before parking. Ops of one
   * inference follow each other within microseconds; after the last one the workers park.
   */
  static final long SPIN_NANOS = Long.getLong("bnn4j.pool.spinMicros", 200L) * 1000L;

  private final ReentrantLock busy = new ReentrantLock();
  private final Worker[] workers;
  private volatile boolean closed;

  /**
   * The current job: epoch in the high 32 bits, the next unclaimed chunk in the low 32. A thread
   * claims a chunk by advancing the low half while the epoch is still the one it joined.
   */
  private final AtomicLong next = new AtomicLong();
  /** Chunks of the current job finished (run, or skipped after a failure). */
  private final AtomicInteger done = new AtomicInteger();
  /** The job's fields, written by the caller before it publishes the epoch in {@link #next}. */
  private RunContext.RangeTask task;
  private int chunks;
  private int total;
  private int per;
  private int image;
  private float[] arena;
  private long[] words;
  private Thread caller;
  /** How many workers the current job may use (the inference's threads minus its caller). */
  private volatile int helpers;
  private volatile Throwable failure;

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
      workers[i] = new Worker(prefix + (i + 1), i + 1);
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

  /** The name of worker {@code i} (for tests). */
  String workerName(int i) {
    return workers[i].getName();
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
   * Runs {@code chunks} ranges of {@code per} items over {@code [0, total)} on the caller and up
   * to {@code threads - 1} workers; the thread running a chunk passes its own slot (0 for the
   * caller, 1.. for workers, below {@code threads}); see {@link RunContext#forRange}.
   */
  void run(int threads, int chunks, int total, int per, RunContext.RangeTask task, int image,
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
      int use = Math.min(Math.min(threads - 1, workers.length), chunks - 1);
      // Close the previous job to late claimers before its fields change: a worker that read
      // its last counter value could otherwise claim against the new chunk count.
      long epoch = (next.get() >>> 32) + 1 & 0xFFFF_FFFFL;
      next.set((epoch - 1 & 0xFFFF_FFFFL) << 32 | Integer.MAX_VALUE);
      this.task = task;
      this.chunks = chunks;
      this.total = total;
      this.per = per;
      this.image = image;
      this.arena = arena;
      this.words = words;
      this.caller = me;
      this.failure = null;
      this.helpers = use;
      done.set(0);
      next.set(epoch << 32); // publishes the fields above
      for (int i = 0; i < use; i++) {
        Worker w = workers[i];
        if (w.parked) {
          LockSupport.unpark(w);
        }
      }
      work(epoch, 0);
      awaitDone(me);
      this.task = null; // drop references to the session's buffers
      this.arena = null;
      this.words = null;
      Throwable f = failure;
      if (f instanceof RuntimeException re) {
        throw re;
      } else if (f instanceof Error e) {
        throw e;
      } else if (f != null) {
        throw new IllegalStateException(f);
      }
    } finally {
      busy.unlock();
    }
  }

  /** Claims and runs chunks of job {@code epoch} on slot {@code slot} until none is left. */
  private void work(long epoch, int slot) {
    while (true) {
      long s = next.get();
      if (s >>> 32 != epoch) {
        return;
      }
      int i = (int) s;
      if (i >= chunks || !next.compareAndSet(s, s + 1)) {
        if (i >= chunks) {
          return;
        }
        continue;
      }
      // The job cannot end before this chunk is done, so its fields are stable until then.
      if (failure == null) {
        int from = Math.min(total, i * per);
        try {
          task.run(from, Math.min(total, from + per), slot, image, arena, words);
        } catch (Throwable t) {
          if (failure == null) {
            failure = t;
          }
        }
      }
      if (done.incrementAndGet() == chunks && slot != 0) {
        LockSupport.unpark(caller);
      }
    }
  }

  /** The caller waits for the chunks the workers took: spinning a little, then parked. */
  private void awaitDone(Thread me) {
    int want = chunks;
    if (done.get() >= want) {
      return;
    }
    long start = System.nanoTime();
    for (int spins = 1; done.get() < want && System.nanoTime() - start < SPIN_NANOS; spins++) {
      pause(spins);
    }
    boolean interrupted = false;
    while (done.get() < want) {
      LockSupport.park(this);
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      me.interrupt();
    }
  }

  /**
   * One step of a spin-wait. Every 32nd step yields the processor: when the machine is busy, a
   * thread spinning for another that waits to be scheduled would otherwise take the processor it
   * needs; on an idle machine the yield returns at once.
   */
  private static void pause(int spins) {
    if ((spins & 31) == 0) {
      Thread.yield();
    } else {
      Thread.onSpinWait();
    }
  }

  private static void runHere(int chunks, int total, int per, RunContext.RangeTask task,
      int image, float[] arena, long[] words) {
    for (int i = 0; i < chunks; i++) {
      int from = Math.min(total, i * per);
      task.run(from, Math.min(total, from + per), 0, image, arena, words);
    }
  }

  /** One pool thread; its slot is its index plus one (the caller's is 0). */
  private final class Worker extends Thread {
    private final int slot;
    /** Set while parked (or about to park), so that the caller unparks only sleeping workers. */
    volatile boolean parked;

    Worker(String name, int slot) {
      super(name);
      this.slot = slot;
      setDaemon(true);
    }

    @Override
    public void run() {
      long seen = next.get() >>> 32;
      while (true) {
        long epoch = awaitJob(seen);
        if (epoch < 0) {
          return;
        }
        seen = epoch;
        if (slot <= helpers) {
          work(epoch, slot);
        }
      }
    }

    /** The epoch of the next job after {@code seen}, or -1 once the pool is closed. */
    private long awaitJob(long seen) {
      long start = System.nanoTime();
      int spins = 0;
      while (true) {
        long epoch = next.get() >>> 32;
        if (epoch != seen) {
          return epoch;
        }
        if (closed) {
          return -1;
        }
        if (System.nanoTime() - start < SPIN_NANOS) {
          pause(++spins);
          continue;
        }
        parked = true;
        // Re-check after announcing: a caller that published before seeing the flag did not
        // unpark us.
        if (next.get() >>> 32 == seen && !closed) {
          LockSupport.park(this);
        }
        parked = false;
        start = System.nanoTime();
      }
    }
  }
}
