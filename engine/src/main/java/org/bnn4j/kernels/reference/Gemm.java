package org.bnn4j.kernels.reference;

import java.util.Arrays;

/** Reference general matrix multiply (ONNX Gemm). */
public final class Gemm {
  private Gemm() {}

  /**
   * {@code Y[M, N] = alpha * A' * B' + beta * C}. A is {@code [M, K]}, or {@code [K, M]} when
   * transA; B is {@code [K, N]}, or {@code [N, K]} when transB. C is null (no bias term) or
   * broadcasts unidirectionally to {@code [M, N]}: its dims {@code cDims} may be {@code []},
   * {@code [1]}, {@code [N]}, {@code [M, 1]}, {@code [1, N]}, {@code [M, N]} (or {@code [1, 1]}).
   * The dot product accumulates in float in natural k order; then {@code alpha * acc + beta * c}.
   */
  public static void gemm(
      float[] a, int aOff, boolean transA,
      float[] b, int bOff, boolean transB,
      float[] c, int cOff, int[] cDims,
      float alpha, float beta,
      float[] y, int yOff, int m, int n, int k) {
    gemmColumns(a, aOff, transA, b, bOff, transB, c, cOff, cDims, alpha, beta, y, yOff, m, n, k,
        0, n);
  }

  /**
   * {@link #gemm}'s output columns {@code [colFrom, colTo)} of every row (same operations in the
   * same order, so the same bits): what a thread computes when the columns are split.
   */
  public static void gemmColumns(
      float[] a, int aOff, boolean transA,
      float[] b, int bOff, boolean transB,
      float[] c, int cOff, int[] cDims,
      float alpha, float beta,
      float[] y, int yOff, int m, int n, int k, int colFrom, int colTo) {
    int cRows = 1;
    int cCols = 1;
    if (c != null) {
      int[] cd = cDims;
      if (cd.length > 2) {
        throw new IllegalArgumentException("C has rank " + cd.length + ", at most 2 allowed");
      }
      cCols = cd.length >= 1 ? cd[cd.length - 1] : 1;
      cRows = cd.length == 2 ? cd[0] : 1;
      if ((cRows != 1 && cRows != m) || (cCols != 1 && cCols != n)) {
        throw new IllegalArgumentException(
            "C " + Arrays.toString(cd) + " does not broadcast to [" + m + ", " + n + "]");
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = colFrom; j < colTo; j++) {
        float acc = 0f;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
          float bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
          acc += av * bv;
        }
        float v = alpha * acc;
        if (c != null) {
          int ci = (cRows == 1 ? 0 : i) * cCols + (cCols == 1 ? 0 : j);
          v += beta * c[cOff + ci];
        }
        y[yOff + i * n + j] = v;
      }
    }
  }
}
