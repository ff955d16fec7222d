package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.FloatDenseKernel;

/**
 * Dense layer as vector dot products along K, four output columns at a time so each load of the
 * input row feeds four FMAs; lanes are reduced once per dot, in a fixed order ({@link #laneSum}).
 */
final class VectorFloatDense implements FloatDenseKernel {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;
  /** Lane l to l ^ k for k = L/2, L/4, ..., 1: the rounds of {@link #laneSum}. */
  private static final VectorShuffle<Float>[] HALVES = halves();
  private static final VectorShuffle<Float> XOR4 = HALVES[Math.max(0, HALVES.length - 3)];
  private static final VectorShuffle<Float> XOR2 = HALVES[Math.max(0, HALVES.length - 2)];
  private static final VectorShuffle<Float> XOR1 = HALVES[HALVES.length - 1];

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] halves() {
    int rounds = Integer.numberOfTrailingZeros(L);
    VectorShuffle<Float>[] out = new VectorShuffle[Math.max(1, rounds)];
    for (int r = 0; r < rounds; r++) {
      int k = L >>> (r + 1);
      out[r] = VectorShuffle.fromOp(S, l -> l ^ k);
    }
    if (rounds == 0) {
      out[0] = VectorShuffle.iota(S, 0, 1, true);
    }
    return out;
  }

  /**
   * The sum of v's lanes, pairwise in a fixed order (lane l plus lane l ^ L/2, then ^ L/4, ...).
   * {@code reduceLanes(ADD)} leaves the order to the implementation: the interpreter and C1 add
   * the lanes one by one, C2 as a tree, so the same dot changed its last bits once C2 compiled
   * the kernel. Lane-wise adds and shuffles are exact the same way everywhere.
   */
  static float laneSum(FloatVector v) {
    if (L == 8) {
      v = v.add(v.rearrange(XOR4));
      v = v.add(v.rearrange(XOR2));
      return v.add(v.rearrange(XOR1)).lane(0);
    }
    if (L == 1) {
      return v.lane(0);
    }
    for (VectorShuffle<Float> s : HALVES) {
      v = v.add(v.rearrange(s));
    }
    return v.lane(0);
  }

  private final int n;
  private final int k;
  private final float[] weights;
  private final float[] bias;

  VectorFloatDense(int n, int k, float[] weights, float[] bias) {
    this.n = n;
    this.k = k;
    this.weights = weights;
    this.bias = bias;
  }

  @Override
  public void run(float[] a, int aOff, int rows, float[] y, int yOff, int colFrom, int colTo) {
    int kVec = k / L * L;
    for (int i = 0; i < rows; i++) {
      int row = aOff + i * k;
      int j = colFrom;
      for (; j + 4 <= colTo; j += 4) {
        int w0 = j * k;
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int p = 0; p < kVec; p += L) {
          FloatVector x = FloatVector.fromArray(S, a, row + p);
          s0 = x.fma(FloatVector.fromArray(S, weights, w0 + p), s0);
          s1 = x.fma(FloatVector.fromArray(S, weights, w1 + p), s1);
          s2 = x.fma(FloatVector.fromArray(S, weights, w2 + p), s2);
          s3 = x.fma(FloatVector.fromArray(S, weights, w3 + p), s3);
        }
        float d0 = laneSum(s0);
        float d1 = laneSum(s1);
        float d2 = laneSum(s2);
        float d3 = laneSum(s3);
        for (int p = kVec; p < k; p++) {
          float x = a[row + p];
          d0 += x * weights[w0 + p];
          d1 += x * weights[w1 + p];
          d2 += x * weights[w2 + p];
          d3 += x * weights[w3 + p];
        }
        int out = yOff + i * n + j;
        y[out] = d0 + (bias == null ? 0f : bias[j]);
        y[out + 1] = d1 + (bias == null ? 0f : bias[j + 1]);
        y[out + 2] = d2 + (bias == null ? 0f : bias[j + 2]);
        y[out + 3] = d3 + (bias == null ? 0f : bias[j + 3]);
      }
      for (; j < colTo; j++) {
        int wj = j * k;
        FloatVector s = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += L) {
          s = FloatVector.fromArray(S, a, row + p).fma(FloatVector.fromArray(S, weights, wj + p),
              s);
        }
        float d = laneSum(s);
        for (int p = kVec; p < k; p++) {
          d += a[row + p] * weights[wj + p];
        }
        y[yOff + i * n + j] = d + (bias == null ? 0f : bias[j]);
      }
    }
  }
}
