package org.bnn4j.kernels;

/**
 * Cache-friendly binarization: the same result as {@code BinaryReference.binarize}, computed
 * channel by channel so the NCHW float input is read sequentially.
 */
public final class Bitpack {
  private Bitpack() {}

  /**
   * 64-bit words that hold {@code bits} packed bits (channels), the last one zero-padded: the one
   * place this rounding is written. Right for every non-negative int (the unsigned shift absorbs
   * the overflow of {@code bits + 63}).
   */
  public static int words(int bits) {
    return (bits + 63) >>> 6;
  }

  /**
   * Packs float {@code x[n, c, hw]} into NHWC bits of {@code cout} channels, channel j being -1
   * (bit 1) exactly when {@code x[source[j]] < thresholds[j]} (null source: {@code j % c}).
   * Writes positions {@code [from, to)} of image {@code b} only.
   */
  public static void binarize(float[] x, int xOff, int c, int hw, float[] thresholds,
      int[] source, int cout, long[] out, int outOff, int b, int from, int to) {
    int words = words(cout);
    int o = outOff + b * hw * words;
    java.util.Arrays.fill(out, o + from * words, o + to * words, 0L);
    for (int j = 0; j < cout; j++) {
      int ci = source == null ? j % c : source[j];
      int xb = xOff + (b * c + ci) * hw;
      float t = thresholds[j];
      int wi = o + (j >>> 6);
      long bit = 1L << (j & 63);
      for (int p = from; p < to; p++) {
        // Branch-free: the comparison is data-dependent and mispredicts on real inputs.
        out[wi + p * words] |= x[xb + p] < t ? bit : 0L;
      }
    }
  }

  /**
   * {@link #binarize}, also telling whether any input in the range is exactly at its threshold
   * (where a Binarize with {@code zero = "zero"} gives 0; the caller then writes the zero mask).
   */
  public static boolean binarizeSeeingZeros(float[] x, int xOff, int c, int hw,
      float[] thresholds, int[] source, int cout, long[] out, int outOff, int b, int from,
      int to) {
    binarize(x, xOff, c, hw, thresholds, source, cout, out, outOff, b, from, to);
    boolean any = false;
    for (int j = 0; j < cout && !any; j++) {
      int xb = xOff + (b * c + (source == null ? j % c : source[j])) * hw;
      float t = thresholds[j];
      for (int p = from; p < to; p++) {
        any |= x[xb + p] == t;
      }
    }
    return any;
  }
}
