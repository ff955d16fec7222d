package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.bnn4j.kernels.reference.BinaryOutputTransform;
import org.bnn4j.kernels.reference.BinaryReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vector binary convolution against the scalar reference kernels on random data: odd channel
 * counts, paddings (symmetric and not), strides, kernel sizes, groups, batches, both output modes
 * and every transform stage. Results must be bit-identical. Skipped without the vector module.
 */
class BinaryConvKernelTest {
  static KernelProvider vector;
  /** The scalar provider's kernel, which the vector provider hands on what it does not take. */
  private static final Class<?> SCALAR = ScalarBinaryConv.class;

  @BeforeAll
  static void load() {
    vector = Kernels.vectorOrNull();
  }

  static void assumeVector() {
    Assumptions.assumeTrue(vector != null,
        "jdk.incubator.vector is absent; pass --add-modules jdk.incubator.vector");
  }

  /** One case: compares the kernel with the reference, both output modes as asked. */
  static void check(Random rnd, int n, int c, int h, int w, int m, int group, Window2d win,
      boolean bitsOut, boolean residual, boolean prelu, boolean postBias, boolean tapBias) {
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    int cpg = c / group;
    int xWords = Bitpack.words(c);
    int kWords = Bitpack.words(cpg);
    int taps = win.kernelH() * win.kernelW();
    int pad = 5;
    long[] x = new long[pad + n * h * w * xWords + pad];
    for (int p = 0; p < n * h * w; p++) {
      fillRow(rnd, x, pad + p * xWords, c);
    }
    long[] wt = new long[m * taps * kWords];
    for (int r = 0; r < m * taps; r++) {
      fillRow(rnd, wt, r * kWords, cpg);
    }
    float[] tb = null;
    if (tapBias) {
      tb = new float[m * taps];
      for (int i = 0; i < tb.length; i++) {
        tb[i] = rnd.nextInt(21) - 10;
      }
    }
    float[] mult = randomFloats(rnd, m);
    float[] bias = randomFloats(rnd, m);
    float[] slope = prelu ? randomFloats(rnd, m) : null;
    float[] post = postBias ? randomFloats(rnd, m) : null;
    long[] thr = new long[m];
    long[] flip = new long[m];
    for (int i = 0; i < m; i++) {
      thr[i] = i % 7 == 3 ? Long.MIN_VALUE : rnd.nextInt(2 * taps * cpg + 1) - taps * cpg;
      flip[i] = rnd.nextInt(2);
    }
    int outN = n * m * oh * ow;
    float[] res = residual ? randomFloats(rnd, outN + 3) : null;

    // Reference.
    float[] dots = new float[outN];
    BinaryReference.conv2dDots(x, pad, n, c, h, w, wt, m, group, win, oh, ow, dots, 0);
    if (tb != null) {
      BinaryReference.addTapBias(tb, n, h, w, m, win, oh, ow, dots, 0);
    }
    int outWords = Bitpack.words(m);
    long[] refBits = new long[2 + n * oh * ow * outWords];
    float[] refY = new float[2 + outN];
    if (bitsOut) {
      BinaryOutputTransform.toBits(dots, 0, n, m, oh * ow, thr, flip, refBits, 2);
    } else {
      BinaryOutputTransform.toFloat(dots, 0, n, m, oh * ow, mult, bias, res, 3, slope, post,
          refY, 2);
    }

    BinaryConvSpec spec = new BinaryConvSpec(n, c, h, w, m, group, win, oh, ow, wt, tb, false,
        bitsOut, mult, bias, residual, slope, post, thr, flip);
    BinaryConvKernel k = vector.binaryConv(spec);
    String where = "n=" + n + " c=" + c + " " + h + "x" + w + " m=" + m + " g=" + group + " "
        + win + (bitsOut ? " bits" : " float");
    assertNotSame(SCALAR, k.getClass(), where);
    long[] gotBits = new long[refBits.length];
    java.util.Arrays.fill(gotBits, 0x5555L);
    gotBits[0] = gotBits[1] = 0;
    float[] gotY = new float[refY.length];
    float[] scratch = new float[k.scratchFloats() + 4];
    // Split the positions unevenly, as threads would.
    int pixels = spec.pixels();
    int cut = Math.min(pixels, 4);
    long[] in = x;
    int inOff = pad;
    if (k.stagedInputWords() > 0) {
      in = new long[3 + k.stagedInputWords()];
      java.util.Arrays.fill(in, -1L); // staging must write every word it reads
      inOff = 3;
      k.stageInput(x, pad, in, inOff);
    }
    k.run(in, inOff, res, 3, gotY, gotBits, 2, scratch, 4, 0, cut);
    k.run(in, inOff, res, 3, gotY, gotBits, 2, scratch, 4, cut, pixels);
    if (bitsOut) {
      assertArrayEquals(refBits, gotBits, where);
    } else {
      for (int i = 0; i < refY.length; i++) {
        assertEquals(Float.floatToRawIntBits(refY[i]), Float.floatToRawIntBits(gotY[i]),
            where + " at " + i + ": " + refY[i] + " vs " + gotY[i]);
      }
    }
  }

  static void fillRow(Random rnd, long[] a, int off, int bits) {
    int words = Bitpack.words(bits);
    for (int i = 0; i < words; i++) {
      a[off + i] = rnd.nextLong();
    }
    if ((bits & 63) != 0) {
      a[off + words - 1] &= (1L << (bits & 63)) - 1;
    }
  }

  static float[] randomFloats(Random rnd, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) rnd.nextGaussian();
    }
    return f;
  }

  static Window2d win(int k, int s, int[] pads) {
    return new Window2d(k, k, s, s, pads[0], pads[1], pads[2], pads[3], 1, 1);
  }

  static final int[][] PADS = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 1}};

  @Test
  void convMatchesReferenceOverChannelsPadsStridesKernels() {
    assumeVector();
    Random rnd = new Random(42);
    int[] channels = {1, 63, 64, 65, 130, 257};
    int[] outs = {1, 17, 64, 70};
    int i = 0;
    for (int c : channels) {
      for (int k : new int[] {1, 3, 5}) {
        for (int[] pads : PADS) {
          for (int s : new int[] {1, 2}) {
            int n = i % 3 == 0 ? 3 : 1;
            int h = 5 + rnd.nextInt(5);
            int w = 5 + rnd.nextInt(5);
            if (win(k, s, pads).outH(h, false) <= 0 || win(k, s, pads).outW(w, false) <= 0) {
              continue;
            }
            int m = outs[i % outs.length];
            boolean bitsOut = i % 2 == 1;
            check(rnd, n, c, h, w, m, 1, win(k, s, pads), bitsOut, i % 4 == 0, i % 3 == 1,
                i % 5 == 2, i % 4 == 2 || i % 7 == 0);
            i++;
          }
        }
      }
    }
  }

  @Test
  void convWithWordAlignedGroupsMatchesReference() {
    assumeVector();
    Random rnd = new Random(7);
    for (int g : new int[] {2, 4}) {
      for (int[] pads : PADS) {
        check(rnd, 1, 128 * g / 2, 6, 7, 36 * g / 2, g, win(3, 1, pads), false, true, true,
            false, true);
        check(rnd, 3, 128 * g / 2, 6, 7, 70, g == 2 ? 2 : 1, win(3, 2, pads), true, false,
            false, false, false);
      }
    }
  }

  @Test
  void groupsThatSplitAWordAreLeftToTheScalarKernel() {
    assumeVector();
    BinaryConvSpec spec = new BinaryConvSpec(1, 130, 4, 4, 4, 2, win(3, 1, PADS[1]), 4, 4,
        new long[4 * 9 * 2], null, false, false, new float[4], new float[4], false, null, null,
        null, null);
    assertSame(SCALAR, vector.binaryConv(spec).getClass());
  }

  @Test
  void tapBiasTooLargeToSumExactlyIsLeftToTheScalarKernel() {
    assumeVector();
    // The kernel sums tap bias as integers, exact against the reference's float add only up to
    // 2^24 in magnitude per channel.
    float[] tapBias = new float[4 * 9];
    tapBias[9] = 1 << 24;
    BinaryConvSpec spec = new BinaryConvSpec(1, 64, 4, 4, 4, 1, win(3, 1, PADS[1]), 4, 4,
        new long[4 * 9], tapBias, false, false, new float[4], new float[4], false, null, null,
        null, null);
    assertNotSame(SCALAR, vector.binaryConv(spec).getClass());
    tapBias[10] = -1;
    assertSame(SCALAR, vector.binaryConv(spec).getClass());
  }

  @Test
  void imagesLongerThanOneEpiloguePassMatchReference() {
    assumeVector();
    Random rnd = new Random(5);
    // Over 96 positions per image: epilogue passes start inside an image and inside a row.
    for (boolean bitsOut : new boolean[] {false, true}) {
      check(rnd, 2, 64, 13, 11, 40, 1, win(3, 1, PADS[1]), bitsOut, !bitsOut, true, true, true);
      check(rnd, 1, 130, 25, 23, 70, 1, win(3, 2, PADS[3]), bitsOut, !bitsOut, false, false,
          false);
    }
  }

  @Test
  void dilatedAndRectangularWindowsMatchReference() {
    assumeVector();
    Random rnd = new Random(11);
    check(rnd, 1, 65, 9, 11, 33, 1, new Window2d(3, 3, 1, 1, 2, 2, 2, 2, 2, 2), false, false,
        true, true, true);
    check(rnd, 3, 64, 8, 10, 20, 1, new Window2d(1, 3, 2, 1, 0, 1, 0, 1, 1, 1), true, false,
        false, false, true);
    check(rnd, 2, 257, 7, 7, 130, 1, new Window2d(3, 5, 2, 1, 1, 2, 0, 2, 1, 2), false, true,
        false, false, false);
    // More than 64 taps: the border correction takes its general path.
    check(rnd, 1, 65, 10, 11, 20, 1, new Window2d(9, 9, 1, 1, 4, 4, 4, 4, 1, 1), false, false,
        false, false, true);
    check(rnd, 2, 64, 10, 9, 70, 1, new Window2d(9, 9, 2, 1, 4, 3, 2, 4, 1, 1), true, false,
        false, false, true);
  }

  @Test
  void denseMatchesReference() {
    assumeVector();
    Random rnd = new Random(3);
    for (int k : new int[] {1, 63, 64, 65, 130, 257, 1000}) {
      for (int n : new int[] {1, 3}) {
        for (boolean bitsOut : new boolean[] {false, true}) {
          int m = 10 + k % 37;
          int words = Bitpack.words(k);
          long[] x = new long[n * words];
          for (int b = 0; b < n; b++) {
            fillRow(rnd, x, b * words, k);
          }
          long[] wt = new long[m * words];
          for (int r = 0; r < m; r++) {
            fillRow(rnd, wt, r * words, k);
          }
          float[] tb = new float[m];
          for (int i = 0; i < m; i++) {
            tb[i] = rnd.nextInt(9) - 4 + (k == 65 ? 0.5f : 0f);
          }
          float[] mult = randomFloats(rnd, m);
          float[] bias = randomFloats(rnd, m);
          long[] thr = new long[m];
          long[] flip = new long[m];
          for (int i = 0; i < m; i++) {
            thr[i] = rnd.nextInt(2 * k + 1) - k;
            flip[i] = rnd.nextInt(2);
          }
          float[] dots = new float[n * m];
          BinaryReference.denseDots(x, 0, n, k, wt, m, dots, 0);
          for (int b = 0; b < n; b++) {
            for (int o = 0; o < m; o++) {
              dots[b * m + o] += tb[o];
            }
          }
          long[] refBits = new long[n * Bitpack.words(m)];
          float[] refY = new float[n * m];
          if (bitsOut) {
            BinaryOutputTransform.toBits(dots, 0, n, m, 1, thr, flip, refBits, 0);
          } else {
            BinaryOutputTransform.toFloat(dots, 0, n, m, 1, mult, bias, null, 0, null, null,
                refY, 0);
          }
          BinaryConvSpec spec = new BinaryConvSpec(n, k, 1, 1, m, 1,
              new Window2d(1, 1, 1, 1, 0, 0, 0, 0, 1, 1), 1, 1, wt, tb, true, bitsOut, mult,
              bias, false, null, null, thr, flip);
          BinaryConvKernel kern = vector.binaryConv(spec);
          assertNotSame(SCALAR, kern.getClass());
          long[] gotBits = new long[refBits.length];
          float[] gotY = new float[refY.length];
          kern.run(x, 0, null, 0, gotY, gotBits, 0, new float[kern.scratchFloats()], 0, 0, n);
          assertArrayEquals(refBits, gotBits);
          assertArrayEquals(refY, gotY);
        }
      }
    }
  }
}
