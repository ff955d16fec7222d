package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.bnn4j.kernels.reference.Gemm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The vector dense layer against the reference Gemm (A times B transposed plus C) within 1e-4. */
class FloatDenseKernelTest {

  @Test
  void matchesReferenceGemm() {
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "pass --add-modules jdk.incubator.vector");
    Random rnd = new Random(4);
    int cases = 0;
    for (int k : new int[] {1, 7, 8, 63, 64, 65, 130}) {
      for (int n : new int[] {1, 3, 4, 5, 13}) {
        for (int rows : new int[] {1, 3}) {
          boolean withBias = (k + n + rows) % 2 == 0;
          float[] a = FloatConvKernelTest.gaussian(rnd, 2 + rows * k, 1f);
          float[] w = FloatConvKernelTest.gaussian(rnd, n * k, 1f);
          float[] bias = withBias ? FloatConvKernelTest.gaussian(rnd, n, 1f) : null;
          float[] want = new float[1 + rows * n];
          Gemm.gemm(a, 2, false, w, 0, true, bias, 0, withBias ? new int[] {n} : null, 1f, 1f,
              want, 1, rows, n, k);
          FloatDenseKernel kernel = vector.floatDense(new FloatDenseSpec(n, k, w, bias));
          assertNotNull(kernel);
          float[] got = new float[want.length];
          int cut = Math.min(n, 4);
          kernel.run(a, 2, rows, got, 1, 0, cut);
          kernel.run(a, 2, rows, got, 1, cut, n);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4f * Math.max(1f, Math.abs(want[i])),
                "k=" + k + " n=" + n + " rows=" + rows + " at " + i);
          }
          cases++;
        }
      }
    }
    assertEquals(70, cases);
  }
}
