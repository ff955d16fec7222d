package org.bnn4j;

/** A well-formed model uses an operator, attribute or shape that bnn4j does not implement. */
public class UnsupportedModelException extends Bnn4jException {
  public UnsupportedModelException(String message) {
    super(message);
  }

  /** Names the op, the node and the reason, the form every decline takes. */
  public static UnsupportedModelException of(String opType, String nodeName, String reason) {
    return new UnsupportedModelException(
        "unsupported: " + opType + " node '" + nodeName + "': " + reason);
  }
}
