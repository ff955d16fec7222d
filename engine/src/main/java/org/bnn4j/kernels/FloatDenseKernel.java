package org.bnn4j.kernels;

/**
 * A fully connected float layer with constant weights {@code [n, k]} (ONNX Gemm with transB, the
 * PyTorch Linear export) and optional bias {@code [n]}: {@code y[i, j] = a[i, :] . w[j, :] +
 * bias[j]}. Output columns are independent, so threads split them. The vector kernel sums the dot
 * products in a different order from the reference, so its results agree within float rounding;
 * the scalar one keeps the reference's order and bits.
 */
public interface FloatDenseKernel {
  /** Output columns {@code [colFrom, colTo)} of rows {@code [0, rows)}. */
  void run(float[] a, int aOff, int rows, float[] y, int yOff, int colFrom, int colTo);
}
