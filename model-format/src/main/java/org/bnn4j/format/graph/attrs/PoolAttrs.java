package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * The window of MaxPool2d, AvgPool2d and BitMaxPool2d: kernel (required), strides and
 * dilations {@code [h, w]}, pads {@code [top, left, bottom, right]}, ceil_mode, and
 * count_include_pad (AvgPool2d only). Arrays are copied in and out.
 */
public record PoolAttrs(int[] kernel, int[] strides, int[] pads, int[] dilations,
    boolean ceilMode, boolean countIncludePad) {
  public static final String KERNEL = "kernel";
  public static final String CEIL_MODE = "ceil_mode";
  public static final String COUNT_INCLUDE_PAD = "count_include_pad";

  public PoolAttrs {
    kernel = kernel.clone();
    strides = strides.clone();
    pads = pads.clone();
    dilations = dilations.clone();
  }

  /**
   * Reads, defaults (as {@link Conv2dAttrs}; the flags 0) and checks the node's attributes: kernel
   * present, kernel, strides and dilations positive, pads non-negative, flags 0 or 1.
   *
   * @throws ModelFormatException when one is malformed or the kernel is missing
   */
  public static PoolAttrs of(OpNode node) {
    int[] kernel = Check.positive(node, KERNEL, node.getInts(KERNEL, 2, null));
    int[] strides = Conv2dAttrs.strides(node);
    int[] pads = Conv2dAttrs.pads(node);
    int[] dilations = Conv2dAttrs.dilations(node);
    boolean ceil = Check.flag(node, CEIL_MODE);
    boolean countPad = Check.flag(node, COUNT_INCLUDE_PAD);
    return new PoolAttrs(kernel, strides, pads, dilations, ceil, countPad);
  }

  @Override
  public int[] kernel() {
    return kernel.clone();
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
