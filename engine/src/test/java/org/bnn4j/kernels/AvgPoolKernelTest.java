package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.bnn4j.kernels.reference.Pooling;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The vector 2x2 stride-2 average pool against the reference, bit for bit. */
class AvgPoolKernelTest {
  private static final Window2d TWO_BY_TWO = new Window2d(2, 2, 2, 2, 0, 0, 0, 0, 1, 1);

  @Test
  void matchesReferenceOnOddSizesAndSpecialValues() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Random rnd = new Random(8);
    int cases = 0;
    for (int w : new int[] {2, 3, 15, 16, 17, 31, 32, 33, 56, 57, 113}) {
      for (int h : new int[] {2, 5, 14}) {
        int oh = TWO_BY_TWO.outH(h, false);
        int ow = TWO_BY_TWO.outW(w, false);
        int planes = 3;
        float[] x = new float[1 + planes * h * w];
        for (int i = 0; i < x.length; i++) {
          x[i] = switch (rnd.nextInt(12)) {
            case 0 -> -0.0f;
            case 1 -> Float.NaN;
            case 2 -> Float.MIN_VALUE * rnd.nextInt(5);
            case 3 -> Float.POSITIVE_INFINITY;
            default -> (float) rnd.nextGaussian() * 1e3f;
          };
        }
        // A window of four -0.0: the reference's accumulator makes it +0.0.
        x[1] = x[2] = x[1 + w] = x[2 + w] = -0.0f;
        float[] want = new float[2 + planes * oh * ow];
        Pooling.avgPool2d(x, 1, 1, planes, h, w, TWO_BY_TWO, false, want, 2, oh, ow);
        AvgPoolKernel k = vector.avgPool(new PoolSpec(h, w, TWO_BY_TWO, oh, ow, false));
        assertNotSame(scalarKernel(h, w, TWO_BY_TWO, false, oh, ow), k.getClass(), h + "x" + w);
        float[] got = new float[want.length];
        k.run(x, 1, got, 2, 0, 1);
        k.run(x, 1, got, 2, 1, planes);
        for (int i = 0; i < want.length; i++) {
          assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
              h + "x" + w + " at " + i + ": " + want[i] + " vs " + got[i]);
        }
        cases++;
      }
    }
    assertEquals(33, cases);
  }

  @Test
  void otherWindowsAreLeftToTheScalarKernel() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    assertScalar(vector, 8, 8, new Window2d(3, 3, 2, 2, 0, 0, 0, 0, 1, 1), false, 3, 3);
    assertScalar(vector, 8, 8, new Window2d(2, 2, 2, 2, 1, 1, 1, 1, 1, 1), true, 5, 5);
    assertScalar(vector, 8, 8, new Window2d(2, 2, 1, 1, 0, 0, 0, 0, 1, 1), false, 7, 7);
    // ceil mode on an odd width: the last window is partial
    assertScalar(vector, 8, 9, TWO_BY_TWO, false, 4, 5);
  }

  /** The class of the scalar provider's kernel for this geometry. */
  private static Class<?> scalarKernel(int h, int w, Window2d win, boolean countIncludePad,
      int oh, int ow) {
    return Kernels.scalar().avgPool(new PoolSpec(h, w, win, oh, ow, countIncludePad)).getClass();
  }

  /** The vector provider hands this geometry on to the scalar kernel. */
  private static void assertScalar(KernelProvider vector, int h, int w, Window2d win,
      boolean countIncludePad, int oh, int ow) {
    assertSame(scalarKernel(h, w, win, countIncludePad, oh, ow),
        vector.avgPool(new PoolSpec(h, w, win, oh, ow, countIncludePad)).getClass(), win + "");
  }
}
