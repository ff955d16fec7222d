package org.bnn4j.kernels.reference;

import org.bnn4j.kernels.Window2d;

/**
 * Reference pooling on NCHW floats. The output size is the caller's (it comes from the graph's
 * types); windows are clipped to the input, so padding never contributes a value.
 */
public final class Pooling {
  private Pooling() {}

  /**
   * Max pooling with dilations. Each output is the max over the window's taps that lie inside the
   * input; padding never wins. NaN propagates. A window with no tap inside the input (possible
   * only in ceil mode) yields {@code -Float.MAX_VALUE}, as ONNX Runtime does.
   */
  public static void maxPool2d(
      float[] x, int xOff, int n, int c, int h, int w,
      Window2d win,
      float[] y, int yOff, int oh, int ow) {
    for (int plane = 0; plane < n * c; plane++) {
      int xBase = xOff + plane * h * w;
      int yBase = yOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          float max = Float.NEGATIVE_INFINITY;
          int taps = 0;
          for (int ky = win.firstTapY(oy); ky < win.endTapY(oy, h); ky++) {
            int iy = win.inputY(oy, ky);
            for (int kx = win.firstTapX(ox); kx < win.endTapX(ox, w); kx++) {
              int ix = win.inputX(ox, kx);
              max = Math.max(max, x[xBase + iy * w + ix]);
              taps++;
            }
          }
          y[yBase + oy * ow + ox] = taps == 0 ? -Float.MAX_VALUE : max;
        }
      }
    }
  }

  /**
   * Average pooling (dilations must be 1). The sum runs over the window's taps inside the input.
   * The divisor, with {@code countIncludePad}, is the window clipped to the padded input extent
   * {@code [-padBegin, in + padEnd)} on each axis (so a ceil-mode window running past the end
   * padding counts only what lies inside input plus pads, as ONNX does); without it, the number
   * of taps inside the input. A window with a zero divisor yields NaN.
   */
  public static void avgPool2d(
      float[] x, int xOff, int n, int c, int h, int w,
      Window2d win, boolean countIncludePad,
      float[] y, int yOff, int oh, int ow) {
    if (win.dilationH() != 1 || win.dilationW() != 1) {
      throw new IllegalArgumentException("average pooling takes no dilations");
    }
    for (int plane = 0; plane < n * c; plane++) {
      int xBase = xOff + plane * h * w;
      int yBase = yOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        int hs = oy * win.strideH() - win.padTop();
        int he = hs + win.kernelH();
        int y0 = Math.max(hs, 0);
        int y1 = Math.min(he, h);
        int padRows = Math.min(he, h + win.padBottom()) - Math.max(hs, -win.padTop());
        for (int ox = 0; ox < ow; ox++) {
          int ws = ox * win.strideW() - win.padLeft();
          int we = ws + win.kernelW();
          int x0 = Math.max(ws, 0);
          int x1 = Math.min(we, w);
          float sum = 0f;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              sum += x[xBase + iy * w + ix];
            }
          }
          int divisor;
          if (countIncludePad) {
            int padCols = Math.min(we, w + win.padRight()) - Math.max(ws, -win.padLeft());
            divisor = Math.max(padRows, 0) * Math.max(padCols, 0);
          } else {
            divisor = Math.max(y1 - y0, 0) * Math.max(x1 - x0, 0);
          }
          y[yBase + oy * ow + ox] = sum / divisor;
        }
      }
    }
  }

  /** Mean over each {@code [spatial]} plane: {@code planes = N * C}. Sums in double. */
  public static void globalAvgPool(float[] x, int xOff, int planes, int spatial, float[] y,
      int yOff) {
    for (int p = 0; p < planes; p++) {
      double sum = 0;
      int base = xOff + p * spatial;
      for (int i = 0; i < spatial; i++) {
        sum += x[base + i];
      }
      y[yOff + p] = (float) (sum / spatial);
    }
  }

  /** Max over each {@code [spatial]} plane: {@code planes = N * C}. NaN propagates. */
  public static void globalMaxPool(float[] x, int xOff, int planes, int spatial, float[] y,
      int yOff) {
    for (int p = 0; p < planes; p++) {
      float max = Float.NEGATIVE_INFINITY;
      int base = xOff + p * spatial;
      for (int i = 0; i < spatial; i++) {
        max = Math.max(max, x[base + i]);
      }
      y[yOff + p] = max;
    }
  }
}
