package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.bnn4j.kernels.reference.Broadcast.BinaryOp;
import org.junit.jupiter.api.Test;

class BroadcastTest {

  @Test
  void broadcastShapes() {
    assertArrayEquals(new int[] {2, 3, 4}, Broadcast.broadcastShape(new int[] {3, 1},
        new int[] {2, 1, 4}));
    assertArrayEquals(new int[] {5}, Broadcast.broadcastShape(new int[] {}, new int[] {5}));
    assertArrayEquals(new int[] {0, 3}, Broadcast.broadcastShape(new int[] {0, 1},
        new int[] {3}));
    assertThrows(IllegalArgumentException.class,
        () -> Broadcast.broadcastShape(new int[] {2, 3}, new int[] {4}));
    assertTrue(Broadcast.broadcastsTo(new int[] {3, 1}, new int[] {2, 3, 4}));
    assertTrue(!Broadcast.broadcastsTo(new int[] {2, 3, 4}, new int[] {3, 4}));
  }

  @Test
  void handChecked() {
    float[] a = {1, 2, 3, 4, 5, 6}; // [2, 3]
    float[] b = {10, 20}; // [2, 1]
    float[] y = new float[6];
    Broadcast.binary(BinaryOp.ADD, a, 0, new int[] {2, 3}, b, 0, new int[] {2, 1}, y, 0,
        new int[] {2, 3});
    assertArrayEquals(new float[] {11, 12, 13, 24, 25, 26}, y);
    Broadcast.binary(BinaryOp.SUB, b, 0, new int[] {2, 1}, a, 0, new int[] {3}, y, 0,
        new int[] {2, 3});
    assertArrayEquals(new float[] {9, 8, 7, 19, 18, 17}, y);
    Broadcast.binary(BinaryOp.DIV, a, 0, new int[] {2, 3}, new float[] {0}, 0, new int[] {}, y,
        0, new int[] {2, 3});
    assertEquals(Float.POSITIVE_INFINITY, y[0]);
  }

  @Test
  void divByZeroAndNaNFollowIeee() {
    float[] a = {1, -1, 0, Float.NaN};
    float[] y = new float[4];
    Broadcast.binary(BinaryOp.DIV, a, 0, new int[] {4}, new float[] {0}, 0, new int[] {1}, y, 0,
        new int[] {4});
    assertEquals(Float.POSITIVE_INFINITY, y[0]);
    assertEquals(Float.NEGATIVE_INFINITY, y[1]);
    assertTrue(Float.isNaN(y[2]));
    assertTrue(Float.isNaN(y[3]));
  }

  /** Naive: decompose each output index and map it into each input. */
  private static float naiveAt(float[] x, int[] dims, int[] outIdx) {
    int shift = outIdx.length - dims.length;
    int flat = 0;
    for (int i = 0; i < dims.length; i++) {
      int coord = dims[i] == 1 ? 0 : outIdx[i + shift];
      flat = flat * dims[i] + coord;
    }
    return x[flat];
  }

  private static int[] unflatten(long flat, int[] dims) {
    int[] idx = new int[dims.length];
    for (int i = dims.length - 1; i >= 0; i--) {
      idx[i] = (int) (flat % dims[i]);
      flat /= dims[i];
    }
    return idx;
  }

  @Test
  void matchesNaiveForManyShapes() {
    int[][][] cases = {
        {{2, 3, 4}, {2, 3, 4}},
        {{2, 3, 4}, {4}},
        {{2, 1, 4}, {3, 1}},
        {{1}, {5, 3}},
        {{}, {3, 2}},
        {{3, 1, 5, 1}, {1, 4, 1, 2}},
        {{2, 1, 1, 3, 1, 1, 2, 1}, {1, 2, 3, 1, 1, 2, 1, 3}},
        {{1, 3, 5, 5}, {1, 3, 1, 1}},
        {{5}, {5}}};
    Random r = new Random(3);
    for (int[][] cs : cases) {
      int[] ad = cs[0];
      int[] bd = cs[1];
      int[] yd = Broadcast.broadcastShape(ad, bd);
      float[] a = Check.random(r, (int) Check.count(ad));
      float[] b = Check.random(r, (int) Check.count(bd));
      for (BinaryOp op : BinaryOp.values()) {
        float[] y = new float[(int) Check.count(yd) + 1];
        Broadcast.binary(op, a, 0, ad, b, 0, bd, y, 1, yd);
        for (long i = 0; i < Check.count(yd); i++) {
          int[] idx = unflatten(i, yd);
          float expected = op.apply(naiveAt(a, ad, idx), naiveAt(b, bd, idx));
          assertEquals(expected, y[1 + (int) i], op + " " + Arrays.toString(ad) + " "
              + Arrays.toString(bd) + " at " + Arrays.toString(idx));
        }
      }
    }
  }

  @Test
  void preluBroadcastsSlope() {
    Random r = new Random(5);
    int[] xd = {2, 3, 4, 5};
    float[] x = Check.random(r, 120);
    for (int[] sd : new int[][] {{1}, {3, 1, 1}, {5}, {1, 3, 4, 1}, {2, 3, 4, 5}, {}}) {
      float[] s = Check.random(r, (int) Check.count(sd));
      float[] y = new float[120];
      Broadcast.prelu(x, 0, xd, s, 0, sd, y, 0);
      for (int i = 0; i < 120; i++) {
        float v = x[i];
        float expected = v < 0 ? naiveAt(s, sd, unflatten(i, xd)) * v : v;
        assertEquals(expected, y[i], Arrays.toString(sd) + " at " + i);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Broadcast.prelu(x, 0, xd,
        new float[5], 0, new int[] {5, 1}, new float[120], 0));
  }

  @Test
  void rejectsWrongOutputShape() {
    assertThrows(IllegalArgumentException.class, () -> Broadcast.binary(BinaryOp.ADD,
        new float[6], 0, new int[] {2, 3}, new float[3], 0, new int[] {3}, new float[6], 0,
        new int[] {6}));
  }
}
