package org.bnn4j;

/** Base of every error bnn4j reports on purpose; anything else escaping the API is a bug. */
public class Bnn4jException extends RuntimeException {
  /**
   * An exception with a one-line message.
   *
   * @param message what went wrong, naming the input, node or file and the expected value
   */
  public Bnn4jException(String message) {
    super(message);
  }

  /**
   * An exception with a one-line message and the failure that caused it.
   *
   * @param message what went wrong, naming the input, node or file and the expected value
   * @param cause the underlying failure
   */
  public Bnn4jException(String message, Throwable cause) {
    super(message, cause);
  }
}
