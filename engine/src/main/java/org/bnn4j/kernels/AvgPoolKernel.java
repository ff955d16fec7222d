package org.bnn4j.kernels;

/**
 * Float average pooling prepared for one layer's geometry, immutable and shared by every thread.
 * Planes ({@code n * c}, NCHW) are independent, so calls on disjoint plane ranges may run
 * concurrently. Results are bit-identical to {@link
 * org.bnn4j.kernels.reference.Pooling#avgPool2d}.
 */
public interface AvgPoolKernel {
  /**
   * Pools planes {@code [planeFrom, planeTo)}: plane p is {@code x[xOff + p*h*w ...]} and
   * {@code y[yOff + p*oh*ow ...]}.
   */
  void run(float[] x, int xOff, float[] y, int yOff, int planeFrom, int planeTo);
}
