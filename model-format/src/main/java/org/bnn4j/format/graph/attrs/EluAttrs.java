package org.bnn4j.format.graph.attrs;

import static org.bnn4j.format.graph.OpType.Attribute.ALPHA;
import static org.bnn4j.format.graph.OpType.Attribute.GAMMA;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;

/**
 * Elu's and Selu's constants: {@code gamma * x} for x &gt; 0, else {@code gamma * alpha *
 * (exp(x) - 1)}. Elu has no gamma (it is 1); the defaults are ONNX's.
 */
public record EluAttrs(float alpha, float gamma) {
  /** ONNX Elu's default alpha. */
  public static final float DEFAULT_ELU_ALPHA = 1f;
  /** ONNX Selu's default alpha, the float32 value of SELU's alpha. */
  public static final float DEFAULT_SELU_ALPHA = 1.67326319217681884765625f;
  /** ONNX Selu's default gamma, the float32 value of SELU's scale. */
  public static final float DEFAULT_SELU_GAMMA = 1.05070102214813232421875f;

  /**
   * Reads and defaults the node's constants (an Elu node has alpha only).
   *
   * @throws ModelFormatException when one is not a float
   */
  public static EluAttrs of(OpNode node) {
    if (node.op() == OpType.SELU) {
      return new EluAttrs(node.getFloat(ALPHA.name(), DEFAULT_SELU_ALPHA),
          node.getFloat(GAMMA.name(), DEFAULT_SELU_GAMMA));
    }
    return new EluAttrs(node.getFloat(ALPHA.name(), DEFAULT_ELU_ALPHA), 1f);
  }
}
