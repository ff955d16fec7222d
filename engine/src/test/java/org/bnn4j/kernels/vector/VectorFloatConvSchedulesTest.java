package org.bnn4j.kernels.vector;

import org.bnn4j.kernels.FloatConvKernelTest;
import org.bnn4j.kernels.Kernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both schedules of the vector float convolution against the reference, whatever the layer size
 * would pick: panels packed per worker (fused) and the whole patch matrix shared.
 */
class VectorFloatConvSchedulesTest {

  @BeforeEach
  void needsVectorModule() {
    Assumptions.assumeTrue(Kernels.vectorOrNull() != null,
        "pass --add-modules jdk.incubator.vector");
  }

  @Test
  void fusedPanelsMatchReference() {
    FloatConvKernelTest.sweep((rnd, n, c, h, w, m, win, bias) -> FloatConvKernelTest.check(rnd,
        n, c, h, w, m, win, bias, (cc, hh, ww, mm, wi, oh, ow, wt, b) -> new VectorFloatConv(cc,
            hh, ww, mm, wi, oh, ow, wt, b, true)));
  }

  @Test
  void sharedPatchMatrixMatchesReference() {
    FloatConvKernelTest.sweep((rnd, n, c, h, w, m, win, bias) -> FloatConvKernelTest.check(rnd,
        n, c, h, w, m, win, bias, (cc, hh, ww, mm, wi, oh, ow, wt, b) -> new VectorFloatConv(cc,
            hh, ww, mm, wi, oh, ow, wt, b, false)));
  }
}
