package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * The {@code output} of BinaryConv2d and BinaryDense: "float" (the default) or "bits", which
 * decides how the inputs after the weights are read. BinaryConv2d's geometry is {@link
 * Conv2dAttrs}.
 */
public record BinaryOutputAttrs(boolean bits) {
  public static final String OUTPUT = "output";
  public static final String FLOAT = "float";
  public static final String BITS = "bits";
  public static final String DEFAULT_OUTPUT = FLOAT;

  /**
   * Reads, defaults and checks the node's {@code output}.
   *
   * @throws ModelFormatException when it is neither "float" nor "bits"
   */
  public static BinaryOutputAttrs of(OpNode node) {
    return new BinaryOutputAttrs(Check.either(node, OUTPUT, DEFAULT_OUTPUT, FLOAT, BITS));
  }
}
