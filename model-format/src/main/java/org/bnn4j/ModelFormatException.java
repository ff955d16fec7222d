package org.bnn4j;

/** A model file is malformed, corrupt, truncated, of an unsupported version or over a limit. */
public class ModelFormatException extends Bnn4jException {
  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
