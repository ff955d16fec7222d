package org.bnn4j;

/** A well-formed model uses an operator, attribute or shape that bnn4j does not implement. */
public class UnsupportedModelException extends Bnn4jException {
  /**
   * An exception with a one-line message.
   *
   * @param message what went wrong, naming the input, node or file and the expected value
   */
  public UnsupportedModelException(String message) {
    super(message);
  }

  /**
   * Names the op, the node and the reason, the form every decline takes.
   *
   * @param opType the op's type, as the model names it
   * @param nodeName the node's name
   * @param reason what about it bnn4j does not implement
   * @return the exception, to be thrown
   */
  public static UnsupportedModelException of(String opType, String nodeName, String reason) {
    return new UnsupportedModelException(
        "unsupported: " + opType + " node '" + nodeName + "': " + reason);
  }
}
