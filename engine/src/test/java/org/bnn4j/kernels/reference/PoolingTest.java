package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.bnn4j.kernels.Window2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PoolingTest {

  @Test
  void maxPoolPaddingNeverWins() {
    // All-negative input with padding: the max must come from the input, never a pad of 0.
    float[] x = {-5, -4, -3, -2};
    Window2d win = new Window2d(2, 2, 1, 1, 1, 1, 1, 1, 1, 1);
    float[] y = new float[9];
    Pooling.maxPool2d(x, 0, 1, 1, 2, 2, win, y, 0, 3, 3);
    assertArrayEquals(new float[] {-5, -4, -4, -3, -2, -2, -3, -2, -2}, y);
  }

  @Test
  void maxPoolPropagatesNaN() {
    float[] x = {1, Float.NaN, 3, 4};
    float[] y = new float[1];
    Pooling.maxPool2d(x, 0, 1, 1, 2, 2, new Window2d(2, 2, 1, 1, 0, 0, 0, 0, 1, 1), y, 0, 1, 1);
    assertTrue(Float.isNaN(y[0]));
  }

  @Test
  void avgPoolCeilModeCountIncludePadHandChecked() {
    // 1x1x4x4 input 1..16, kernel 3, stride 2, pads 1 on all sides, ceil mode.
    // Per axis: span 4 + 2 - 3 = 3, ceil(3/2) + 1 = 3 windows: [-1, 2), [1, 4), [3, 6). The last
    // starts at 3 < 4 + 1 so it is kept, and runs past the end padding: the padded extent is
    // [-1, 5), so it counts 2 positions (3 and 4), of which 1 is inside the input.
    float[] x = new float[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i + 1;
    }
    Window2d win = new Window2d(3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
    assertEquals(2, win.outH(4, false));
    assertEquals(3, win.outH(4, true));
    float[] y = new float[9];
    Pooling.avgPool2d(x, 0, 1, 1, 4, 4, win, true, y, 0, 3, 3);
    assertArrayEquals(new float[] {
        14f / 9, 30f / 9, 12f / 6,
        57f / 9, 99f / 9, 36f / 6,
        27f / 6, 45f / 6, 16f / 4}, y);
    Pooling.avgPool2d(x, 0, 1, 1, 4, 4, win, false, y, 0, 3, 3);
    assertArrayEquals(new float[] {
        14f / 4, 30f / 6, 12f / 2,
        57f / 6, 99f / 9, 36f / 3,
        27f / 2, 45f / 3, 16f / 1}, y);
  }

  @Test
  void ceilModeDropsWindowStartingInEndPadding() {
    // 3 wide, kernel 2, stride 2, pads 1: ceil(3/2) + 1 = 3, but the third window would start at
    // padded index 4 = in + padBegin, wholly in the end padding, so it is dropped.
    Window2d win = new Window2d(2, 2, 2, 2, 1, 1, 1, 1, 1, 1);
    assertEquals(2, win.outW(3, true));
  }

  @Test
  void avgPoolCeilModeWindowPastEndWithoutPads() {
    // 1x1x1x5 input, kernel 1x2, stride 2, no pads, ceil mode: windows [0,2) [2,4) [4,6).
    // The last one runs past the input and there is no end padding: divisor 1 either way.
    float[] x = {1, 2, 3, 4, 5};
    Window2d win = new Window2d(1, 2, 1, 2, 0, 0, 0, 0, 1, 1);
    assertEquals(3, win.outW(5, true));
    float[] y = new float[3];
    Pooling.avgPool2d(x, 0, 1, 1, 1, 5, win, true, y, 0, 1, 3);
    assertArrayEquals(new float[] {1.5f, 3.5f, 5f}, y);
    Pooling.avgPool2d(x, 0, 1, 1, 1, 5, win, false, y, 0, 1, 3);
    assertArrayEquals(new float[] {1.5f, 3.5f, 5f}, y);
  }

  @ParameterizedTest
  @CsvSource({
      // n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, ceil
      "1, 1, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false",
      "2, 3, 7, 6, 3, 2, 2, 2, 1, 0, 0, 1, 1, 1, true",
      "1, 5, 9, 8, 3, 3, 2, 1, 1, 1, 2, 0, 2, 2, false",
      "1, 3, 8, 7, 2, 3, 2, 3, 1, 2, 1, 0, 1, 1, true",
      "1, 2, 6, 6, 3, 3, 3, 3, 0, 0, 0, 0, 2, 1, true"})
  void matchesNaiveOverExplicitPadding(int n, int c, int h, int w, int kh, int kw, int sh, int sw,
      int pt, int pl, int pb, int pr, int dh, int dw, boolean ceil) {
    Random r = new Random(h * 31 + w);
    float[] x = Check.random(r, n * c * h * w);
    Window2d win = new Window2d(kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
    int oh = win.outH(h, ceil);
    int ow = win.outW(w, ceil);
    // Pad generously (also covering ceil-mode overhang) with markers: NaN = padding, and a
    // second flag array for "inside the declared pads".
    int bigH = (oh - 1) * sh + (kh - 1) * dh + 1 + pt;
    int bigW = (ow - 1) * sw + (kw - 1) * dw + 1 + pl;
    float[] expectedMax = new float[n * c * oh * ow];
    float[] expectedAvgIncl = new float[expectedMax.length];
    float[] expectedAvgExcl = new float[expectedMax.length];
    for (int p = 0; p < n * c; p++) {
      Float[][] grid = new Float[Math.max(bigH, h + pt)][Math.max(bigW, w + pl)];
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          grid[i + pt][j + pl] = x[p * h * w + i * w + j];
        }
      }
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          float max = Float.NEGATIVE_INFINITY;
          double sum = 0;
          int valid = 0;
          int inPadded = 0;
          for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
              int gy = oy * sh + ky * dh;
              int gx = ox * sw + kx * dw;
              Float v = grid[gy][gx];
              if (v != null) {
                max = Math.max(max, v);
                sum += v;
                valid++;
              }
              if (gy < h + pt + pb && gx < w + pl + pr) {
                inPadded++;
              }
            }
          }
          int o = p * oh * ow + oy * ow + ox;
          expectedMax[o] = max;
          expectedAvgIncl[o] = (float) (sum / inPadded);
          expectedAvgExcl[o] = (float) (sum / valid);
        }
      }
    }
    float[] y = new float[expectedMax.length];
    Pooling.maxPool2d(x, 0, n, c, h, w, win, y, 0, oh, ow);
    assertArrayEquals(expectedMax, y);
    if (dh == 1 && dw == 1) {
      Pooling.avgPool2d(x, 0, n, c, h, w, win, true, y, 0, oh, ow);
      Check.close(expectedAvgIncl, y);
      Pooling.avgPool2d(x, 0, n, c, h, w, win, false, y, 0, oh, ow);
      Check.close(expectedAvgExcl, y);
    }
  }

  @Test
  void globalPools() {
    float[] x = {1, 2, 3, 4, -1, -2, -3, -4, 0, 10, 0, 10};
    float[] y = new float[3];
    Pooling.globalAvgPool(x, 0, 3, 4, y, 0);
    assertArrayEquals(new float[] {2.5f, -2.5f, 5f}, y);
    Pooling.globalMaxPool(x, 0, 3, 4, y, 0);
    assertArrayEquals(new float[] {4f, -1f, 10f}, y);
  }
}
