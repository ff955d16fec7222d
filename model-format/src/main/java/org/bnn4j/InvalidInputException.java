package org.bnn4j;

/** An input tensor given to a session does not match what the model expects. */
public class InvalidInputException extends Bnn4jException {
  /**
   * An exception with a one-line message.
   *
   * @param message what went wrong, naming the input, node or file and the expected value
   */
  public InvalidInputException(String message) {
    super(message);
  }
}
