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
    {
      int o = outOff + b * hw * words;
      int xb = xOff + b * c * hw;
      int p = from;
      for (; p + 8 <= to; p += 8) {
        for (int wi = 0; wi < words; wi++) {
          int j0 = wi << 6;
          int w0 = o + p * words + wi;
          int j1 = Math.min(cout, j0 + 64);
          for (int g = j0; g < j1; g += 8) {
            int gEnd = Math.min(g + 8, j1);
            long m = 0;
            for (int j = g; j < gEnd; j++) {
              int ci = source == null ? j % c : source[j];
              FloatVector v = FloatVector.fromArray(EIGHT, x, xb + ci * hw + p);
              long lanes = v.compare(VectorOperators.LT, thresholds[j]).toLong();
              if (seeZeros) {
                atThreshold = atThreshold.or(v.compare(VectorOperators.EQ, thresholds[j]));
              }
              m |= lanes << ((j - g) << 3);
            }
            long t = transpose8x8(m);
            int shift = g - j0;
            if (shift == 0) {
              for (int i = 0; i < 8; i++) {
                out[w0 + i * words] = t >>> (i << 3) & 0xFFL;
              }
            } else {
              for (int i = 0; i < 8; i++) {
                out[w0 + i * words] |= (t >>> (i << 3) & 0xFFL) << shift;
              }
            }
          }
        }
      }
      for (; p < to; p++) {
        for (int wi = 0; wi < words; wi++) {
          long word = 0;
          int j1 = Math.min(cout, (wi << 6) + 64);
          for (int j = wi << 6; j < j1; j++) {
            int ci = source == null ? j % c : source[j];
            word |= x[xb + ci * hw + p] < thresholds[j] ? 1L << (j & 63) : 0L;
            anyTail |= x[xb + ci * hw + p] == thresholds[j];
          }
          out[o + p * words + wi] = word;
        }
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
