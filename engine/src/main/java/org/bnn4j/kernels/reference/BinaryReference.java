package org.bnn4j.kernels.reference;

import static org.bnn4j.kernels.Bitpack.words;

import org.bnn4j.kernels.Window2d;

/**
 * Reference binary kernels over packed bits (see the BIT CONVENTION in bnn4j_model.proto): bit 1
 * is -1, channels packed LSB first into 64-bit words, NHWC, pad bits 0. Dot products are exact
 * integers {@code K - 2 * popcount(x ^ w)} over the true channel count; taps in the zero padding
 * contribute 0, as they do in PyTorch where the sign output is padded with zeros. Dots are
 * written to float arrays: they are integers below 2^24 in magnitude, so floats hold them exactly.
 */
public final class BinaryReference {
  private BinaryReference() {}

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

  /**
   * The zero mask of image {@code b} for a Binarize with {@code zero = "zero"}: bit j of position
   * p is set when {@code x[source[j]] == thresholds[j]} (the input is exactly at the threshold,
   * so ONNX Sign gives 0), in the layout of {@link #binarize}'s output from {@code zOff}. The
   * sign bit of such a channel is 0 already, since {@code x < t} is false. Returns whether any
   * bit was set.
   */
  public static boolean zeroMask(float[] x, int xOff, int c, int hw, float[] thresholds,
      int[] source, int cout, long[] z, int zOff, int b) {
    int outWords = words(cout);
    int o = zOff + b * hw * outWords;
    java.util.Arrays.fill(z, o, o + hw * outWords, 0L);
    boolean any = false;
    // Channel by channel, so that the NCHW input is read in order.
    for (int j = 0; j < cout; j++) {
      int xb = xOff + (b * c + (source == null ? j % c : source[j])) * hw;
      float t = thresholds[j];
      int wi = o + (j >>> 6);
      for (int p = 0; p < hw; p++) {
        if (x[xb + p] == t) {
          z[wi + p * outWords] |= 1L << (j & 63);
          any = true;
        }
      }
    }
    return any;
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
   * {@link #dot} over values in {-1, 0, +1}: the zero mask lies {@code zDelta} words after the
   * sign bits, and with {@code m} the nonzero channels the dot is
   * {@code popcount(m) - 2 * popcount((x ^ w) & m)}.
   */
  static int dotWithZeros(long[] x, int xBase, int xBit, int zDelta, long[] w, int wBase,
      int cnt) {
    int dot = 0;
    for (int i = 0; i < cnt; i += 64) {
      int len = Math.min(64, cnt - i);
      long mask = len == 64 ? -1L : (1L << len) - 1;
      long nonzero = ~bitsAt(x, xBase + zDelta, xBit + i) & mask;
      long xv = bitsAt(x, xBase, xBit + i);
      long wv = w[wBase + (i >>> 6)];
      dot += Long.bitCount(nonzero) - 2 * Long.bitCount((xv ^ wv) & nonzero);
    }
    return dot;
  }

  /**
   * Integer dots of a binary convolution, {@code dots[n, m, oh, ow]} (NCHW order). {@code x} is
   * NHWC bits of {@code c} channels; weights are {@code [m, kH, kW, c / group]} bits.
   */
  public static void conv2dDots(long[] x, int xOff, int n, int c, int h, int w,
      long[] wt, int m, int group, Window2d win, int oh, int ow, float[] dots, int dOff) {
    conv2dDots(x, xOff, -1, n, c, h, w, wt, m, group, win, oh, ow, dots, dOff);
  }

  /**
   * {@link #conv2dDots} over values in {-1, 0, +1} when {@code zOff >= 0}: the zero mask of
   * {@code x}, in its layout, starts at {@code zOff} of the same array.
   */
  public static void conv2dDots(long[] x, int xOff, int zOff, int n, int c, int h, int w,
      long[] wt, int m, int group, Window2d win, int oh, int ow, float[] dots, int dOff) {
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            dots[dOff + ((b * m + oc) * oh + oy) * ow + ox] =
                conv2dDot(x, xOff, zOff, b, c, h, w, wt, m, group, win, oc, oy, ox);
          }
        }
      }
    }
  }

  /**
   * One integer dot of {@link #conv2dDots}: output channel {@code oc} at {@code (oy, ox)} of
   * image {@code b}, over values in {-1, 0, +1} when {@code zOff >= 0}.
   */
  public static int conv2dDot(long[] x, int xOff, int zOff, int b, int c, int h, int w,
      long[] wt, int m, int group, Window2d win, int oc, int oy, int ox) {
    int zDelta = zOff - xOff;
    int cpg = c / group;
    int mpg = m / group;
    int xWords = words(c);
    int wWords = words(cpg);
    int kh = win.kernelH();
    int kw = win.kernelW();
    int g = oc / mpg;
    int acc = 0;
    for (int ky = win.firstTapY(oy); ky < win.endTapY(oy, h); ky++) {
      int iy = win.inputY(oy, ky);
      for (int kx = win.firstTapX(ox); kx < win.endTapX(ox, w); kx++) {
        int ix = win.inputX(ox, kx);
        int xBase = xOff + ((b * h + iy) * w + ix) * xWords;
        int wBase = ((oc * kh + ky) * kw + kx) * wWords;
        acc += zOff < 0 ? dot(x, xBase, g * cpg, wt, wBase, cpg)
            : dotWithZeros(x, xBase, g * cpg, zDelta, wt, wBase, cpg);
      }
    }
    return acc;
  }

  /**
   * Sum over the valid taps of {@code tapBias[m, kH, kW]}, per output position: the constant
   * contribution of input channels that squeezing removed. Added to {@code dots} in place.
   */
  public static void addTapBias(float[] tapBias, int n, int h, int w, int m, Window2d win,
      int oh, int ow, float[] dots, int dOff) {
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            dots[dOff + ((b * m + oc) * oh + oy) * ow + ox] +=
                tapBiasSum(tapBias, h, w, win, oc, oy, ox);
          }
        }
      }
    }
  }

  /** {@link #addTapBias}'s integer for output channel {@code oc} at {@code (oy, ox)}. */
  public static int tapBiasSum(float[] tapBias, int h, int w, Window2d win, int oc, int oy,
      int ox) {
    int kh = win.kernelH();
    int kw = win.kernelW();
    int acc = 0;
    for (int ky = win.firstTapY(oy); ky < win.endTapY(oy, h); ky++) {
      for (int kx = win.firstTapX(ox); kx < win.endTapX(ox, w); kx++) {
        acc += (int) tapBias[(oc * kh + ky) * kw + kx];
      }
    }
    return acc;
  }

  /** Integer dots of a binary dense layer: {@code x[n, k]} bits, {@code wt[m, k]} bits. */
  public static void denseDots(long[] x, int xOff, int n, int k, long[] wt, int m, float[] dots,
      int dOff) {
    denseDots(x, xOff, -1, n, k, wt, m, dots, dOff);
  }

  /** {@link #denseDots} over values in {-1, 0, +1}, the zero mask at {@code zOff} when >= 0. */
  public static void denseDots(long[] x, int xOff, int zOff, int n, int k, long[] wt, int m,
      float[] dots, int dOff) {
    int words = words(k);
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        dots[dOff + b * m + oc] = zOff < 0 ? dot(x, xOff + b * words, 0, wt, oc * words, k)
            : dotWithZeros(x, xOff + b * words, 0, zOff - xOff, wt, oc * words, k);
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
            for (int ky = win.firstTapY(oy); ky < win.endTapY(oy, h); ky++) {
              int iy = win.inputY(oy, ky);
              for (int kx = win.firstTapX(ox); kx < win.endTapX(ox, w); kx++) {
                int ix = win.inputX(ox, kx);
                acc &= x[xOff + ((b * h + iy) * w + ix) * words + i];
                any = true;
              }
            }
            out[o + i] = any ? acc : 0L;
          }
        }
      }
    }
  }

  /**
   * The zero mask of a max pool over values in {-1, 0, +1} (sign bits from {@link
   * #bitMaxPool2d}, zero masks at {@code zOff} and {@code outZOff}): the max is 0 when no valid
   * tap is +1 and some tap is 0, that is every tap is -1 or 0 (the AND of sign OR zero) but not
   * every tap is -1 (the AND of the signs). Its sign bit is then 0, as the convention needs.
   */
  public static void bitMaxPool2dZeros(long[] x, int xOff, int zOff, int n, int c, int h, int w,
      Window2d win, long[] out, int outOff, int outZOff, int oh, int ow) {
    int words = words(c);
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int o = ((b * oh + oy) * ow + ox) * words;
          for (int i = 0; i < words; i++) {
            long notPlus = -1L;
            boolean any = false;
            for (int ky = win.firstTapY(oy); ky < win.endTapY(oy, h); ky++) {
              int iy = win.inputY(oy, ky);
              for (int kx = win.firstTapX(ox); kx < win.endTapX(ox, w); kx++) {
                int ix = win.inputX(ox, kx);
                int at = ((b * h + iy) * w + ix) * words + i;
                notPlus &= x[xOff + at] | x[zOff + at];
                any = true;
              }
            }
            out[outZOff + o + i] = any ? notPlus & ~out[outOff + o + i] : 0L;
          }
        }
      }
    }
  }
}
