package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bnn4j.kernels.reference.Broadcast.BinaryOp;
import org.junit.jupiter.api.Test;

/** The reference kernels of MaskOps and the comparison ops, against hand-computed values. */
class MaskOpsTest {

  @Test
  void bipolarSignReadsZeroMinusZeroAndNanAsPlusOne() {
    float[] x = {-2f, -0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.NaN, 3f};
    float[] y = new float[x.length];
    MaskOps.bipolarSign(x, 0, y, 0, x.length);
    assertArrayEquals(new float[] {-1f, 1f, 1f, 1f, -1f, 1f, 1f}, y);
  }

  @Test
  void lessAndGreaterAreZeroOrOneAndFalseForNan() {
    assertEquals(1f, BinaryOp.LESS.apply(-1f, 0f));
    assertEquals(0f, BinaryOp.LESS.apply(0f, 0f));
    assertEquals(0f, BinaryOp.LESS.apply(Float.NaN, 0f));
    assertEquals(1f, BinaryOp.GREATER.apply(1f, 0f));
    assertEquals(0f, BinaryOp.GREATER.apply(Float.NaN, 0f));
  }

  @Test
  void whereBroadcastsAllThreeInputs() {
    float[] cond = {1f, 0f};                 // [2, 1]
    float[] a = {10f, 20f, 30f};             // [3]
    float[] b = {-1f};                       // [1]
    float[] y = new float[6];
    MaskOps.where(cond, 0, new int[] {2, 1}, a, 0, new int[] {3}, b, 0, new int[] {1},
        y, 0, new int[] {2, 3});
    assertArrayEquals(new float[] {10f, 20f, 30f, -1f, -1f, -1f}, y);
  }

  @Test
  void logSoftmaxIsXMinusLogSumExp() {
    float[] x = {1f, 2f, 3f, -1f, 0f, 1000f};
    float[] y = new float[6];
    Softmax.logSoftmax(x, 0, new int[] {2, 3}, 1, y, 0);
    double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    assertEquals((float) (1 - lse), y[0], 1e-6f);
    assertEquals((float) (3 - lse), y[2], 1e-6f);
    assertEquals(0f, y[5], 0f); // stable: the max is subtracted first
    assertEquals(-1000f, y[4], 1e-3f);
  }

  @Test
  void stridedSliceTakesEveryOtherRowAndColumn() {
    float[] x = new float[2 * 4 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    float[] y = new float[2 * 2 * 2];
    MaskOps.slice(x, 0, new int[] {16, 4, 1}, new int[] {0, 0, 0}, new int[] {1, 2, 2},
        y, 0, new int[] {2, 2, 2});
    assertArrayEquals(new float[] {0, 2, 8, 10, 16, 18, 24, 26}, y);
  }
}
