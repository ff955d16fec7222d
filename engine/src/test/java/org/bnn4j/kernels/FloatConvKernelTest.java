package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.bnn4j.kernels.reference.Convolution;
import org.bnn4j.kernels.reference.Window2d;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The vector float convolution (im2col + FMA GEMM) against the reference convolution within
 * 1e-4 relative: odd channel counts, paddings, strides, kernels, batches, with and without bias,
 * and split over channel ranges as threads do. Skipped without the vector module.
 */
class FloatConvKernelTest {

  static void check(Random rnd, int n, int c, int h, int w, int m, Window2d win, boolean bias) {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    int k = c * win.kernelH() * win.kernelW();
    float[] x = gaussian(rnd, 3 + n * c * h * w, 1f);
    float[] wt = gaussian(rnd, m * k, (float) Math.sqrt(1.0 / k));
    float[] b = bias ? gaussian(rnd, m, 1f) : null;
    float[] ref = new float[2 + n * m * oh * ow];
    Convolution.conv2d(x, 3, n, c, h, w, wt, 0, m, 1, b, 0, win, ref, 2, oh, ow);
    FloatConvKernel kernel = vector.floatConv(c, h, w, m, 1, win, oh, ow, wt, b);
    assertNotNull(kernel);
    float[] got = new float[ref.length];
    float[] scratch = new float[kernel.scratchFloats() + 5];
    for (int img = 0; img < n; img++) {
      kernel.im2col(x, 3, img, scratch, 5);
      int cut = Math.min(m, kernel.channelBlock() * (1 + img));
      kernel.gemm(scratch, 5, got, 2, img, 0, cut);
      kernel.gemm(scratch, 5, got, 2, img, cut, m);
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
            check(rnd, i % 3 == 0 ? 3 : 1, c, h, w, 1 + (i * 7) % 13, win, i % 2 == 0);
            i++;
          }
        }
      }
    }
    check(rnd, 1, 16, 9, 9, 8, new Window2d(3, 3, 1, 1, 2, 2, 2, 2, 2, 2), true);
  }

  @Test
  void groupedConvolutionIsDeclined() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    assertNull(vector.floatConv(4, 5, 5, 4, 2, new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), 5,
        5, new float[4 * 2 * 9], null));
  }
}
