package org.bnn4j.kernels.reference;

import org.bnn4j.kernels.Bitpack;

/**
 * Turns the integer dots of a binary conv or dense layer into its output: float values through
 * per-channel stages, or packed bits through per-channel integer thresholds.
 */
public final class BinaryOutputTransform {
  private BinaryOutputTransform() {}

  /**
   * Float output, NCHW {@code [n, m, hw]}: {@code y = dot * multiplier[c] + bias[c]}, then
   * {@code + residual} (same layout as y) when given, then PReLU with {@code slope[c]} when given,
   * then {@code + postBias[c]} when given. Null arrays skip their stage.
   */
  public static void toFloat(float[] dots, int dOff, int n, int m, int hw, float[] multiplier, float[] bias,
      float[] residual, int residualOff, float[] slope, float[] postBias, float[] y, int yOff) {
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < m; c++) {
        int base = (b * m + c) * hw;
        for (int p = 0; p < hw; p++) {
          y[yOff + base + p] = toFloat(dots[dOff + base + p], c, multiplier, bias,
              residual != null, residual == null ? 0f : residual[residualOff + base + p], slope,
              postBias);
        }
      }
    }
  }

  /**
   * Bit output, NHWC packed: channel c is -1 (bit 1) when {@code (dot < threshold[c]) != flip[c]}.
   * A channel that is constant has threshold {@code Long.MIN_VALUE} and its value in flip.
   */
  public static void toBits(float[] dots, int dOff, int n, int m, int hw, long[] threshold, long[] flip,
      long[] out, int outOff) {
    int words = Bitpack.words(m);
    for (int b = 0; b < n; b++) {
      for (int p = 0; p < hw; p++) {
        int o = outOff + (b * hw + p) * words;
        for (int i = 0; i < words; i++) {
          out[o + i] = 0L;
        }
        for (int c = 0; c < m; c++) {
          if (toBit(dots[dOff + (b * m + c) * hw + p], c, threshold, flip)) {
            out[o + (c >>> 6)] |= 1L << (c & 63);
          }
        }
      }
    }
  }

  /**
   * One output of {@link #toFloat(float[], int, int, int, int, float[], float[], float[], int,
   * float[], float[], float[], int)}: channel {@code c}'s stages applied to {@code dot}, with
   * {@code residualValue} added when {@code hasResidual}.
   */
  public static float toFloat(float dot, int c, float[] multiplier, float[] bias,
      boolean hasResidual, float residualValue, float[] slope, float[] postBias) {
    float v = dot * multiplier[c] + bias[c];
    if (hasResidual) {
      v += residualValue;
    }
    if (slope != null && v < 0f) {
      v *= slope[c];
    }
    if (postBias != null) {
      v += postBias[c];
    }
    return v;
  }

  /** One bit of {@link #toBits}: whether channel {@code c} with {@code dot} is -1. */
  public static boolean toBit(float dot, int c, long[] threshold, long[] flip) {
    return (dot < threshold[c]) != (flip[c] != 0);
  }
}
