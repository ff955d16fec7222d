package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.OpNode;

/** Clip's bounds; an absent bound is unbounded. */
public record ClipAttrs(float min, float max) {
  public static final String MIN = "min";
  public static final String MAX = "max";
  public static final float DEFAULT_MIN = Float.NEGATIVE_INFINITY;
  public static final float DEFAULT_MAX = Float.POSITIVE_INFINITY;

  /**
   * Reads, defaults and checks the node's bounds.
   *
   * @throws ModelFormatException when a bound is NaN or not a float
   * @throws UnsupportedModelException when min is greater than max
   */
  public static ClipAttrs of(OpNode node) {
    float min = node.getFloat(MIN, DEFAULT_MIN);
    float max = node.getFloat(MAX, DEFAULT_MAX);
    if (Float.isNaN(min) || Float.isNaN(max)) {
      throw new ModelFormatException(node.where() + ": bounds are [" + min + ", " + max
          + "], expected numbers");
    }
    if (min > max) {
      throw new UnsupportedModelException(node.where() + ": min " + min + " is greater than max "
          + max);
    }
    return new ClipAttrs(min, max);
  }
}
