package org.bnn4j.convert;

import java.util.Arrays;

/**
 * Weights that are {@code ±a} per output channel up to a few ulp: what an exporter or simplifier
 * leaves when it pre-folds the straight-through weight estimator {@code (a * sign(W)).detach() -
 * clip(W).detach() + clip(W)} (Bi-Real Net, ReActNet). Each value is {@code fl(fl(±a - c) + c)}
 * for some {@code c} in {@code [-1, 1]}, within two rounding errors of {@code ±a}.
 *
 * <p>A channel qualifies when every weight is non-zero and its magnitude is within {@value
 * #MAX_ULPS} ulp of {@code a}, the magnitude that occurs most often in the channel (the exact
 * {@code a} whenever any weight came through unchanged). The lowered layer then computes {@code
 * a * dot(sign(x), sign(w))}: each weight is off by at most {@code MAX_ULPS * ulp(a)}, so an output
 * moves by at most {@code MAX_ULPS * 2^-23} times {@code a * sum|x|}, far inside the 1e-4
 * relative tolerance of float layers. The float weights stay in the ONNX file for the reference;
 * anything further from ±a stays a float conv.
 */
final class NearBinaryWeights {
  private NearBinaryWeights() {}

  /** The largest distance, in ulp of the channel's magnitude, a weight may have from ±a. */
  static final int MAX_ULPS = 4;

  /** The channel's magnitude a, or NaN when the row is not ±a within the bound. */
  static float magnitude(float[] w, int from, int len) {
    float[] mags = new float[len];
    for (int k = 0; k < len; k++) {
      float v = w[from + k];
      if (v == 0f || !Float.isFinite(v)) {
        return Float.NaN;
      }
      mags[k] = Math.abs(v);
    }
    Arrays.sort(mags);
    float best = mags[0];
    int bestRun = 0;
    for (int i = 0; i < len; ) {
      int j = i;
      while (j < len && mags[j] == mags[i]) {
        j++;
      }
      if (j - i > bestRun) {
        bestRun = j - i;
        best = mags[i];
      }
      i = j;
    }
    float tol = MAX_ULPS * Math.ulp(best);
    if (mags[0] < best - tol || mags[len - 1] > best + tol) {
      return Float.NaN;
    }
    return best;
  }
}
