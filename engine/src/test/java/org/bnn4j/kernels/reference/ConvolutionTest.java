package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.bnn4j.kernels.Window2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConvolutionTest {

  @Test
  void handChecked3x3WithPadding() {
    // x = 1..9 in a 3x3 plane, all-ones 2x2 kernel, pads 1 top/left only, stride 1.
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float[] w = {1, 1, 1, 1};
    Window2d win = new Window2d(2, 2, 1, 1, 1, 1, 0, 0, 1, 1);
    int oh = win.outH(3, false);
    int ow = win.outW(3, false);
    float[] y = new float[oh * ow];
    Convolution.conv2d(x, 0, 1, 1, 3, 3, w, 0, 1, 1, new float[] {0.5f}, 0, win, y, 0, oh, ow);
    // out[i][j] = sum of x over rows i-1..i, cols j-1..j (inside), + 0.5
    assertArrayEquals(new float[] {
        1.5f, 3.5f, 5.5f,
        5.5f, 12.5f, 16.5f,
        11.5f, 24.5f, 28.5f}, y);
  }

  @Test
  void offsetsAreHonoured() {
    float[] x = {99, 1, 2, 3, 4};
    float[] w = {99, 99, 2};
    float[] y = {7, 7, 7, 7, 7};
    Window2d win = new Window2d(1, 1, 1, 1, 0, 0, 0, 0, 1, 1);
    Convolution.conv2d(x, 1, 1, 1, 2, 2, w, 2, 1, 1, null, 0, win, y, 1, 2, 2);
    assertArrayEquals(new float[] {7, 2, 4, 6, 8}, y);
  }

  static Stream<Arguments> configs() {
    // n, c, h, w, m, group, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw
    return Stream.of(
        Arguments.of(1, 1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
        Arguments.of(2, 3, 7, 6, 5, 1, 3, 3, 2, 2, 0, 1, 2, 0, 1, 1),
        Arguments.of(1, 5, 9, 8, 3, 1, 3, 2, 1, 2, 1, 0, 0, 1, 2, 2),
        Arguments.of(1, 4, 6, 7, 6, 2, 3, 3, 2, 1, 2, 1, 1, 2, 1, 1),
        Arguments.of(1, 6, 8, 8, 4, 2, 3, 3, 2, 2, 1, 2, 0, 1, 2, 2),
        Arguments.of(1, 3, 5, 5, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
        Arguments.of(2, 5, 4, 3, 1, 1, 1, 1, 2, 2, 0, 0, 1, 1, 1, 1),
        Arguments.of(1, 1, 3, 3, 2, 1, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void matchesExplicitPaddingThenDirectSum(int n, int c, int h, int w, int m, int group, int kh,
      int kw, int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw) {
    Random r = new Random(n * 1000 + c * 100 + h * 10 + w + group);
    float[] x = Check.random(r, n * c * h * w);
    float[] wt = Check.random(r, m * (c / group) * kh * kw);
    float[] bias = Check.random(r, m);
    Window2d win = new Window2d(kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);

    // Naive: materialise the zero-padded input, then sum directly, in double.
    int ph = h + pt + pb;
    int pw = w + pl + pr;
    double[] padded = new double[n * c * ph * pw];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            padded[((b * c + ch) * ph + i + pt) * pw + j + pl] = x[((b * c + ch) * h + i) * w + j];
          }
        }
      }
    }
    int cpg = c / group;
    int mpg = m / group;
    float[] expected = new float[n * m * oh * ow];
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < m; oc++) {
        int g = oc / mpg;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double s = bias[oc];
            for (int ic = 0; ic < cpg; ic++) {
              for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                  int py = oy * sh + ky * dh;
                  int px = ox * sw + kx * dw;
                  s += padded[((b * c + g * cpg + ic) * ph + py) * pw + px]
                      * wt[((oc * cpg + ic) * kh + ky) * kw + kx];
                }
              }
            }
            expected[((b * m + oc) * oh + oy) * ow + ox] = (float) s;
          }
        }
      }
    }
    float[] y = new float[expected.length];
    Convolution.conv2d(x, 0, n, c, h, w, wt, 0, m, group, bias, 0, win, y, 0, oh, ow);
    Check.close(expected, y, 1e-5, 1e-5);
  }

  @Test
  void outputSizes() {
    // floor((5 + 1 + 1 - 3) / 2) + 1 = 3
    Window2d win = new Window2d(3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
    org.junit.jupiter.api.Assertions.assertEquals(3, win.outH(5, false));
    // dilation 2: extent 5; (8 - 5) / 1 + 1 = 4
    Window2d d = new Window2d(3, 3, 1, 1, 0, 0, 0, 0, 2, 2);
    org.junit.jupiter.api.Assertions.assertEquals(4, d.outW(8, false));
    // ceil mode: (6 - 3) / 2 = 1.5 -> 2 + 1 = 3; last window starts at 4 < 6, kept
    Window2d c = new Window2d(3, 3, 2, 2, 0, 0, 0, 0, 1, 1);
    org.junit.jupiter.api.Assertions.assertEquals(3, c.outH(6, true));
    org.junit.jupiter.api.Assertions.assertEquals(2, c.outH(6, false));
    // ceil mode, a last window that would start in the end padding is dropped:
    // in 4, pad end 1, k 2, s 2 -> span 3, ceil(3/2)+1 = 3, starts at 4 >= 4 -> 2
    Window2d e = new Window2d(2, 2, 2, 2, 0, 0, 1, 1, 1, 1);
    org.junit.jupiter.api.Assertions.assertEquals(2, e.outH(4, true));
  }
}
