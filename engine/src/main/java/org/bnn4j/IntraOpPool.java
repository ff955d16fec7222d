package org.bnn4j;

import org.bnn4j.runtime.WorkerPool;

/**
 * Worker threads that sessions borrow to split one inference over several cores, sized and
 * closed by the application. Give it to sessions with {@link SessionOptions#withPool}.
 *
 * <pre>{@code
 * try (IntraOpPool pool = IntraOpPool.create(4);
 *      Session s = model.newSession(SessionOptions.defaults().withPool(pool))) {
 *   ...
 * }
 * }</pre>
 *
 * <p>One inference at a time holds the workers; an inference that finds them held (by another
 * session on the same pool) runs on its own thread alone, so a pool never runs more than its
 * {@link #threads()} threads plus the callers. Results are bit-identical with or without a
 * pool and for any size. After {@link #close()} the workers stop, and sessions that still use
 * the pool keep working on their own threads.
 */
public final class IntraOpPool implements AutoCloseable {
  private final WorkerPool pool;

  private IntraOpPool(WorkerPool pool) {
    this.pool = pool;
  }

  /**
   * A pool in which one inference uses up to {@code threads} threads: the caller's and {@code
   * threads - 1} daemon workers, started now. Sizes above the number of processors gain
   * nothing: one inference uses at most that many.
   *
   * @param threads threads one inference may use, the caller's included
   * @return the new pool, whose workers are running
   * @throws IllegalArgumentException when {@code threads < 1}
   */
  public static IntraOpPool create(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    return new IntraOpPool(new WorkerPool(threads));
  }

  /**
   * Threads one inference may use on this pool.
   *
   * @return the size given to {@link #create}, the caller's thread included
   */
  public int threads() {
    return pool.threads();
  }

  /**
   * Whether the pool is closed.
   *
   * @return true once {@link #close()} has been called
   */
  public boolean isClosed() {
    return pool.isClosed();
  }

  WorkerPool workers() {
    return pool;
  }

  /** Stops the workers (after the inference holding them, if any, finishes); idempotent. */
  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "IntraOpPool[threads=" + threads() + (isClosed() ? ", closed" : "") + "]";
  }
}
