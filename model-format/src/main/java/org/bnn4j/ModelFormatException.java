package org.bnn4j;

/** A model file is malformed, corrupt, truncated, of an unsupported version or over a limit. */
public class ModelFormatException extends Bnn4jException {
  /**
   * An exception with a one-line message.
   *
   * @param message what went wrong, naming the input, node or file and the expected value
   */
  public ModelFormatException(String message) {
    super(message);
  }

  /**
   * An exception with a one-line message and the failure that caused it.
   *
   * @param message what went wrong, naming the input, node or file and the expected value
   * @param cause the underlying failure
   */
  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
