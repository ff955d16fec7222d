package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * Binarize's {@code zero}: what an input exactly at its threshold becomes, +1 ("plus", the
 * default and what every file written before the attribute existed means) or 0 ("zero", ONNX
 * Sign). See {@code org.bnn4j.format.ZeroStates}.
 */
public record BinarizeAttrs(boolean zeroState) {
  public static final String ZERO_ATTRIBUTE = "zero";
  public static final String PLUS = "plus";
  public static final String ZERO = "zero";
  public static final String DEFAULT_ZERO = PLUS;

  /**
   * Reads, defaults and checks the node's {@code zero}.
   *
   * @throws ModelFormatException when it is neither "plus" nor "zero"
   */
  public static BinarizeAttrs of(OpNode node) {
    return new BinarizeAttrs(Check.either(node, ZERO_ATTRIBUTE, DEFAULT_ZERO, PLUS, ZERO));
  }
}
