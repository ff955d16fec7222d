package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.bnn4j.kernels.reference.Convolution;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The vector float convolution (im2col + FMA GEMM) against the reference convolution within
 * 1e-4 relative: odd channel counts, paddings, strides, kernels, batches, with and without bias,
 * and split over channel ranges as threads do. Skipped without the vector module.
 */
public class FloatConvKernelTest {

  /** Makes the kernel under test for one layer. */
  public interface Factory {
    FloatConvKernel create(int c, int h, int w, int m, Window2d win, int oh, int ow,
        float[] weights, float[] bias);
  }

  static void check(Random rnd, int n, int c, int h, int w, int m, Window2d win, boolean bias) {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    check(rnd, n, c, h, w, m, win, bias,
        (cc, hh, ww, mm, wi, oh, ow, wt, b) -> vector.floatConv(new FloatConvSpec(cc, hh, ww, mm,
            1, wi, oh, ow, wt, b)));
  }

  /** One random layer through {@code factory}'s kernel, split over two workers. */
  public static void check(Random rnd, int n, int c, int h, int w, int m, Window2d win,
      boolean bias, Factory factory) {
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    int k = c * win.kernelH() * win.kernelW();
    float[] x = gaussian(rnd, 3 + n * c * h * w, 1f);
    float[] wt = gaussian(rnd, m * k, (float) Math.sqrt(1.0 / k));
    float[] b = bias ? gaussian(rnd, m, 1f) : null;
    float[] ref = new float[2 + n * m * oh * ow];
    Convolution.conv2d(x, 3, n, c, h, w, wt, 0, m, 1, b, 0, win, ref, 2, oh, ow);
    FloatConvKernel kernel = factory.create(c, h, w, m, win, oh, ow, wt, b);
    assertNotNull(kernel);
    float[] got = new float[ref.length];
    int shared = kernel.sharedScratchFloats();
    int perWorker = kernel.workerScratchFloats();
    float[] scratch = new float[5 + shared + 2 * perWorker];
    for (int img = 0; img < n; img++) {
      int packCut = kernel.prepareItems() / 2;
      kernel.prepare(x, 3, img, scratch, 5, packCut, kernel.prepareItems());
      kernel.prepare(x, 3, img, scratch, 5, 0, packCut);
      // Two workers, as threads split the items.
      int cut = Math.min(kernel.workItems(), kernel.grain() * (1 + img));
      kernel.run(x, 3, img, got, 2, scratch, 5, 5 + shared, 0, cut);
      kernel.run(x, 3, img, got, 2, scratch, 5, 5 + shared + perWorker, cut,
          kernel.workItems());
    }
    String where = "n=" + n + " c=" + c + " " + h + "x" + w + " m=" + m + " " + win;
    for (int i = 0; i < ref.length; i++) {
      assertEquals(ref[i], got[i], 1e-4f * Math.max(1f, Math.abs(ref[i])), where + " at " + i);
    }
  }

  static float[] gaussian(Random rnd, int n, float scale) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) rnd.nextGaussian() * scale;
    }
    return f;
  }

  @Test
  void matchesReferenceConvolution() {
    sweep(FloatConvKernelTest::check);
  }

  /** The checks one layer at a time. */
  public interface Check {
    void run(Random rnd, int n, int c, int h, int w, int m, Window2d win, boolean bias);
  }

  /** Odd channel counts, kernels 1/3/5, paddings, strides 1 and 2, batches, bias or not. */
  public static void sweep(Check check) {
    Random rnd = new Random(17);
    int[][] pads = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 1}};
    int i = 0;
    for (int c : new int[] {1, 3, 63, 64, 65, 130}) {
      for (int kk : new int[] {1, 3, 5}) {
        for (int[] p : pads) {
          for (int s : new int[] {1, 2}) {
            Window2d win = new Window2d(kk, kk, s, s, p[0], p[1], p[2], p[3], 1, 1);
            int h = 6 + rnd.nextInt(12);
            int w = 6 + rnd.nextInt(12);
            if (win.outH(h, false) <= 0 || win.outW(w, false) <= 0) {
              continue;
            }
            check.run(rnd, i % 3 == 0 ? 3 : 1, c, h, w, 1 + (i * 7) % 13, win, i % 2 == 0);
            i++;
          }
        }
      }
    }
    check.run(rnd, 1, 16, 9, 9, 8, new Window2d(3, 3, 1, 1, 2, 2, 2, 2, 2, 2), true);
    // Rows wide enough for whole panels of stride-2 positions (the vector stride-2 copy): a
    // stem-like 7x7 stride 2, a 1x1 stride 2 downsample, odd widths.
    check.run(rnd, 1, 3, 21, 75, 13, new Window2d(7, 7, 2, 2, 3, 3, 3, 3, 1, 1), true);
    check.run(rnd, 2, 5, 9, 67, 6, new Window2d(1, 1, 2, 2, 0, 0, 0, 0, 1, 1), false);
    check.run(rnd, 1, 2, 8, 97, 5, new Window2d(3, 3, 2, 2, 1, 1, 1, 1, 1, 1), true);
    // Stride 1 with panels inside one row: whole-vector copies, and clipped ones at the edges.
    check.run(rnd, 1, 4, 5, 40, 7, new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true);
    check.run(rnd, 2, 3, 6, 37, 6, new Window2d(3, 3, 1, 1, 2, 2, 2, 2, 2, 2), false);
  }

  @Test
  void groupedConvolutionIsLeftToTheScalarKernel() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    FloatConvSpec grouped = new FloatConvSpec(4, 5, 5, 4, 2,
        new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), 5, 5, new float[4 * 2 * 9], null);
    assertSame(Kernels.scalar().floatConv(grouped).getClass(),
        vector.floatConv(grouped).getClass());
  }
}
