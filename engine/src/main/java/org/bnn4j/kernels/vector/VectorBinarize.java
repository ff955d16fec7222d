package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.Bitpack;

/**
 * Float NCHW to packed bits, eight positions at a time: one vector compare per channel gives an
 * 8-bit lane mask, eight channels' masks form an 8x8 bit matrix, and a transpose turns it into
 * one byte per position. Same result as {@link org.bnn4j.kernels.Bitpack#binarize}, which reads
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
    for (; p + 8 <= to; p += 8) {
      for (int wi = 0; wi < words; wi++) {
        int j0 = wi << 6;
        int j1 = Math.min(cout, j0 + 64);
        // The eight positions' words build up in registers and are stored once.
        long p0 = 0;
        long p1 = 0;
        long p2 = 0;
        long p3 = 0;
        long p4 = 0;
        long p5 = 0;
        long p6 = 0;
        long p7 = 0;
        for (int g = j0; g < j1; g += 8) {
          int gEnd = Math.min(g + 8, j1);
          long m = 0;
          for (int j = g; j < gEnd; j++) {
            // No division for the usual map (channel j reads channel j).
            int ci = source != null ? source[j] : j < c ? j : j % c;
            FloatVector v = FloatVector.fromArray(EIGHT, x, xb + ci * hw + p);
            long lanes = v.compare(VectorOperators.LT, thresholds[j]).toLong();
            if (seeZeros) {
              atThreshold = atThreshold.or(v.compare(VectorOperators.EQ, thresholds[j]));
            }
            m |= lanes << ((j - g) << 3);
          }
          // Byte i of t holds position i's bits of channels g..g+7.
          long t = transpose8x8(m);
          int shift = g - j0;
          p0 |= (t & 0xFFL) << shift;
          p1 |= (t >>> 8 & 0xFFL) << shift;
          p2 |= (t >>> 16 & 0xFFL) << shift;
          p3 |= (t >>> 24 & 0xFFL) << shift;
          p4 |= (t >>> 32 & 0xFFL) << shift;
          p5 |= (t >>> 40 & 0xFFL) << shift;
          p6 |= (t >>> 48 & 0xFFL) << shift;
          p7 |= (t >>> 56) << shift;
        }
        int w0 = o + p * words + wi;
        out[w0] = p0;
        out[w0 + words] = p1;
        out[w0 + 2 * words] = p2;
        out[w0 + 3 * words] = p3;
        out[w0 + 4 * words] = p4;
        out[w0 + 5 * words] = p5;
        out[w0 + 6 * words] = p6;
        out[w0 + 7 * words] = p7;
      }
    }
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
