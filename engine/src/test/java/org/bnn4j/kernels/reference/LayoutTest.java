package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.bnn4j.kernels.reference.Layout.PadMode;
import org.junit.jupiter.api.Test;

class LayoutTest {

  @Test
  void concatAlongMiddleAxis() {
    float[] a = {1, 2, 3, 4}; // [2, 1, 2]
    float[] b = {5, 6, 7, 8, 9, 10, 11, 12}; // [2, 2, 2]
    float[] y = new float[12];
    Layout.concat(new float[][] {a, b}, new int[] {0, 0}, new int[][] {{2, 1, 2}, {2, 2, 2}}, 1,
        y, 0);
    assertArrayEquals(new float[] {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}, y);
    float[] z = new float[12];
    Layout.concatPart(a, 0, new int[] {2, 1, 2}, 1, 0, z, 0, new int[] {2, 3, 2});
    Layout.concatPart(b, 0, new int[] {2, 2, 2}, 1, 1, z, 0, new int[] {2, 3, 2});
    assertArrayEquals(y, z);
  }

  @Test
  void concatAxis0AndLast() {
    float[] y = new float[6];
    Layout.concat(new float[][] {{1, 2}, {3, 4, 5, 6}}, new int[] {0, 0},
        new int[][] {{1, 2}, {2, 2}}, 0, y, 0);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, y);
    Layout.concat(new float[][] {{1, 2}, {3, 4, 5, 6}}, new int[] {0, 0},
        new int[][] {{2, 1}, {2, 2}}, 1, y, 0);
    assertArrayEquals(new float[] {1, 3, 4, 2, 5, 6}, y);
  }

  @Test
  void transpose2d() {
    float[] x = {1, 2, 3, 4, 5, 6}; // [2, 3]
    float[] y = new float[6];
    Layout.transpose(x, 0, new int[] {2, 3}, new int[] {1, 0}, y, 0);
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, y);
  }

  @Test
  void transposeAnyPermMatchesNaive() {
    int[] dims = {2, 3, 1, 4, 5};
    int[][] perms = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {0, 3, 1, 4, 2}, {2, 0, 4, 1, 3}};
    Random r = new Random(1);
    float[] x = Check.random(r, 120);
    for (int[] perm : perms) {
      int[] od = Layout.transposedDims(dims, perm);
      float[] y = new float[120];
      Layout.transpose(x, 0, dims, perm, y, 0);
      for (int i = 0; i < 120; i++) {
        // Decompose the output index, map through perm, flatten in the input.
        int[] oi = new int[5];
        int f = i;
        for (int d = 4; d >= 0; d--) {
          oi[d] = f % od[d];
          f /= od[d];
        }
        int[] ii = new int[5];
        for (int d = 0; d < 5; d++) {
          ii[perm[d]] = oi[d];
        }
        int flat = 0;
        for (int d = 0; d < 5; d++) {
          flat = flat * dims[d] + ii[d];
        }
        assertEquals(x[flat], y[i]);
      }
    }
    assertThrows(IllegalArgumentException.class,
        () -> Layout.transpose(x, 0, dims, new int[] {0, 0, 1, 2, 3}, new float[120], 0));
  }

  @Test
  void padModesMatchNumpy() {
    float[] x = {1, 2, 3, 4, 5, 6}; // [2, 3]
    int[] dims = {2, 3};
    int[] pads = {1, 2, 2, 1}; // rows: 1 before, 2 after; cols: 2 before, 1 after
    assertArrayEquals(new int[] {5, 6}, Layout.paddedDims(dims, pads));
    float[] y = new float[30];
    // numpy.pad(np.arange(1, 7).reshape(2, 3), ((1, 2), (2, 1)), mode)
    Layout.pad(x, 0, dims, pads, PadMode.REFLECT, 0f, y, 0);
    assertArrayEquals(new float[] {
        6, 5, 4, 5, 6, 5,
        3, 2, 1, 2, 3, 2,
        6, 5, 4, 5, 6, 5,
        3, 2, 1, 2, 3, 2,
        6, 5, 4, 5, 6, 5}, y);
    Layout.pad(x, 0, dims, pads, PadMode.EDGE, 0f, y, 0);
    assertArrayEquals(new float[] {
        1, 1, 1, 2, 3, 3,
        1, 1, 1, 2, 3, 3,
        4, 4, 4, 5, 6, 6,
        4, 4, 4, 5, 6, 6,
        4, 4, 4, 5, 6, 6}, y);
    Layout.pad(x, 0, dims, pads, PadMode.CONSTANT, -7f, y, 0);
    assertArrayEquals(new float[] {
        -7, -7, -7, -7, -7, -7,
        -7, -7, 1, 2, 3, -7,
        -7, -7, 4, 5, 6, -7,
        -7, -7, -7, -7, -7, -7,
        -7, -7, -7, -7, -7, -7}, y);
  }

  @Test
  void reflectWiderThanAxisRepeatsLikeNumpy() {
    float[] y = new float[8];
    Layout.pad(new float[] {1, 2, 3}, 0, new int[] {3}, new int[] {5, 0}, PadMode.REFLECT, 0f, y,
        0);
    assertArrayEquals(new float[] {2, 1, 2, 3, 2, 1, 2, 3}, y);
  }

  @Test
  void padNchwSpatialOnly() {
    // A typical 4-D case: pad H and W of [1, 2, 2, 2] by 1 with zeros.
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] y = new float[2 * 4 * 4];
    Layout.pad(x, 0, new int[] {1, 2, 2, 2}, new int[] {0, 0, 1, 1, 0, 0, 1, 1},
        PadMode.CONSTANT, 0f, y, 0);
    assertEquals(1f, y[5]);
    assertEquals(4f, y[10]);
    assertEquals(5f, y[16 + 5]);
    assertEquals(0f, y[16]);
    float sum = 0;
    for (float v : y) {
      sum += v;
    }
    assertEquals(36f, sum);
  }

  @Test
  void copy() {
    float[] y = new float[4];
    Layout.copy(new float[] {0, 1, 2, 3, 4}, 1, y, 0, 4);
    assertArrayEquals(new float[] {1, 2, 3, 4}, y);
  }
}
