package org.bnn4j.kernels;

/**
 * Float max pooling prepared for one layer's geometry, immutable and shared by every thread.
 * Planes ({@code n * c} of them, NCHW) are independent: calls on disjoint plane ranges with
 * disjoint scratch may run concurrently. Results are bit-identical to {@link
 * org.bnn4j.kernels.reference.Pooling#maxPool2d}, except that a window holding a NaN always
 * gives the canonical {@link Float#NaN} whatever the NaN's payload.
 */
public interface MaxPoolKernel {
  /** Floats of scratch one call needs, at {@code scratchOff}; 0 when it needs none. */
  int scratchFloats();

  /**
   * Pools planes {@code [planeFrom, planeTo)}: plane p is {@code x[xOff + p*h*w ...]} and
   * {@code y[yOff + p*oh*ow ...]}.
   */
  void run(float[] x, int xOff, float[] y, int yOff, int planeFrom, int planeTo,
      float[] scratch, int scratchOff);
}
