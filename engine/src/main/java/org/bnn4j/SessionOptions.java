package org.bnn4j;

/** Immutable options for a {@link Session}. Start from {@link #defaults()}. */
public final class SessionOptions {
  private static final SessionOptions DEFAULTS = new SessionOptions(1);

  private final int threads;

  private SessionOptions(int threads) {
    this.threads = threads;
  }

  /** Default options: one thread. */
  public static SessionOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Threads one inference may use. Stored only for now: inference runs on the caller's thread.
   */
  public int threads() {
    return threads;
  }

  /**
   * A copy with another thread count.
   *
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
