package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.OpNode;

/**
 * Pad's pads (2 * rank: all begins, then all ends), mode and constant value. Pads are copied in
 * and out.
 */
public record PadAttrs(int[] pads, String mode, float value) {
  public static final String PADS = "pads";
  public static final String MODE = "mode";
  public static final String VALUE = "value";
  public static final String CONSTANT = "constant";
  public static final String REFLECT = "reflect";
  public static final String EDGE = "edge";
  public static final String DEFAULT_MODE = CONSTANT;
  public static final float DEFAULT_VALUE = 0f;

  public PadAttrs {
    pads = pads.clone();
  }

  /**
   * Reads, defaults and checks the node's attributes for an input of rank {@code rank}: pads
   * present with {@code 2 * rank} non-negative values, mode constant, reflect or edge.
   *
   * @throws ModelFormatException when pads are missing or malformed
   * @throws UnsupportedModelException when the mode is another one
   */
  public static PadAttrs of(OpNode node, int rank) {
    int[] pads = Check.nonNegative(node, PADS, node.getInts(PADS, 2 * rank, null));
    String mode = node.getString(MODE, DEFAULT_MODE);
    if (!mode.equals(CONSTANT) && !mode.equals(REFLECT) && !mode.equals(EDGE)) {
      throw new UnsupportedModelException(node.where() + ": mode '" + mode
          + "', expected constant, reflect or edge");
    }
    return new PadAttrs(pads, mode, node.getFloat(VALUE, DEFAULT_VALUE));
  }

  /** {@link #of(OpNode, int)} for a node whose input rank is unknown: any even count of pads. */
  public static PadAttrs of(OpNode node) {
    long[] p = node.getLongs(PADS, null);
    return of(node, p == null ? 0 : p.length / 2);
  }

  @Override
  public int[] pads() {
    return pads.clone();
  }
}
