package org.bnn4j;

/** Base of every error bnn4j reports on purpose; anything else escaping the API is a bug. */
public class Bnn4jException extends RuntimeException {
  public Bnn4jException(String message) {
    super(message);
  }

  public Bnn4jException(String message, Throwable cause) {
    super(message, cause);
  }
}
