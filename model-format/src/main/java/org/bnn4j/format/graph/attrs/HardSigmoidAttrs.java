package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;

/** HardSigmoid's {@code max(0, min(1, alpha * x + beta))}. */
public record HardSigmoidAttrs(float alpha, float beta) {
  public static final String ALPHA = OpType.Attribute.ALPHA.name();
  public static final String BETA = OpType.Attribute.BETA.name();
  /** ONNX's defaults (PyTorch's Hardsigmoid is alpha 1/6, which the exporter writes out). */
  public static final float DEFAULT_ALPHA = 0.2f;
  public static final float DEFAULT_BETA = 0.5f;

  /**
   * Reads and defaults the node's alpha and beta.
   *
   * @throws ModelFormatException when one is not a float
   */
  public static HardSigmoidAttrs of(OpNode node) {
    return new HardSigmoidAttrs(node.getFloat(ALPHA, DEFAULT_ALPHA),
        node.getFloat(BETA, DEFAULT_BETA));
  }
}
