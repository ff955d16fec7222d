package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;

/**
 * Shrink's constants: {@code x + bias} for x &lt; -lambd, {@code x - bias} for x &gt; lambd, else
 * 0. The defaults are ONNX's (a hard shrink at 0.5).
 */
public record ShrinkAttrs(float bias, float lambd) {
  public static final String BIAS = OpType.Attribute.BIAS.name();
  public static final String LAMBD = OpType.Attribute.LAMBD.name();
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
    return new ShrinkAttrs(node.getFloat(BIAS, DEFAULT_BIAS), node.getFloat(LAMBD, DEFAULT_LAMBD));
  }
}
