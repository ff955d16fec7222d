package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.Bitpack;

/**
 * Float NCHW to packed bits, eight positions at a time: one vector compare per channel gives an
 * 8-bit lane mask, eight channels' masks form an 8x8 bit matrix, and a transpose turns it into
 * one byte per position, written into the positions' words (the first byte of a word stores,
 * the others OR into it). Same result as {@link org.bnn4j.kernels.Bitpack#binarize}, which reads
 * and writes each output word once per channel.
 */
final class VectorBinarize {
  private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;

  private VectorBinarize() {}

  /**
   * Packs positions {@code [from, to)} of image {@code b}; with {@code seeZeros} also returns
   * whether any input was exactly at its threshold (one more compare per vector), else false.
   */
  static boolean binarize(float[] x, int xOff, int c, int hw, float[] thresholds, int[] source,
      int cout, long[] out, int outOff, int b, int from, int to, boolean seeZeros) {
    int words = Bitpack.words(cout);
    VectorMask<Float> atThreshold = EIGHT.maskAll(false);
    boolean anyTail = false;
    int o = outOff + b * hw * words;
    int xb = xOff + b * c * hw;
    int p = from;
    int end8 = from + ((to - from) & ~7);
    // Blocks of 64 positions, eight channels at a time: each channel is read in runs of 256
    // bytes (four cache lines) rather than 32, fewer streams for the prefetchers to follow.
    for (int p0 = from; p0 < end8; p0 += 64) {
      int pe = Math.min(end8, p0 + 64);
      for (int wi = 0; wi < words; wi++) {
        int j0 = wi << 6;
        int j1 = Math.min(cout, j0 + 64);
        for (int g = j0; g < j1; g += 8) {
          int gEnd = Math.min(g + 8, j1);
          int shift = g - j0;
          for (int q = p0; q < pe; q += 8) {
            long m = 0;
            for (int j = g; j < gEnd; j++) {
              int ci = source != null ? source[j] : j < c ? j : j % c;
              FloatVector v = FloatVector.fromArray(EIGHT, x, xb + ci * hw + q);
              long lanes = v.compare(VectorOperators.LT, thresholds[j]).toLong();
              if (seeZeros) {
                atThreshold = atThreshold.or(v.compare(VectorOperators.EQ, thresholds[j]));
              }
              m |= lanes << ((j - g) << 3);
            }
            long t = transpose8x8(m);
            int w0 = o + q * words + wi;
            if (shift == 0) {
              out[w0] = t & 0xFFL;
              out[w0 + words] = t >>> 8 & 0xFFL;
              out[w0 + 2 * words] = t >>> 16 & 0xFFL;
              out[w0 + 3 * words] = t >>> 24 & 0xFFL;
              out[w0 + 4 * words] = t >>> 32 & 0xFFL;
              out[w0 + 5 * words] = t >>> 40 & 0xFFL;
              out[w0 + 6 * words] = t >>> 48 & 0xFFL;
              out[w0 + 7 * words] = t >>> 56;
            } else {
              out[w0] |= (t & 0xFFL) << shift;
              out[w0 + words] |= (t >>> 8 & 0xFFL) << shift;
              out[w0 + 2 * words] |= (t >>> 16 & 0xFFL) << shift;
              out[w0 + 3 * words] |= (t >>> 24 & 0xFFL) << shift;
              out[w0 + 4 * words] |= (t >>> 32 & 0xFFL) << shift;
              out[w0 + 5 * words] |= (t >>> 40 & 0xFFL) << shift;
              out[w0 + 6 * words] |= (t >>> 48 & 0xFFL) << shift;
              out[w0 + 7 * words] |= (t >>> 56) << shift;
            }
          }
        }
      }
    }
    p = end8;
    for (; p < to; p++) {
      for (int wi = 0; wi < words; wi++) {
        long word = 0;
        int j1 = Math.min(cout, (wi << 6) + 64);
        for (int j = wi << 6; j < j1; j++) {
          int ci = source != null ? source[j] : j < c ? j : j % c;
          word |= x[xb + ci * hw + p] < thresholds[j] ? 1L << (j & 63) : 0L;
          anyTail |= x[xb + ci * hw + p] == thresholds[j];
        }
        out[o + p * words + wi] = word;
      }
    }
    return seeZeros && (anyTail || atThreshold.anyTrue());
  }

  /** Transposes an 8x8 bit matrix held as byte r = row r, bit c of a byte = column c. */
  static long transpose8x8(long x) {
    long t = (x ^ (x >>> 7)) & 0x00AA00AA00AA00AAL;
    x = x ^ t ^ (t << 7);
    t = (x ^ (x >>> 14)) & 0x0000CCCC0000CCCCL;
    x = x ^ t ^ (t << 14);
    t = (x ^ (x >>> 28)) & 0x00000000F0F0F0F0L;
    return x ^ t ^ (t << 28);
  }
}
