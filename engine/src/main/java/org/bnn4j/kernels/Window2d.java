package org.bnn4j.kernels;

/**
 * Geometry of a 2-D sliding window (convolution or pooling): kernel extent, strides, pads
 * ({@code [top, left, bottom, right]} as in the op set) and dilations. Pads may be asymmetric.
 */
public record Window2d(
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padTop,
    int padLeft,
    int padBottom,
    int padRight,
    int dilationH,
    int dilationW) {

  public Window2d {
    if (kernelH < 1 || kernelW < 1) {
      throw new IllegalArgumentException("kernel must be at least 1x1: " + kernelH + "x" + kernelW);
    }
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException("strides must be positive: " + strideH + ", " + strideW);
    }
    if (dilationH < 1 || dilationW < 1) {
      throw new IllegalArgumentException(
          "dilations must be positive: " + dilationH + ", " + dilationW);
    }
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      throw new IllegalArgumentException("pads must be non-negative");
    }
  }

  /**
   * From op-set style arrays: {@code kernel = [kH, kW]}, {@code strides = [h, w]}, {@code pads =
   * [top, left, bottom, right]}, {@code dilations = [h, w]}.
   */
  public static Window2d of(int[] kernel, int[] strides, int[] pads, int[] dilations) {
    return new Window2d(kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1], pads[2],
        pads[3], dilations[0], dilations[1]);
  }

  /** Effective (dilated) kernel height. */
  public int extentH() {
    return dilationH * (kernelH - 1) + 1;
  }

  /** Effective (dilated) kernel width. */
  public int extentW() {
    return dilationW * (kernelW - 1) + 1;
  }

  /** Output height for an input of height {@code h}, see {@link #outputSize}. */
  public int outH(int h, boolean ceilMode) {
    return outputSize(h, padTop, padBottom, extentH(), strideH, ceilMode);
  }

  /** Output width for an input of width {@code w}, see {@link #outputSize}. */
  public int outW(int w, boolean ceilMode) {
    return outputSize(w, padLeft, padRight, extentW(), strideW, ceilMode);
  }

  // The taps of one output position that read inside the input, for loops that skip padding:
  // kernel rows [firstTapY(oy), endTapY(oy, h)) and columns [firstTapX(ox), endTapX(ox, w)),
  // visited in the same order as a loop over the whole kernel that skips the padded taps.

  /** Input row that kernel row {@code ky} reads for output row {@code oy} (below 0: padding). */
  public int inputY(int oy, int ky) {
    return oy * strideH - padTop + ky * dilationH;
  }

  /** Input column that kernel column {@code kx} reads for output column {@code ox}. */
  public int inputX(int ox, int kx) {
    return ox * strideW - padLeft + kx * dilationW;
  }

  /** The first kernel row whose input row for output row {@code oy} is not above the input. */
  public int firstTapY(int oy) {
    return firstTap(oy * strideH - padTop, dilationH);
  }

  /** One past the last kernel row whose input row for {@code oy} is inside height {@code h}. */
  public int endTapY(int oy, int h) {
    return endTap(oy * strideH - padTop, dilationH, kernelH, h);
  }

  /** The first kernel column whose input column for output column {@code ox} is inside. */
  public int firstTapX(int ox) {
    return firstTap(ox * strideW - padLeft, dilationW);
  }

  /** One past the last kernel column whose input column for {@code ox} is inside {@code w}. */
  public int endTapX(int ox, int w) {
    return endTap(ox * strideW - padLeft, dilationW, kernelW, w);
  }

  /** Smallest k >= 0 with {@code start + k * dilation >= 0}. */
  private static int firstTap(int start, int dilation) {
    return start >= 0 ? 0 : Math.ceilDiv(-start, dilation);
  }

  /** Smallest k, at most {@code kernel}, with {@code start + k * dilation >= size}. */
  private static int endTap(int start, int dilation, int kernel, int size) {
    return Math.max(0, Math.min(kernel, Math.ceilDiv(size - start, dilation)));
  }

  /**
   * Output size along one axis. Floor mode: {@code (in + padBegin + padEnd - extent) / stride +
   * 1}. Ceil mode rounds the division up, then drops a last window that would start in the end
   * padding (as PyTorch and ONNX Runtime do). Returns 0 or less when the window does not fit.
   */
  public static int outputSize(
      int in, int padBegin, int padEnd, int extent, int stride, boolean ceilMode) {
    long span = (long) in + padBegin + padEnd - extent;
    if (span < 0) {
      return 0;
    }
    long out;
    if (ceilMode) {
      out = (span + stride - 1) / stride + 1;
      if ((out - 1) * stride >= (long) in + padBegin) {
        out--;
      }
    } else {
      out = span / stride + 1;
    }
    return (int) out;
  }
}
