package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;

/** LeakyRelu's slope for negative inputs. */
public record LeakyReluAttrs(float alpha) {
  public static final String ALPHA = OpType.Attribute.ALPHA.name();
  /** ONNX's and PyTorch's default. */
  public static final float DEFAULT_ALPHA = 0.01f;

  /**
   * Reads and defaults the node's alpha.
   *
   * @throws ModelFormatException when it is not a float
   */
  public static LeakyReluAttrs of(OpNode node) {
    return new LeakyReluAttrs(node.getFloat(ALPHA, DEFAULT_ALPHA));
  }
}
