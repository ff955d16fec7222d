package org.bnn4j.kernels;

/**
 * A fully connected float layer with constant weights {@code [n, k]} (ONNX Gemm with transB, the
 * PyTorch Linear export) and optional bias {@code [n]}: {@code y[i, j] = a[i, :] . w[j, :] +
 * bias[j]}. Output columns are independent, so threads split them. The dot products are summed in
 * a different order from the reference, so results agree within float rounding.
 */
public interface FloatDenseKernel {
  /** Output columns {@code [colFrom, colTo)} of rows {@code [0, rows)}. */
  void run(float[] a, int aOff, int rows, float[] y, int yOff, int colFrom, int colTo);
}
