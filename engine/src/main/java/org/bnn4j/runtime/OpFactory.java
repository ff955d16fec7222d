package org.bnn4j.runtime;

/**
 * Creates executable ops from graph nodes. The reference factory covers every float op; faster
 * factories can handle some ops themselves and delegate the rest.
 */
public interface OpFactory {
  /**
   * Builds the op for {@code ctx.node()}: parses and checks attributes, checks operand shapes
   * against the graph's types, and binds operands (and any scratch it needs).
   *
   * @throws org.bnn4j.ModelFormatException when the node is malformed
   * @throws org.bnn4j.UnsupportedModelException when this factory cannot run the node
   */
  Op create(OpContext ctx);
}
