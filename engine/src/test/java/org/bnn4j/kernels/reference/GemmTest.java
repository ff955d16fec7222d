package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class GemmTest {

  @Test
  void handChecked() {
    // A = [[1, 2], [3, 4]], B = [[5, 6, 7], [8, 9, 10]]; AB = [[21, 24, 27], [47, 54, 61]]
    float[] a = {1, 2, 3, 4};
    float[] b = {5, 6, 7, 8, 9, 10};
    float[] c = {1, 2, 3};
    float[] y = new float[6];
    Gemm.gemm(a, 0, false, b, 0, false, c, 0, new int[] {3}, 2f, 10f, y, 0, 2, 3, 2);
    assertArrayEquals(new float[] {52, 68, 84, 104, 128, 152}, y);
  }

  @Test
  void noBias() {
    float[] a = {1, 2, 3, 4};
    float[] b = {1, 0, 0, 1};
    float[] y = new float[4];
    Gemm.gemm(a, 0, false, b, 0, false, null, 0, null, 1f, 1f, y, 0, 2, 2, 2);
    assertArrayEquals(a, y);
  }

  @ParameterizedTest
  @CsvSource({
      "false, false, scalar", "true, false, n", "false, true, m1", "true, true, 1n",
      "false, false, mn", "true, false, one", "false, true, 11", "true, true, mn"})
  void matchesExplicitTransposeAndBroadcast(boolean transA, boolean transB, String cKind) {
    int m = 3;
    int n = 5;
    int k = 7;
    Random r = new Random(cKind.hashCode() + (transA ? 1 : 0) + (transB ? 2 : 0));
    float[] a = Check.random(r, m * k);
    float[] b = Check.random(r, k * n);
    int[] cDims = switch (cKind) {
      case "scalar" -> new int[] {};
      case "one" -> new int[] {1};
      case "n" -> new int[] {n};
      case "m1" -> new int[] {m, 1};
      case "1n" -> new int[] {1, n};
      case "11" -> new int[] {1, 1};
      default -> new int[] {m, n};
    };
    float[] c = Check.random(r, (int) Check.count(cDims));
    // Plain matrices A'[i][p] and B'[p][j], and C expanded to [m][n].
    double[][] ap = new double[m][k];
    double[][] bp = new double[k][n];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        ap[i][p] = a[transA ? p * m + i : i * k + p];
      }
    }
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        bp[p][j] = b[transB ? j * k + p : p * n + j];
      }
    }
    float alpha = 0.75f;
    float beta = -1.5f;
    float[] expected = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += ap[i][p] * bp[p][j];
        }
        double cv = switch (cKind) {
          case "scalar", "one", "11" -> c[0];
          case "n", "1n" -> c[j];
          case "m1" -> c[i];
          default -> c[i * n + j];
        };
        expected[i * n + j] = (float) (alpha * s + beta * cv);
      }
    }
    float[] y = new float[m * n + 2];
    Gemm.gemm(a, 0, transA, b, 0, transB, c, 0, cDims, alpha, beta, y, 2, m, n, k);
    float[] got = java.util.Arrays.copyOfRange(y, 2, y.length);
    Check.close(expected, got, 1e-5, 1e-5);
  }

  @Test
  void rejectsBadBias() {
    float[] y = new float[6];
    assertThrows(IllegalArgumentException.class, () -> Gemm.gemm(new float[6], 0, false,
        new float[9], 0, false, new float[2], 0, new int[] {2}, 1f, 1f, y, 0, 2, 3, 3));
  }
}
