package org.bnn4j.kernels.reference;

import org.bnn4j.kernels.Window2d;

/** Reference 2-D convolution (ONNX Conv on NCHW) with groups, strides, dilations and pads. */
public final class Convolution {
  private Convolution() {}

  /**
   * {@code y[N, M, oh, ow] = sum over (ic, ky, kx) of x * w, plus bias}. x is {@code [n, c, h,
   * w]}; weights are {@code [m, c / group, kH, kW]}; bias is {@code [m]} or null; y is {@code [n,
   * m, oh, ow]}. The dot product accumulates in float in (ic, ky, kx) order, then adds the bias.
   * Taps that fall in the padding contribute nothing (zero padding).
   */
  public static void conv2d(
      float[] x, int xOff, int n, int c, int h, int w,
      float[] wt, int wOff, int m, int group,
      float[] bias, int biasOff,
      Window2d win,
      float[] y, int yOff, int oh, int ow) {
    if (group < 1 || c % group != 0 || m % group != 0) {
      throw new IllegalArgumentException(
          "group " + group + " must divide input channels " + c + " and output channels " + m);
    }
    for (int b = 0; b < n; b++) {
      conv2dChannels(x, xOff, b, c, h, w, wt, wOff, m, group, bias, biasOff, win, y, yOff, oh,
          ow, 0, m);
    }
  }

  /**
   * {@link #conv2d}'s output channels {@code [ocFrom, ocTo)} of image {@code b} (same operations
   * in the same order, so the same bits): what a thread computes when the channels are split.
   */
  public static void conv2dChannels(
      float[] x, int xOff, int b, int c, int h, int w,
      float[] wt, int wOff, int m, int group,
      float[] bias, int biasOff,
      Window2d win,
      float[] y, int yOff, int oh, int ow, int ocFrom, int ocTo) {
    int cpg = c / group;
    int mpg = m / group;
    int kh = win.kernelH();
    int kw = win.kernelW();
    for (int oc = ocFrom; oc < ocTo; oc++) {
      int g = oc / mpg;
      int wBase = wOff + oc * cpg * kh * kw;
      int yBase = yOff + ((b * m + oc) * oh) * ow;
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          float acc = 0f;
          for (int ic = 0; ic < cpg; ic++) {
            int xPlane = xOff + (b * c + g * cpg + ic) * h * w;
            for (int ky = win.firstTapY(oy); ky < win.endTapY(oy, h); ky++) {
              int iy = win.inputY(oy, ky);
              for (int kx = win.firstTapX(ox); kx < win.endTapX(ox, w); kx++) {
                int ix = win.inputX(ox, kx);
                acc += x[xPlane + iy * w + ix] * wt[wBase + (ic * kh + ky) * kw + kx];
              }
            }
          }
          if (bias != null) {
            acc += bias[biasOff + oc];
          }
          y[yBase + oy * ow + ox] = acc;
        }
      }
    }
  }
}
