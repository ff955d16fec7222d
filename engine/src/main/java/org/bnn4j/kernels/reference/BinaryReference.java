package org.bnn4j.kernels.reference;

/**
 * Reference binary kernels over packed bits (see the BIT CONVENTION in bnn4j_model.proto): bit 1
 * is -1, channels packed LSB first into 64-bit words, NHWC, pad bits 0. Dot products are exact
 * integers {@code K - 2 * popcount(x ^ w)} over the true channel count; taps in the zero padding
 * contribute 0, as they do in PyTorch where the sign output is padded with zeros. Dots are
 * written to float arrays: they are integers below 2^24 in magnitude, so floats hold them exactly.
 */
public final class BinaryReference {
  private BinaryReference() {}

  public static int words(int channels) {
    return (channels + 63) >>> 6;
  }

  /**
   * Packs float {@code x[n, c, hw]} (NCHW, hw = H*W, or 1 for [N, C]) into NHWC bits of
   * {@code cout} channels: output channel j is -1 (bit 1) exactly when
   * {@code x[source[j]] < thresholds[j]}; a null source means {@code j % c}. NaN compares false
   * and so reads as +1.
   */
  public static void binarize(float[] x, int xOff, int n, int c, int hw, float[] thresholds,
      int[] source, int cout, long[] out, int outOff) {
    int outWords = words(cout);
    for (int b = 0; b < n; b++) {
      for (int p = 0; p < hw; p++) {
        int o = outOff + (b * hw + p) * outWords;
        for (int i = 0; i < outWords; i++) {
          out[o + i] = 0L;
        }
        for (int j = 0; j < cout; j++) {
          int ci = source == null ? j % c : source[j];
          if (x[xOff + (b * c + ci) * hw + p] < thresholds[j]) {
            out[o + (j >>> 6)] |= 1L << (j & 63);
          }
        }
      }
    }
  }

  /** The 64 bits of {@code a} starting at bit {@code from} of word {@code base}. */
  static long bitsAt(long[] a, int base, int from) {
    int word = base + (from >>> 6);
    int shift = from & 63;
    long lo = a[word] >>> shift;
    if (shift == 0) {
      return lo;
    }
    // The high part may lie past the row; callers mask it off, but it must be readable.
    long hi = word + 1 < a.length ? a[word + 1] << (64 - shift) : 0L;
    return lo | hi;
  }

  /**
   * Sum over {@code cnt} channels of x*w (+1/-1 values): {@code x} channels start at bit
   * {@code xBit} of the row at {@code xBase}; {@code w} channels at bit 0 of {@code wBase}.
   */
  static int dot(long[] x, int xBase, int xBit, long[] w, int wBase, int cnt) {
    int diff = 0;
    for (int i = 0; i < cnt; i += 64) {
      int len = Math.min(64, cnt - i);
      long mask = len == 64 ? -1L : (1L << len) - 1;
      long xv = bitsAt(x, xBase, xBit + i);
      long wv = w[wBase + (i >>> 6)];
      diff += Long.bitCount((xv ^ wv) & mask);
    }
    return cnt - 2 * diff;
  }

  /**
   * Integer dots of a binary convolution, {@code dots[n, m, oh, ow]} (NCHW order). {@code x} is
   * NHWC bits of {@code c} channels; weights are {@code [m, kH, kW, c / group]} bits.
   */
  public static void conv2dDots(long[] x, int xOff, int n, int c, int h, int w,
      long[] wt, int m, int group, Window2d win, int oh, int ow, float[] dots, int dOff) {
    int cpg = c / group;
    int mpg = m / group;
    int xWords = words(c);
    int wWords = words(cpg);
    int kh = win.kernelH();
    int kw = win.kernelW();
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        int g = oc / mpg;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            int acc = 0;
            for (int ky = 0; ky < kh; ky++) {
              int iy = oy * win.strideH() - win.padTop() + ky * win.dilationH();
              if (iy < 0 || iy >= h) {
                continue;
              }
              for (int kx = 0; kx < kw; kx++) {
                int ix = ox * win.strideW() - win.padLeft() + kx * win.dilationW();
                if (ix < 0 || ix >= w) {
                  continue;
                }
                int xBase = xOff + ((b * h + iy) * w + ix) * xWords;
                int wBase = ((oc * kh + ky) * kw + kx) * wWords;
                acc += dot(x, xBase, g * cpg, wt, wBase, cpg);
              }
            }
            dots[dOff + ((b * m + oc) * oh + oy) * ow + ox] = acc;
          }
        }
      }
    }
  }

  /**
   * Sum over the valid taps of {@code tapBias[m, kH, kW]}, per output position: the constant
   * contribution of input channels that squeezing removed. Added to {@code dots} in place.
   */
  public static void addTapBias(float[] tapBias, int n, int h, int w, int m, Window2d win,
      int oh, int ow, float[] dots, int dOff) {
    int kh = win.kernelH();
    int kw = win.kernelW();
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            int acc = 0;
            for (int ky = 0; ky < kh; ky++) {
              int iy = oy * win.strideH() - win.padTop() + ky * win.dilationH();
              if (iy < 0 || iy >= h) {
                continue;
              }
              for (int kx = 0; kx < kw; kx++) {
                int ix = ox * win.strideW() - win.padLeft() + kx * win.dilationW();
                if (ix >= 0 && ix < w) {
                  acc += (int) tapBias[(oc * kh + ky) * kw + kx];
                }
              }
            }
            dots[dOff + ((b * m + oc) * oh + oy) * ow + ox] += acc;
          }
        }
      }
    }
  }

  /** Integer dots of a binary dense layer: {@code x[n, k]} bits, {@code wt[m, k]} bits. */
  public static void denseDots(long[] x, int xOff, int n, int k, long[] wt, int m, float[] dots,
      int dOff) {
    int words = words(k);
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        dots[dOff + b * m + oc] = dot(x, xOff + b * words, 0, wt, oc * words, k);
      }
    }
  }

  /**
   * Max pooling of +1/-1 values on NHWC bits: the max is -1 only when every valid tap is -1, so
   * the result is the AND of the words over the window. Padding never wins, as in MaxPool.
   */
  public static void bitMaxPool2d(long[] x, int xOff, int n, int c, int h, int w, Window2d win,
      long[] out, int outOff, int oh, int ow) {
    int words = words(c);
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int o = outOff + ((b * oh + oy) * ow + ox) * words;
          for (int i = 0; i < words; i++) {
            long acc = -1L;
            boolean any = false;
            for (int ky = 0; ky < win.kernelH(); ky++) {
              int iy = oy * win.strideH() - win.padTop() + ky * win.dilationH();
              if (iy < 0 || iy >= h) {
                continue;
              }
              for (int kx = 0; kx < win.kernelW(); kx++) {
                int ix = ox * win.strideW() - win.padLeft() + kx * win.dilationW();
                if (ix >= 0 && ix < w) {
                  acc &= x[xOff + ((b * h + iy) * w + ix) * words + i];
                  any = true;
                }
              }
            }
            out[o + i] = any ? acc : 0L;
          }
        }
      }
    }
  }
}
