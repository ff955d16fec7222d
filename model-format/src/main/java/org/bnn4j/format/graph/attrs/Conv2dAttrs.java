package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * The geometry of Conv2d and BinaryConv2d: strides and dilations {@code [h, w]}, pads {@code
 * [top, left, bottom, right]}, group. The kernel size comes from the weights. Arrays are copied in
 * and out, so a caller may change what it gets.
 */
public record Conv2dAttrs(int[] strides, int[] pads, int[] dilations, int group) {
  public static final String STRIDES = "strides";
  public static final String PADS = "pads";
  public static final String DILATIONS = "dilations";
  public static final String GROUP = "group";
  /** Every stride, when {@code strides} is absent. */
  public static final int DEFAULT_STRIDE = 1;
  /** Every pad, when {@code pads} is absent. */
  public static final int DEFAULT_PAD = 0;
  /** Every dilation, when {@code dilations} is absent. */
  public static final int DEFAULT_DILATION = 1;
  public static final int DEFAULT_GROUP = 1;

  public Conv2dAttrs {
    strides = strides.clone();
    pads = pads.clone();
    dilations = dilations.clone();
  }

  /**
   * Reads, defaults and checks the node's attributes: strides and dilations positive, pads
   * non-negative, group at least 1.
   *
   * @throws ModelFormatException when one is malformed
   */
  public static Conv2dAttrs of(OpNode node) {
    int[] strides = strides(node);
    int[] pads = pads(node);
    int[] dilations = dilations(node);
    int group = node.getInt(GROUP, DEFAULT_GROUP);
    if (group < 1) {
      throw new ModelFormatException(node.where() + ": group is " + group + ", expected >= 1");
    }
    return new Conv2dAttrs(strides, pads, dilations, group);
  }

  /** The node's strides, defaulted and checked positive; pools read them the same way. */
  static int[] strides(OpNode node) {
    return Check.positive(node, STRIDES, node.getInts(STRIDES, 2, Check.filled(2,
        DEFAULT_STRIDE)));
  }

  /** The node's pads, defaulted and checked non-negative. */
  static int[] pads(OpNode node) {
    return Check.nonNegative(node, PADS, node.getInts(PADS, 4, Check.filled(4, DEFAULT_PAD)));
  }

  /** The node's dilations, defaulted and checked positive. */
  static int[] dilations(OpNode node) {
    return Check.positive(node, DILATIONS, node.getInts(DILATIONS, 2, Check.filled(2,
        DEFAULT_DILATION)));
  }

  @Override
  public int[] strides() {
    return strides.clone();
  }

  @Override
  public int[] pads() {
    return pads.clone();
  }

  @Override
  public int[] dilations() {
    return dilations.clone();
  }
}
