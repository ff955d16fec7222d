package org.bnn4j.format.graph.attrs;

import static org.bnn4j.format.graph.OpType.Attribute.ALPHA;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/** LeakyRelu's slope for negative inputs. */
public record LeakyReluAttrs(float alpha) {
  /** ONNX's and PyTorch's default. */
  public static final float DEFAULT_ALPHA = 0.01f;

  /**
   * Reads and defaults the node's alpha.
   *
   * @throws ModelFormatException when it is not a float
   */
  public static LeakyReluAttrs of(OpNode node) {
    return new LeakyReluAttrs(node.getFloat(ALPHA.name(), DEFAULT_ALPHA));
  }
}
