package org.bnn4j;

import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;

/**
 * Which kernels this JVM runs, chosen once per JVM (see {@code -Dbnn4j.kernels} in the README).
 * The scalar kernels give the same results as the vector ones, roughly 10 to 20 times slower.
 *
 * @param vector true when the Vector API kernels run, false for the scalar reference kernels
 * @param vectorBitSize bits per vector register the kernels use (256 with AVX2, 512 with
 *     AVX-512), 0 for scalar
 * @param hardwarePopcount true when the CPU counts bits of a whole vector in one instruction
 *     (AVX-512 VPOPCNTDQ, NEON CNT); false means the count is emulated with byte shuffles
 * @param name the implementation's short name, e.g. "vector(256-bit)" or "scalar"
 * @param fallbackReason why the kernels are scalar, naming the fix, or null when they are vector
 */
public record KernelInfo(boolean vector, int vectorBitSize, boolean hardwarePopcount,
    String name, String fallbackReason) {

  /**
   * The kernels of this JVM, selecting them now if nothing has yet.
   *
   * @return what runs
   */
  public static KernelInfo current() {
    KernelProvider p = Kernels.provider();
    boolean vector = Kernels.vectorized();
    return new KernelInfo(vector, p.vectorBitSize(), vector && Kernels.hardwareVectorPopcount(),
        p.name(), vector ? null : Kernels.fallbackReason());
  }

  /**
   * Fails when the kernels are scalar; for applications that would rather not start than run
   * 10 to 20 times slower.
   *
   * @return this, when the kernels are vector
   * @throws KernelUnavailableException naming why the vector kernels are not running
   */
  public KernelInfo requireVector() {
    if (!vector) {
      throw new KernelUnavailableException("the Vector API kernels are not running ("
          + (fallbackReason == null ? "unknown reason" : fallbackReason) + "); bnn4j would run"
          + " the scalar kernels, 10 to 20 times slower");
    }
    return this;
  }

  @Override
  public String toString() {
    return vector ? name + (hardwarePopcount ? ", hardware popcount" : ", emulated popcount")
        : "scalar (" + fallbackReason + ")";
  }
}
