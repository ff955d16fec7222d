package org.bnn4j.kernels;

/**
 * A float element-wise op ({@link ElementwiseSpec}), immutable and shared by every thread.
 * Elements are independent, so calls on disjoint ranges may run concurrently, and {@code y} may
 * be the same range as {@code a} or {@code b}. Each element is one IEEE operation, so every
 * provider gives the reference's bits.
 */
public interface FloatElementwiseKernel {
  /**
   * Elements {@code [from, to)}: {@code y[yOff + i] = f(a[aOff + i])}, or {@code a[aOff + i] op
   * b[bOff + i]} for a binary kind ({@code b} is ignored for a unary one and may be null).
   */
  void run(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int from, int to);
}
