package org.bnn4j;

import java.util.Objects;

/**
 * Immutable options for a {@link Session}. Start from {@link #defaults()}.
 *
 * <p><b>Threads.</b> By default one inference runs on its caller's thread only, which is what a
 * server wants: many request threads, each with its own session, already keep the cores busy,
 * and splitting every inference over the same cores on top of that only adds hand-offs and
 * threads competing for the cores. For one inference at a time that should
 * finish sooner (a command-line tool, a batch job), ask for more with {@link #withThreads}, which
 * borrows workers of a JVM-wide pool sized to the processors, or give the session a pool the
 * application sizes and closes with {@link #withPool}. Results are identical for any setting.
 */
public final class SessionOptions {
  private static final SessionOptions DEFAULTS = new SessionOptions(1, null);

  private final int threads;
  private final IntraOpPool pool;

  private SessionOptions(int threads, IntraOpPool pool) {
    this.threads = threads;
    this.pool = pool;
  }

  /** {@return the default options: one thread per inference (the caller's), no pool} */
  public static SessionOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Threads one inference may use, the caller's included: convolutions and dense layers (binary
   * and float), Binarize and pooling split their outputs over them, and the other ops run on the
   * caller's thread. However many are asked for, at most the number of processors are used.
   *
   * @return the thread count, at least 1
   */
  public int threads() {
    return threads;
  }

  /**
   * The application's pool, or null for the JVM-wide one.
   *
   * @return the pool, or null
   */
  public IntraOpPool pool() {
    return pool;
  }

  /**
   * A copy with another thread count; without {@link #withPool} the extra threads come from a
   * JVM-wide pool of daemon workers, sized to the processors, created on first use.
   *
   * @param threads threads one inference may use, the caller's included; see {@link #threads()}
   * @return the new options
   * @throws IllegalArgumentException when {@code threads < 1}
   */
  public SessionOptions withThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    return new SessionOptions(threads, pool);
  }

  /**
   * A copy whose sessions borrow workers from {@code pool} and use all its threads (at most the
   * number of processors, as for {@link #withThreads}).
   *
   * @param pool a pool the application created and will close
   * @return the new options
   */
  public SessionOptions withPool(IntraOpPool pool) {
    Objects.requireNonNull(pool, "pool");
    return new SessionOptions(pool.threads(), pool);
  }

  @Override
  public String toString() {
    return "SessionOptions[threads=" + threads + (pool == null ? "" : ", " + pool) + "]";
  }
}
