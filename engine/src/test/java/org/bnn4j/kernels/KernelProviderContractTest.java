package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bnn4j.kernels.reference.BinaryOutputTransform;
import org.bnn4j.kernels.reference.BinaryReference;
import org.bnn4j.kernels.reference.Convolution;
import org.bnn4j.kernels.reference.Gemm;
import org.bnn4j.kernels.reference.Pooling;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The provider contract, held the same way for every provider: each kernel family of the scalar
 * and the vector provider (at the JVM's preferred species, and at 128 bits in a child JVM with
 * {@code -XX:MaxVectorSize=16}, since the species are constants) against the reference kernels, on the same random cases for both: channel counts 1,
 * 63, 64, 65 and 130, paddings (asymmetric too), strides, dilations, groups (word-aligned or
 * not), odd spatial sizes, ranges split as threads split them. Whatever kernel a provider returns
 * for a spec, its own or the next provider's, must give the reference's result: bit for bit,
 * except the vector float convolution and dense layer (float rounding, 1e-4 relative). The vector
 * cases are skipped when the module is absent.
 */
class KernelProviderContractTest {
  private static final int[] CHANNELS = {1, 63, 64, 65, 130};

  /** Windows: {kernel, stride, padTop, padLeft, padBottom, padRight, dilation}. */
  private static final int[][] WINDOWS = {
    {3, 1, 1, 1, 1, 1, 1},
    {3, 2, 0, 1, 1, 0, 1},
    {1, 1, 0, 0, 0, 0, 1},
    {2, 2, 0, 0, 0, 0, 1},
    {3, 1, 2, 2, 2, 2, 2},
  };

  static Stream<String> providers() {
    return Stream.of("scalar", "vector");
  }

  private static KernelProvider provider(String name) {
    if (name.equals("scalar")) {
      return Kernels.scalar();
    }
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    return vector;
  }

  /**
   * The vector cases again at 128 bits, where the species are narrower than AVX2's (other lane
   * counts take other paths, e.g. the binary convolution's epilogue copy): a child JVM with
   * {@code -XX:MaxVectorSize=16} runs {@link At128Bits}.
   */
  @Test
  void vectorProviderAt128Bits() throws Exception {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Assumptions.assumeTrue(vector.vectorBitSize() > 128, "the preferred species is 128 bits");
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:MaxVectorSize=16", "--add-modules", "jdk.incubator.vector", "-cp",
        System.getProperty("java.class.path"), At128Bits.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the 128-bit run did not finish");
    }
    assertEquals(0, p.exitValue(), out);
    assertEquals(true, out.endsWith("vector(128-bit): ok"), out);
  }

  /** Runs every family's vector cases; prints the provider and "ok", or fails. */
  static final class At128Bits {
    public static void main(String[] args) {
      KernelProviderContractTest t = new KernelProviderContractTest();
      try {
        t.binaryConvMatchesReference("vector");
        t.floatConvMatchesReference("vector");
        t.floatDenseMatchesReference("vector");
        t.poolingMatchesReference("vector");
        t.binarizeMatchesReference("vector");
      } catch (AssertionError | RuntimeException e) {
        e.printStackTrace(System.out);
        System.exit(1);
      }
      System.out.println(Kernels.vectorOrNull().name() + ": ok");
    }
  }

  private static Window2d window(int[] v) {
    return new Window2d(v[0], v[0], v[1], v[1], v[2], v[3], v[4], v[5], v[6], v[6]);
  }

  /** Binary convolutions and dense layers, float and bit output, with and without zeros. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void binaryConvMatchesReference(String name) {
    KernelProvider provider = provider(name);
    Random rnd = new Random(13);
    int cases = 0;
    for (int c : CHANNELS) {
      for (int[] wv : WINDOWS) {
        Window2d win = window(wv);
        boolean bits = cases % 2 == 1;
        checkBinaryConv(provider, rnd, 2, c, 5, 7, bits ? 70 : 9, 1, win, bits, false, cases);
        checkBinaryConv(provider, rnd, 1, c, 7, 5, 5, 1, win, !bits, true, cases);
        cases++;
      }
      checkBinaryConv(provider, rnd, 2, c, 1, 1, 67, 1, window(WINDOWS[2]), false, true, cases);
      checkBinaryConv(provider, rnd, 1, c, 1, 1, 66, 1, window(WINDOWS[2]), true, false, cases);
    }
    // Groups: word-aligned (128 / 2) and not (130 / 2, 64 / 2, 63 / 3).
    int[][] grouped = {{128, 2}, {130, 2}, {64, 2}, {63, 3}};
    for (int[] g : grouped) {
      for (int[] wv : WINDOWS) {
        boolean zeros = cases % 3 == 0;
        checkBinaryConv(provider, rnd, 2, g[0], 5, 5, 6 * g[1], g[1], window(wv), cases % 2 == 0,
            zeros, cases);
        cases++;
      }
    }
    assertEquals(45, cases);
  }

  /**
   * One layer through {@code provider}'s kernel (positions split in two) against {@link
   * BinaryReference} plus {@link BinaryOutputTransform}, as the reference ops compose them.
   * {@code h = w = 1} with a 1x1 window is a dense layer. With {@code zeros}, some inputs are 0
   * (their sign bit 0, a bit in the zero mask) and the kernel runs with {@link ZeroCorrection}.
   */
  private static void checkBinaryConv(KernelProvider provider, Random rnd, int n, int c, int h,
      int w, int m, int group, Window2d win, boolean bits, boolean zeros, int seed) {
    boolean dense = h == 1 && w == 1 && win.kernelH() == 1;
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    int cpg = c / group;
    int xWords = Bitpack.words(c);
    int kWords = Bitpack.words(cpg);
    int taps = win.kernelH() * win.kernelW();
    int image = h * w * xWords;
    int xOff = 3;
    int zOff = xOff + n * image + 2;
    long[] x = new long[zOff + n * image + 1];
    for (int p = 0; p < n * h * w; p++) {
      randomBits(rnd, x, xOff + p * xWords, c);
      if (zeros && rnd.nextInt(3) == 0) {
        randomBits(rnd, x, zOff + p * xWords, c);
        for (int i = 0; i < xWords; i++) {
          x[zOff + p * xWords + i] &= rnd.nextLong(); // sparser
          x[xOff + p * xWords + i] &= ~x[zOff + p * xWords + i]; // a zero's sign bit is 0
        }
      }
    }
    long[] wt = new long[m * taps * kWords];
    for (int r = 0; r < m * taps; r++) {
      randomBits(rnd, wt, r * kWords, cpg);
    }
    float[] tapBias = null;
    if (seed % 4 != 1) {
      tapBias = new float[dense ? m : m * taps];
      for (int i = 0; i < tapBias.length; i++) {
        tapBias[i] = dense ? (float) rnd.nextGaussian() : rnd.nextInt(21) - 10;
      }
    }
    float[] mult = gaussian(rnd, m);
    float[] bias = gaussian(rnd, m);
    boolean residual = !bits && seed % 3 != 2;
    float[] slope = seed % 2 == 0 ? gaussian(rnd, m) : null;
    float[] post = seed % 5 != 3 ? gaussian(rnd, m) : null;
    long[] thr = new long[m];
    long[] flip = new long[m];
    for (int i = 0; i < m; i++) {
      thr[i] = i % 7 == 3 ? Long.MIN_VALUE : rnd.nextInt(2 * taps * cpg + 1) - taps * cpg;
      flip[i] = rnd.nextInt(2);
    }
    int outN = n * m * oh * ow;
    float[] res = residual ? gaussian(rnd, 3 + outN) : null;

    // Reference: the reference ops' composition, image by image for the zero masks.
    float[] dots = new float[outN];
    for (int b = 0; b < n; b++) {
      int z = zeros ? zOff + b * image : -1;
      if (dense) {
        BinaryReference.denseDots(x, xOff + b * image, z, 1, c, wt, m, dots, b * m);
      } else {
        BinaryReference.conv2dDots(x, xOff + b * image, z, 1, c, h, w, wt, m, group, win, oh,
            ow, dots, b * m * oh * ow);
      }
    }
    if (tapBias != null) {
      if (dense) {
        for (int i = 0; i < outN; i++) {
          dots[i] += tapBias[i % m];
        }
      } else {
        BinaryReference.addTapBias(tapBias, n, h, w, m, win, oh, ow, dots, 0);
      }
    }
    int outWords = Bitpack.words(m);
    long[] wantBits = new long[2 + n * oh * ow * outWords];
    float[] wantY = new float[2 + outN];
    if (bits) {
      BinaryOutputTransform.toBits(dots, 0, n, m, oh * ow, thr, flip, wantBits, 2);
    } else {
      BinaryOutputTransform.toFloat(dots, 0, n, m, oh * ow, mult, bias, res, 3, slope, post,
          wantY, 2);
    }

    BinaryConvSpec spec = new BinaryConvSpec(n, c, h, w, m, group, win, oh, ow, wt, tapBias,
        dense, bits, mult, bias, residual, slope, post, thr, flip);
    BinaryConvKernel k = provider.binaryConv(spec);
    assertNotNull(k);
    String where = provider.name() + " " + k.getClass().getSimpleName() + " n=" + n + " c=" + c
        + " " + h + "x" + w + " m=" + m + " g=" + group + " " + win + (bits ? " bits" : " float")
        + (zeros ? " zeros" : "");
    long[] in = x;
    int inOff = xOff;
    if (k.stagedInputWords() > 0) {
      in = new long[1 + k.stagedInputWords()];
      Arrays.fill(in, -1L); // staging must write every word it reads
      inOff = 1;
      k.stageInput(x, xOff, in, inOff);
    }
    float[] corr = null;
    if (zeros) {
      int stride = k.correctionStride();
      int[] index = new int[m];
      for (int oc = 0; oc < m; oc++) {
        index[oc] = k.correctionIndex(oc);
      }
      corr = new float[1 + Math.toIntExact(ZeroCorrection.floats(spec, stride))];
      for (int b = 0; b < n; b++) {
        ZeroCorrection.image(spec, x, zOff, b, corr, 1, index, stride);
      }
    }
    long[] gotBits = new long[wantBits.length];
    Arrays.fill(gotBits, 2, gotBits.length, 0x5555L); // every word must be written
    float[] gotY = new float[wantY.length];
    float[] scratch = new float[2 + k.scratchFloats()];
    int pixels = spec.pixels();
    int cut = Math.min(pixels, 1 + pixels / 3);
    for (int[] range : new int[][] {{cut, pixels}, {0, cut}}) {
      if (zeros) {
        k.runCorrected(in, inOff, res, 3, gotY, gotBits, 2, scratch, 2, range[0], range[1],
            corr, 1);
      } else {
        k.run(in, inOff, res, 3, gotY, gotBits, 2, scratch, 2, range[0], range[1]);
      }
    }
    if (bits) {
      assertArrayEquals(wantBits, gotBits, where);
    } else {
      assertBitsEqual(wantY, gotY, where);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void floatConvMatchesReference(String name) {
    KernelProvider provider = provider(name);
    Random rnd = new Random(17);
    int cases = 0;
    for (int c : CHANNELS) {
      for (int[] wv : WINDOWS) {
        int group = c % 2 == 0 && cases % 2 == 0 ? 2 : 1;
        checkFloatConv(provider, rnd, c, cases % 2 == 0 ? 5 : 7, 7, 4, group, window(wv),
            cases % 3 != 0);
        cases++;
      }
    }
    assertEquals(25, cases);
  }

  private static void checkFloatConv(KernelProvider provider, Random rnd, int c, int h, int w,
      int m, int group, Window2d win, boolean withBias) {
    int n = 2;
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    int k = c / group * win.kernelH() * win.kernelW();
    float[] x = gaussian(rnd, 3 + n * c * h * w);
    float[] wt = gaussian(rnd, m * k);
    for (int i = 0; i < wt.length; i++) {
      wt[i] *= (float) Math.sqrt(1.0 / k);
    }
    float[] bias = withBias ? gaussian(rnd, m) : null;
    float[] want = new float[2 + n * m * oh * ow];
    Convolution.conv2d(x, 3, n, c, h, w, wt, 0, m, group, bias, 0, win, want, 2, oh, ow);
    FloatConvKernel kernel = provider.floatConv(new FloatConvSpec(c, h, w, m, group, win, oh, ow,
        wt, bias));
    assertNotNull(kernel);
    int shared = kernel.sharedScratchFloats();
    int perWorker = kernel.workerScratchFloats();
    float[] scratch = new float[1 + shared + 2 * perWorker];
    float[] got = new float[want.length];
    for (int b = 0; b < n; b++) {
      int packCut = kernel.prepareItems() / 2;
      kernel.prepare(x, 3, b, scratch, 1, packCut, kernel.prepareItems());
      kernel.prepare(x, 3, b, scratch, 1, 0, packCut);
      int cut = Math.min(kernel.workItems(), kernel.grain());
      kernel.run(x, 3, b, got, 2, scratch, 1, 1 + shared, 0, cut);
      kernel.run(x, 3, b, got, 2, scratch, 1, 1 + shared + perWorker, cut, kernel.workItems());
    }
    String where = provider.name() + " " + kernel.getClass().getSimpleName() + " c=" + c + " "
        + h + "x" + w + " g=" + group + " " + win;
    assertFloatsMatch(kernel, want, got, where);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void floatDenseMatchesReference(String name) {
    KernelProvider provider = provider(name);
    Random rnd = new Random(19);
    int cases = 0;
    for (int k : CHANNELS) {
      for (int n : new int[] {1, 5, 13}) {
        for (int rows : new int[] {1, 3}) {
          boolean withBias = cases % 3 != 1;
          float[] a = gaussian(rnd, 2 + rows * k);
          float[] wt = gaussian(rnd, n * k);
          float[] bias = withBias ? gaussian(rnd, n) : null;
          float[] want = new float[1 + rows * n];
          Gemm.gemm(a, 2, false, wt, 0, true, bias, 0, withBias ? new int[] {n} : null, 1f, 1f,
              want, 1, rows, n, k);
          FloatDenseKernel kernel = provider.floatDense(new FloatDenseSpec(n, k, wt, bias));
          assertNotNull(kernel);
          float[] got = new float[want.length];
          int cut = Math.min(n, 4);
          kernel.run(a, 2, rows, got, 1, cut, n);
          kernel.run(a, 2, rows, got, 1, 0, cut);
          assertFloatsMatch(kernel, want, got, provider.name() + " k=" + k + " n=" + n
              + " rows=" + rows);
          cases++;
        }
      }
    }
    assertEquals(30, cases);
  }

  /** Max and average pooling, floor and ceil mode, with special values. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void poolingMatchesReference(String name) {
    KernelProvider provider = provider(name);
    Random rnd = new Random(23);
    int cases = 0;
    for (int planes : CHANNELS) {
      for (int[] wv : WINDOWS) {
        Window2d win = window(wv);
        for (int[] hw : new int[][] {{5, 7}, {8, 17}, {9, 9}}) {
          boolean ceil = cases % 2 == 1;
          checkMaxPool(provider, rnd, planes, hw[0], hw[1], win, ceil);
          if (win.dilationH() == 1) {
            checkAvgPool(provider, rnd, planes, hw[0], hw[1], win, ceil, cases % 4 < 2);
          }
          cases++;
        }
      }
    }
    assertEquals(75, cases);
  }

  private static void checkMaxPool(KernelProvider provider, Random rnd, int planes, int h, int w,
      Window2d win, boolean ceil) {
    int oh = win.outH(h, ceil);
    int ow = win.outW(w, ceil);
    float[] x = specialFloats(rnd, 2 + planes * h * w);
    float[] want = new float[1 + planes * oh * ow];
    Pooling.maxPool2d(x, 2, 1, planes, h, w, win, want, 1, oh, ow);
    MaxPoolKernel kernel = provider.maxPool(new PoolSpec(h, w, win, oh, ow));
    assertNotNull(kernel);
    float[] scratch = new float[kernel.scratchFloats() + 1];
    Arrays.fill(scratch, Float.NaN); // stale scratch must not matter
    float[] got = new float[want.length];
    int cut = planes / 2;
    kernel.run(x, 2, got, 1, cut, planes, scratch, 1);
    kernel.run(x, 2, got, 1, 0, cut, scratch, 1);
    assertBitsEqual(want, got, provider.name() + " max " + h + "x" + w + " " + win + " ceil="
        + ceil);
  }

  private static void checkAvgPool(KernelProvider provider, Random rnd, int planes, int h, int w,
      Window2d win, boolean ceil, boolean countIncludePad) {
    int oh = win.outH(h, ceil);
    int ow = win.outW(w, ceil);
    float[] x = specialFloats(rnd, 2 + planes * h * w);
    float[] want = new float[1 + planes * oh * ow];
    Pooling.avgPool2d(x, 2, 1, planes, h, w, win, countIncludePad, want, 1, oh, ow);
    AvgPoolKernel kernel = provider.avgPool(new PoolSpec(h, w, win, oh, ow, countIncludePad));
    assertNotNull(kernel);
    float[] got = new float[want.length];
    int cut = planes / 2;
    kernel.run(x, 2, got, 1, cut, planes);
    kernel.run(x, 2, got, 1, 0, cut);
    assertBitsEqual(want, got, provider.name() + " avg " + h + "x" + w + " " + win + " ceil="
        + ceil + " countIncludePad=" + countIncludePad);
  }

  /** Binarize with and without a channel map, ties at the thresholds, NaN and infinities. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void binarizeMatchesReference(String name) {
    KernelProvider provider = provider(name);
    Random rnd = new Random(29);
    int cases = 0;
    for (int c : CHANNELS) {
      for (int hw : new int[] {1, 7, 8, 9, 33}) {
        int cout = cases % 2 == 0 ? c : c + 3;
        int[] source = null;
        if (cases % 3 == 0) {
          source = new int[cout];
          for (int j = 0; j < cout; j++) {
            source[j] = rnd.nextInt(c);
          }
        }
        checkBinarize(provider, rnd, 2, c, hw, cout, source);
        cases++;
      }
    }
    assertEquals(25, cases);
  }

  private static void checkBinarize(KernelProvider provider, Random rnd, int n, int c, int hw,
      int cout, int[] source) {
    float[] t = gaussian(rnd, cout);
    t[0] = Float.NEGATIVE_INFINITY;
    float[] x = specialFloats(rnd, 1 + n * c * hw);
    for (int i = 1; i < x.length; i += 3) {
      x[i] = t[rnd.nextInt(cout)]; // ties
    }
    int words = Bitpack.words(cout);
    long[] want = new long[2 + n * hw * words];
    BinaryReference.binarize(x, 1, n, c, hw, t, source, cout, want, 2);
    BinarizeKernel kernel = provider.binarize(new BinarizeSpec(c, hw, t, source, cout));
    assertNotNull(kernel);
    long[] got = new long[want.length];
    Arrays.fill(got, 2, got.length, 0x5555L); // every word must be written
    String where = provider.name() + " c=" + c + " hw=" + hw + " cout=" + cout
        + (source == null ? "" : " mapped");
    for (int b = 0; b < n; b++) {
      int cut = Math.min(hw, 8);
      boolean seen = kernel.runSeeingZeros(x, 1, got, 2, b, cut, hw);
      seen |= kernel.runSeeingZeros(x, 1, got, 2, b, 0, cut);
      long[] mask = new long[n * hw * words];
      boolean ties = BinaryReference.zeroMask(x, 1, c, hw, t, source, cout, mask, 0, b);
      assertEquals(ties, seen, where + " image " + b);
    }
    assertArrayEquals(want, got, where);
    Arrays.fill(got, 2, got.length, 0x5555L);
    for (int b = 0; b < n; b++) {
      kernel.run(x, 1, got, 2, b, 0, hw);
    }
    assertArrayEquals(want, got, where);
  }

  /** Bit for bit, except the vector float convolution and dense layer: 1e-4 relative. */
  private static void assertFloatsMatch(Object kernel, float[] want, float[] got, String where) {
    if (!kernel.getClass().getPackageName().endsWith(".vector")) {
      assertBitsEqual(want, got, where);
      return;
    }
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-4f * Math.max(1f, Math.abs(want[i])), where + " at " + i);
    }
  }

  /**
   * Bit for bit, except among NaNs: Java leaves a NaN's sign and payload open, and x86 gives
   * {@code inf + -inf} a negative NaN, which the JIT may keep or not when it commutes an add.
   */
  private static void assertBitsEqual(float[] want, float[] got, String where) {
    for (int i = 0; i < want.length; i++) {
      if (Float.isNaN(want[i]) && Float.isNaN(got[i])) {
        continue;
      }
      assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
          where + " at " + i + ": " + want[i] + " vs " + got[i]);
    }
  }

  /** Random bits for {@code bits} channels from {@code off}, the last word's pad bits 0. */
  private static void randomBits(Random rnd, long[] a, int off, int bits) {
    for (int i = 0; i < Bitpack.words(bits); i++) {
      int valid = Math.min(64, bits - 64 * i);
      a[off + i] = rnd.nextLong() & (valid == 64 ? -1L : (1L << valid) - 1);
    }
  }

  private static float[] gaussian(Random rnd, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) rnd.nextGaussian();
    }
    return f;
  }

  /** Gaussian floats with -0.0, +0.0, infinities and (canonical) NaN mixed in. */
  private static float[] specialFloats(Random rnd, int n) {
    float[] f = new float[n];
    List<Float> special = new ArrayList<>(List.of(-0.0f, 0.0f, Float.NEGATIVE_INFINITY,
        Float.POSITIVE_INFINITY, Float.NaN));
    for (int i = 0; i < n; i++) {
      f[i] = rnd.nextInt(16) == 0 ? special.get(rnd.nextInt(special.size()))
          : (float) rnd.nextGaussian();
    }
    return f;
  }
}
