package org.bnn4j;

/** Immutable options for a {@link Session}. Start from {@link #defaults()}. */
public final class SessionOptions {
  private static final SessionOptions DEFAULTS = new SessionOptions(
      Math.max(1, Runtime.getRuntime().availableProcessors()));

  private final int threads;

  private SessionOptions(int threads) {
    this.threads = threads;
  }

  /** {@return the default options: as many threads as the JVM has processors} */
  public static SessionOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Threads one inference may use: the binary convolutions split their output positions over a
   * shared pool of daemon workers (at most one per processor), the caller's thread included.
   * Results are identical for any count.
   *
   * @return the thread count, at least 1
   */
  public int threads() {
    return threads;
  }

  /**
   * A copy with another thread count.
   *
   * @param threads threads one inference may use, the caller's included; see {@link #threads()}
   * @return the new options
   * @throws IllegalArgumentException when {@code threads < 1}
   */
  public SessionOptions withThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    return new SessionOptions(threads);
  }

  @Override
  public String toString() {
    return "SessionOptions[threads=" + threads + "]";
  }
}
