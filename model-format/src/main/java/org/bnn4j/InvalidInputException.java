package org.bnn4j;

/** An input tensor given to a session does not match what the model expects. */
public class InvalidInputException extends Bnn4jException {
  public InvalidInputException(String message) {
    super(message);
  }
}
