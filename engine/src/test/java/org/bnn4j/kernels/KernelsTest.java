package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Kernel selection from -Dbnn4j.kernels. */
class KernelsTest {
  @Test
  void scalarIsTheReferenceFallback() {
    KernelProvider p = Kernels.select("scalar");
    assertSame(Kernels.scalar(), p);
    assertEquals("scalar", p.name());
    assertEquals(0, p.vectorBitSize());
  }

  @Test
  void unknownModeReadsAsAuto() {
    assertEquals(Kernels.select("auto").name(), Kernels.select("turbo").name());
  }

  @Test
  void vectorModeLoadsTheVectorProviderWhenPresent() {
    Assumptions.assumeTrue(Kernels.vectorModulePresent(), "no jdk.incubator.vector");
    KernelProvider p = Kernels.select("VECTOR");
    assertNotNull(p);
    assertEquals(true, p.name().startsWith("vector("), p.name());
  }
}
