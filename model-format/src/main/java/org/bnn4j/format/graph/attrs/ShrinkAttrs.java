package org.bnn4j.format.graph.attrs;

import static org.bnn4j.format.graph.OpType.Attribute.BIAS;
import static org.bnn4j.format.graph.OpType.Attribute.LAMBD;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * Shrink's constants: {@code x + bias} for x &lt; -lambd, {@code x - bias} for x &gt; lambd, else
 * 0. The defaults are ONNX's (a hard shrink at 0.5).
 */
public record ShrinkAttrs(float bias, float lambd) {
  /** ONNX Shrink's default bias. */
  public static final float DEFAULT_BIAS = 0f;
  /** ONNX Shrink's default lambd. */
  public static final float DEFAULT_LAMBD = 0.5f;

  /**
   * Reads and defaults the node's constants.
   *
   * @throws ModelFormatException when one is not a float
   */
  public static ShrinkAttrs of(OpNode node) {
    return new ShrinkAttrs(node.getFloat(BIAS.name(), DEFAULT_BIAS), node.getFloat(LAMBD.name(), DEFAULT_LAMBD));
  }
}
