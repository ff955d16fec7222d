package org.bnn4j.kernels;

/**
 * The exact correction that turns a binary layer's plain dots into the dots over values in
 * {-1, 0, +1}, for inputs that met a zero (see {@code ZeroStates}). A zero's sign bit is 0, so
 * the plain kernel counted it as +1 and added its weight w (+1 or -1) at every tap that reads it;
 * the exact dot adds 0. Per nonzero word z of the zero mask and per tap and output channel that
 * reads it, the correction is {@code -(popcount(z) - 2 * popcount(z & w))}.
 *
 * <p>Sparse: the cost is proportional to the mask words that hold a zero, so a few zeros cost
 * next to nothing, and a zero in every word costs about one plain pass (one scalar popcount per
 * word, output channel and tap). Corrections are integers below 2^24 in magnitude (the layer's
 * reduction length is checked), so the floats hold them exactly and adding one to a float dot of
 * the same size is exact.
 */
public final class ZeroCorrection {
  private ZeroCorrection() {}

  /** Floats of correction per layer run: {@code n * oh * ow} positions of {@code stride}. */
  public static long floats(BinaryConvSpec s, int stride) {
    return (long) s.pixels() * stride;
  }

  /**
   * Writes image {@code b}'s corrections, {@code corr[((b * oh + oy) * ow + ox) * stride +
   * index[oc]]} from {@code cOff} (the layout the kernel reads, see {@link
   * BinaryConvKernel#correctionIndex}), from the zero mask {@code z} of the layer's input (its
   * NHWC layout from {@code zOff}, batch included). Everything else in the image's rows is 0.
   */
  public static void image(BinaryConvSpec s, long[] z, int zOff, int b, float[] corr,
      int cOff, int[] index, int stride) {
    int h = s.h();
    int w = s.w();
    int oh = s.oh();
    int ow = s.ow();
    int group = s.group();
    int cpg = s.c() / group;
    int xWords = Bitpack.words(s.c());
    int wWords = Bitpack.words(cpg);
    // Groups that start on a word take the mask a word at a time; otherwise a mask word can span
    // groups, whose weights each start on a word, so it is taken a bit (a channel) at a time.
    boolean wordAligned = group == 1 || cpg % 64 == 0;
    int o0 = cOff + b * oh * ow * stride;
    java.util.Arrays.fill(corr, o0, o0 + oh * ow * stride, 0f);
    for (int iy = 0; iy < h; iy++) {
      for (int ix = 0; ix < w; ix++) {
        int base = zOff + ((b * h + iy) * w + ix) * xWords;
        for (int i = 0; i < xWords; i++) {
          long zw = z[base + i];
          if (zw == 0L) {
            continue;
          }
          if (wordAligned) {
            int g = group == 1 ? 0 : i / wWords;
            addTaps(s, zw, g, i - g * wWords, iy, ix, corr, o0, index, stride);
            continue;
          }
          for (long rest = zw; rest != 0L; rest &= rest - 1) {
            int channel = (i << 6) + Long.numberOfTrailingZeros(rest);
            int g = channel / cpg;
            int local = channel - g * cpg;
            addTaps(s, 1L << (local & 63), g, local >>> 6, iy, ix, corr, o0, index, stride);
          }
        }
      }
    }
  }

  /**
   * Adds, at every output position whose window reads input {@code (iy, ix)}, the correction of
   * the zeros {@code zw} (aligned as word {@code wi} of group {@code g}'s weights) to each of the
   * group's output channels.
   */
  private static void addTaps(BinaryConvSpec s, long zw, int g, int wi, int iy, int ix,
      float[] corr, int o0, int[] index, int stride) {
    int oh = s.oh();
    int ow = s.ow();
    int kh = s.win().kernelH();
    int kw = s.win().kernelW();
    int sh = s.win().strideH();
    int sw = s.win().strideW();
    int pt = s.win().padTop();
    int pl = s.win().padLeft();
    int dh = s.win().dilationH();
    int dw = s.win().dilationW();
    int mpg = s.m() / s.group();
    int wWords = Bitpack.words(s.c() / s.group());
    long[] wt = s.weights();
    int zeros = Long.bitCount(zw);
    for (int ky = 0; ky < kh; ky++) {
      int ty = iy + pt - ky * dh;
      if (ty < 0 || ty % sh != 0 || ty / sh >= oh) {
        continue;
      }
      for (int kx = 0; kx < kw; kx++) {
        int tx = ix + pl - kx * dw;
        if (tx < 0 || tx % sw != 0 || tx / sw >= ow) {
          continue;
        }
        int o = o0 + ((ty / sh) * ow + tx / sw) * stride;
        int wb = (ky * kw + kx) * wWords + wi;
        int tapStride = kh * kw * wWords;
        for (int oc = g * mpg; oc < (g + 1) * mpg; oc++) {
          corr[o + index[oc]] -= zeros - 2 * Long.bitCount(zw & wt[oc * tapStride + wb]);
        }
      }
    }
  }
}
