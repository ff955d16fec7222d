package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The element-wise kernels of both providers against the plain Java expression for each op, bit
 * for bit: odd lengths and offsets (vector bodies and scalar tails), ranges split as threads
 * split them, in place, and the values where a max or a fused operation would differ (-0.0,
 * NaN, infinities, subnormals).
 */
class ElementwiseKernelTest {
  private static final int[] LENGTHS = {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 130, 1000};
  private static final float[] SPECIAL = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -1f, 1f};

  /** What each op is, written out once more as the plain expression. */
  private static float expected(ElementwiseSpec.Kind kind, float a, float b) {
    return switch (kind) {
      case RELU -> a < 0f ? 0f : a;
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
    };
  }

  private static float[] data(Random r, int n, int off) {
    float[] x = new float[off + n];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextInt(8) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)]
          : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
    }
    return x;
  }

  private static void check(KernelProvider provider, ElementwiseSpec.Kind kind) {
    FloatElementwiseKernel k = provider.elementwise(new ElementwiseSpec(kind));
    Random r = new Random(kind.ordinal() * 31L + provider.name().length());
    for (int n : LENGTHS) {
      for (int off : new int[] {0, 3}) {
        float[] a = data(r, n, off);
        float[] b = data(r, n, off + 1);
        float[] y = new float[n + 5];
        int split = n / 3;
        // Two calls, as two threads would make them, at offsets that are not vector-aligned.
        k.run(a, off, b, off + 1, y, 5, 0, split);
        k.run(a, off, b, off + 1, y, 5, split, n);
        for (int i = 0; i < n; i++) {
          float want = expected(kind, a[off + i], b[off + 1 + i]);
          assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[5 + i]),
              () -> provider.name() + " " + kind + " n=" + n);
        }
        // In place: y is a's own range.
        float[] inPlace = a.clone();
        k.run(inPlace, off, b, off + 1, inPlace, off, 0, n);
        for (int i = 0; i < n; i++) {
          float want = expected(kind, a[off + i], b[off + 1 + i]);
          assertEquals(Float.floatToRawIntBits(want),
              Float.floatToRawIntBits(inPlace[off + i]), () -> provider.name() + " in place");
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ElementwiseSpec.Kind.class)
  void scalarKernelsAreThePlainExpression(ElementwiseSpec.Kind kind) {
    check(Kernels.scalar(), kind);
  }

  @ParameterizedTest
  @EnumSource(ElementwiseSpec.Kind.class)
  void vectorKernelsAreThePlainExpression(ElementwiseSpec.Kind kind) {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    check(vector, kind);
  }

  @Test
  void aMissingKindIsRefused() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new ElementwiseSpec(null));
  }
}
