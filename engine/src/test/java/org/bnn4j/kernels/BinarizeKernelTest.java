package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Float to bits, against the definition (bit j of position p is set exactly when
 * {@code x[source[j]][p] < t[j]}): the scalar {@link Bitpack#binarize} and the vector provider's,
 * for channel counts around word boundaries, odd position counts, batches, widening (K
 * thresholds per channel), explicit source maps, infinite thresholds, NaN and ties.
 */
class BinarizeKernelTest {

  @Test
  void scalarAndVectorMatchTheDefinition() {
    KernelProvider vector = Kernels.vectorOrNull();
    Random rnd = new Random(7);
    int cases = 0;
    for (int c : new int[] {1, 63, 64, 65, 130}) {
      for (int k : new int[] {1, 3}) {
        for (int hw : new int[] {1, 7, 8, 9, 49, 196}) {
          for (int n : new int[] {1, 2}) {
            for (boolean map : new boolean[] {false, true}) {
              check(rnd, c, k, hw, n, map, Kernels.scalar());
              if (vector != null) {
                check(rnd, c, k, hw, n, map, vector);
              }
              cases++;
            }
          }
        }
      }
    }
    assertEquals(5 * 2 * 6 * 2 * 2, cases);
    Assumptions.assumeTrue(vector != null, "vector module absent: only the scalar path ran");
  }

  private static void check(Random rnd, int c, int k, int hw, int n, boolean map,
      KernelProvider provider) {
    int cout = map ? Math.max(1, c * k - rnd.nextInt(c)) : c * k;
    int[] source = null;
    if (map) {
      source = new int[cout];
      for (int j = 0; j < cout; j++) {
        source[j] = rnd.nextInt(c);
      }
    }
    int xOff = 3;
    float[] x = new float[xOff + n * c * hw + 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    float[] t = new float[cout];
    for (int j = 0; j < cout; j++) {
      t[j] = (float) rnd.nextGaussian();
      switch (rnd.nextInt(12)) {
        case 0 -> t[j] = Float.NEGATIVE_INFINITY;
        case 1 -> t[j] = Float.POSITIVE_INFINITY;
        default -> { }
      }
    }
    // ties and NaN on some inputs
    for (int i = xOff; i < x.length - 2; i += 5) {
      int j = rnd.nextInt(cout);
      x[i] = rnd.nextInt(4) == 0 ? Float.NaN : t[j];
    }
    int words = Bitpack.words(cout);
    int outOff = 2;
    long[] out = new long[outOff + n * hw * words + 1];
    java.util.Arrays.fill(out, 0x5555_5555_5555_5555L); // every word must be overwritten
    for (int b = 0; b < n; b++) {
      // Two position ranges, split off the multiples of 8 as threads may split them.
      int cut = Math.min(hw, 8 * (b + 1) + b);
      BinarizeKernel kernel = provider.binarize(new BinarizeSpec(c, hw, t, source, cout));
      kernel.run(x, xOff, out, outOff, b, 0, cut);
      kernel.run(x, xOff, out, outOff, b, cut, hw);
    }
    for (int b = 0; b < n; b++) {
      for (int p = 0; p < hw; p++) {
        for (int w = 0; w < words; w++) {
          long want = 0;
          for (int j = w * 64; j < Math.min(cout, w * 64 + 64); j++) {
            int ci = source == null ? j % c : source[j];
            if (x[xOff + (b * c + ci) * hw + p] < t[j]) {
              want |= 1L << (j & 63);
            }
          }
          assertEquals(want, out[outOff + (b * hw + p) * words + w], provider.name() + " c=" + c
              + " k=" + k + " hw=" + hw + " n=" + n + " map=" + map + " b=" + b + " p=" + p
              + " word " + w);
        }
      }
    }
    assertEquals(0x5555_5555_5555_5555L, out[0]);
    assertEquals(0x5555_5555_5555_5555L, out[out.length - 1]);
  }
}
