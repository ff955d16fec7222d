package org.bnn4j.format.graph.attrs;

import static org.bnn4j.format.graph.OpType.Attribute.ALPHA;
import static org.bnn4j.format.graph.OpType.Attribute.BETA;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/** HardSigmoid's {@code max(0, min(1, alpha * x + beta))}. */
public record HardSigmoidAttrs(float alpha, float beta) {
  /** ONNX's defaults (PyTorch's Hardsigmoid is alpha 1/6, which the exporter writes out). */
  public static final float DEFAULT_ALPHA = 0.2f;
  public static final float DEFAULT_BETA = 0.5f;

  /**
   * Reads and defaults the node's alpha and beta.
   *
   * @throws ModelFormatException when one is not a float
   */
  public static HardSigmoidAttrs of(OpNode node) {
    return new HardSigmoidAttrs(node.getFloat(ALPHA.name(), DEFAULT_ALPHA),
        node.getFloat(BETA.name(), DEFAULT_BETA));
  }
}
