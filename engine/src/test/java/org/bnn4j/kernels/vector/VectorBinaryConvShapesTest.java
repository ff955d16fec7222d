package org.bnn4j.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.Kernels;
import org.bnn4j.kernels.Window2d;
import org.bnn4j.kernels.ZeroCorrection;
import org.bnn4j.kernels.reference.BinaryOutputTransform;
import org.bnn4j.kernels.reference.BinaryReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every micro-kernel shape of the vector binary convolution, forced through the constructor
 * whatever this machine's vectors would pick, bit-exact against the scalar reference: channel
 * counts around word boundaries, every padding, strides 1 and 2, word-aligned groups, both
 * output modes, position ranges split as threads split them, and inputs in the zero state
 * (Sign(0) = 0) through the kernel's corrections, against the reference's dots over {-1, 0, +1}.
 */
class VectorBinaryConvShapesTest {
  private static final int[] SHAPES = {VectorBinaryConv.POSITIONS_16_REGISTERS,
      VectorBinaryConv.POSITIONS_32_REGISTERS};
  private static final int[][] PADS = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 1}};

  @BeforeEach
  void needsVectorModule() {
    Assumptions.assumeTrue(Kernels.vectorOrNull() != null,
        "pass --add-modules jdk.incubator.vector");
  }

  @Test
  void everyShapeMatchesReference() {
    Random rnd = new Random(12);
    int cases = 0;
    for (int positions : SHAPES) {
      int i = 0;
      for (int c : new int[] {1, 63, 64, 65, 130}) {
        for (int[] pads : PADS) {
          for (int s : new int[] {1, 2}) {
            Window2d win = new Window2d(3, 3, s, s, pads[0], pads[1], pads[2], pads[3], 1, 1);
            int n = i % 3 == 0 ? 2 : 1;
            int h = 4 + rnd.nextInt(9);
            int w = 4 + rnd.nextInt(9);
            int m = new int[] {1, 17, 64, 70}[i % 4];
            check(rnd, positions, n, c, h, w, m, 1, win, i % 2 == 1, i % 5 == 0, i % 3 == 0);
            i++;
            cases++;
          }
        }
      }
      for (int[] pads : PADS) {
        Window2d win = new Window2d(3, 3, 1, 1, pads[0], pads[1], pads[2], pads[3], 1, 1);
        check(rnd, positions, 1, 128, 7, 6, 36, 2, win, false, true, false);
        check(rnd, positions, 2, 256, 5, 6, 68, 4, win, true, true, true);
        cases += 2;
      }
      // Longer than one pass (96 positions), padded and not, the 56x56 benchmark's channels.
      check(rnd, positions, 1, 64, 14, 14, 64, 1,
          new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), false, true, false);
      check(rnd, positions, 2, 64, 11, 13, 40, 1,
          new Window2d(3, 3, 1, 1, 0, 0, 0, 0, 1, 1), true, true, false);
      cases += 2;
    }
    assertEquals(2 * (5 * 4 * 2 + 4 * 2 + 2), cases);
  }

  @Test
  void theShapeIsThreeOrSixPositions() {
    BinaryConvSpec spec = spec(1, 64, 4, 4, 16, 1, new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
        new long[16 * 9], false);
    for (int positions : SHAPES) {
      assertEquals(positions, new VectorBinaryConv(spec, positions).pixelBlock());
    }
    assertThrows(IllegalArgumentException.class, () -> new VectorBinaryConv(spec, 4));
    int chosen = new VectorBinaryConv(spec).positions();
    assertTrue(chosen == 3 || chosen == 6);
  }

  private static BinaryConvSpec spec(int n, int c, int h, int w, int m, int group, Window2d win,
      long[] wt, boolean bitsOut) {
    float[] ones = new float[m];
    Arrays.fill(ones, 1f);
    return new BinaryConvSpec(n, c, h, w, m, group, win, win.outH(h, false), win.outW(w, false),
        wt, null, false, bitsOut, ones, new float[m], false, null, null, new long[m],
        new long[m]);
  }

  /** One layer: forced shape against the reference, with residual and PReLU, and zeros as asked. */
  private static void check(Random rnd, int positions, int n, int c, int h, int w, int m,
      int group, Window2d win, boolean bitsOut, boolean zeros, boolean prelu) {
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    int cpg = c / group;
    int xWords = Bitpack.words(c);
    int kWords = Bitpack.words(cpg);
    int taps = win.kernelH() * win.kernelW();
    int inWords = n * h * w * xWords;
    // Input bits, then (after them in the same array) the zero mask: a few zero-state inputs.
    long[] x = new long[2 * inWords + 2]; // the reference may read a word past a row
    for (int p = 0; p < n * h * w; p++) {
      for (int k = 0; k < xWords; k++) {
        int bits = Math.min(64, c - 64 * k);
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        long value = rnd.nextLong() & mask;
        long zero = zeros && rnd.nextInt(4) == 0 ? rnd.nextLong() & rnd.nextLong() & mask : 0L;
        // A zero's sign bit is 0 (Sign(0) = 0 is packed as bit 0).
        x[p * xWords + k] = value & ~zero;
        x[inWords + p * xWords + k] = zero;
      }
    }
    long[] wt = new long[m * taps * kWords];
    for (int r = 0; r < m * taps; r++) {
      for (int k = 0; k < kWords; k++) {
        int bits = Math.min(64, cpg - 64 * k);
        wt[r * kWords + k] = rnd.nextLong() & (bits == 64 ? -1L : (1L << bits) - 1);
      }
    }
    float[] mult = new float[m];
    float[] bias = new float[m];
    float[] slope = prelu ? new float[m] : null;
    long[] thr = new long[m];
    long[] flip = new long[m];
    for (int o = 0; o < m; o++) {
      mult[o] = (float) rnd.nextGaussian();
      bias[o] = (float) rnd.nextGaussian();
      if (prelu) {
        slope[o] = (float) rnd.nextGaussian();
      }
      thr[o] = rnd.nextInt(2 * taps * cpg + 1) - taps * cpg;
      flip[o] = rnd.nextInt(2);
    }
    int outN = n * m * oh * ow;
    // A residual with PReLU (the transform after the transpose), none without (before it).
    float[] residual = bitsOut || !prelu ? null : new float[outN];
    if (residual != null) {
      for (int i = 0; i < outN; i++) {
        residual[i] = (float) rnd.nextGaussian();
      }
    }
    float[] dots = new float[outN];
    BinaryReference.conv2dDots(x, 0, zeros ? inWords : -1, n, c, h, w, wt, m, group, win, oh,
        ow, dots, 0);
    int outWords = Bitpack.words(m);
    long[] refBits = new long[n * oh * ow * outWords];
    float[] refY = new float[outN];
    if (bitsOut) {
      BinaryOutputTransform.toBits(dots, 0, n, m, oh * ow, thr, flip, refBits, 0);
    } else {
      BinaryOutputTransform.toFloat(dots, 0, n, m, oh * ow, mult, bias, residual, 0, slope,
          null, refY, 0);
    }

    BinaryConvSpec spec = new BinaryConvSpec(n, c, h, w, m, group, win, oh, ow, wt, null, false,
        bitsOut, mult, bias, residual != null, slope, null, thr, flip);
    assertTrue(VectorBinaryConvLayout.supports(spec));
    VectorBinaryConv k = new VectorBinaryConv(spec, positions);
    long[] in = x;
    if (k.stagedInputWords() > 0) {
      in = new long[k.stagedInputWords()];
      Arrays.fill(in, -1L); // staging must write every word it reads
      k.stageInput(x, 0, in, 0);
    }
    float[] corr = null;
    if (zeros) {
      int stride = k.correctionStride();
      int[] index = new int[m];
      for (int o = 0; o < m; o++) {
        index[o] = k.correctionIndex(o);
      }
      corr = new float[Math.toIntExact(ZeroCorrection.floats(spec, stride))];
      for (int b = 0; b < n; b++) {
        ZeroCorrection.image(spec, x, inWords, b, corr, 0, index, stride);
      }
    }
    long[] gotBits = new long[refBits.length];
    Arrays.fill(gotBits, 0x5555L);
    float[] gotY = new float[outN];
    float[] scratch = new float[k.scratchFloats()];
    // Uneven ranges, as threads split them: not multiples of the shape or of a pass.
    int pixels = spec.pixels();
    int[] cuts = {0, Math.min(pixels, 1), Math.min(pixels, 8), Math.min(pixels, 105), pixels};
    for (int j = 0; j + 1 < cuts.length; j++) {
      k.runCorrected(in, 0, residual, 0, gotY, gotBits, 0, scratch, 0, cuts[j], cuts[j + 1],
          corr, 0);
    }
    String where = positions + "x4 n=" + n + " c=" + c + " " + h + "x" + w + " m=" + m + " g="
        + group + " " + win + (bitsOut ? " bits" : " float") + (zeros ? " zeros" : "");
    if (bitsOut) {
      assertArrayEquals(refBits, gotBits, where);
    } else {
      for (int i = 0; i < outN; i++) {
        assertEquals(Float.floatToRawIntBits(refY[i]), Float.floatToRawIntBits(gotY[i]),
            where + " at " + i + ": " + refY[i] + " vs " + gotY[i]);
      }
    }
  }
}
