package org.bnn4j.kernels;

import org.bnn4j.kernels.reference.Window2d;

/**
 * Float max pooling over NCHW planes with the valid tap range of every output row and column
 * computed once, so the inner loops carry no bounds checks. Same results as
 * {@link org.bnn4j.kernels.reference.Pooling#maxPool2d} (max is exact in any order).
 */
public final class MaxPoolKernel {
  private final int h;
  private final int w;
  private final int oh;
  private final int ow;
  private final int dh;
  private final int dw;
  private final int[] rowStart; // first input row of output row oy's first valid tap
  private final int[] rowTaps;  // valid taps along the height
  private final int[] colStart;
  private final int[] colTaps;
  private final boolean twoByTwo; // 2x2, stride 2, no padding or dilation: the common pool

  public MaxPoolKernel(int h, int w, Window2d win, int oh, int ow) {
    this.h = h;
    this.w = w;
    this.oh = oh;
    this.ow = ow;
    this.dh = win.dilationH();
    this.dw = win.dilationW();
    twoByTwo = win.kernelH() == 2 && win.kernelW() == 2 && win.strideH() == 2
        && win.strideW() == 2 && win.padTop() == 0 && win.padLeft() == 0 && dh == 1 && dw == 1
        && 2 * oh <= h && 2 * ow <= w;
    rowStart = new int[oh];
    rowTaps = new int[oh];
    validTaps(oh, h, win.kernelH(), win.strideH(), win.padTop(), dh, rowStart, rowTaps);
    colStart = new int[ow];
    colTaps = new int[ow];
    validTaps(ow, w, win.kernelW(), win.strideW(), win.padLeft(), dw, colStart, colTaps);
  }

  /** Along one axis: per output index, the first in-range input index and the in-range taps. */
  private static void validTaps(int outs, int in, int kernel, int stride, int pad, int dilation,
      int[] start, int[] taps) {
    for (int o = 0; o < outs; o++) {
      int first = -1;
      int count = 0;
      for (int k = 0; k < kernel; k++) {
        int i = o * stride - pad + k * dilation;
        if (i >= 0 && i < in) {
          first = first < 0 ? i : first;
          count++;
        }
      }
      start[o] = Math.max(first, 0);
      taps[o] = count;
    }
  }

  /** Pools {@code planes} consecutive planes of x into y. */
  public void run(float[] x, int xOff, int planes, float[] y, int yOff) {
    if (twoByTwo) {
      runTwoByTwo(x, xOff, planes, y, yOff);
      return;
    }
    for (int plane = 0; plane < planes; plane++) {
      int xBase = xOff + plane * h * w;
      int yBase = yOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        int rows = rowTaps[oy];
        int rowBase = xBase + rowStart[oy] * w;
        for (int ox = 0; ox < ow; ox++) {
          int cols = colTaps[ox];
          float max = Float.NEGATIVE_INFINITY;
          int at = rowBase + colStart[ox];
          for (int ky = 0; ky < rows; ky++) {
            int i = at + ky * dh * w;
            for (int kx = 0; kx < cols; kx++) {
              max = Math.max(max, x[i + kx * dw]);
            }
          }
          y[yBase + oy * ow + ox] = rows == 0 || cols == 0 ? -Float.MAX_VALUE : max;
        }
      }
    }
  }

  private void runTwoByTwo(float[] x, int xOff, int planes, float[] y, int yOff) {
    for (int plane = 0; plane < planes; plane++) {
      int xBase = xOff + plane * h * w;
      int yBase = yOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        int r0 = xBase + 2 * oy * w;
        int r1 = r0 + w;
        int yr = yBase + oy * ow;
        for (int ox = 0; ox < ow; ox++) {
          int i = 2 * ox;
          y[yr + ox] = Math.max(Math.max(x[r0 + i], x[r0 + i + 1]),
              Math.max(x[r1 + i], x[r1 + i + 1]));
        }
      }
    }
  }
}
