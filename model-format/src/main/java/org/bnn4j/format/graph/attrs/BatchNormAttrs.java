package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * Inference BatchNorm's epsilon (ONNX's momentum and training attributes are dropped by the
 * importer: they do not change inference).
 */
public record BatchNormAttrs(float epsilon) {
  public static final String EPSILON = "epsilon";
  /** ONNX's and PyTorch's default. */
  public static final float DEFAULT_EPSILON = 1e-5f;

  /**
   * Reads, defaults and checks the node's epsilon.
   *
   * @throws ModelFormatException when it is not a finite float
   */
  public static BatchNormAttrs of(OpNode node) {
    float eps = node.getFloat(EPSILON, DEFAULT_EPSILON);
    if (!Float.isFinite(eps)) {
      throw new ModelFormatException(node.where() + ": epsilon is " + eps + ", expected finite");
    }
    return new BatchNormAttrs(eps);
  }
}
