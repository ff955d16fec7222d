package org.bnn4j.kernels.reference;

/**
 * Reference element-wise unary ops over {@code count} floats from {@code x[xOff]} to {@code
 * y[yOff]}. NaN inputs propagate as NaN. x and y may be the same range.
 */
public final class Activations {
  private Activations() {}

  /** {@code y = x < 0 ? 0 : x}. */
  public static void relu(float[] x, int xOff, float[] y, int yOff, int count) {
    for (int i = 0; i < count; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v < 0f ? 0f : v;
    }
  }

  /** {@code y = x < 0 ? alpha * x : x}. */
  public static void leakyRelu(float[] x, int xOff, float[] y, int yOff, int count, float alpha) {
    for (int i = 0; i < count; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v < 0f ? alpha * v : v;
    }
  }

  /**
   * {@code y = 1 / (1 + exp(-x))}, computed in double and rounded. StrictMath here and in tanh
   * and Softmax: Math's functions may differ by an ulp between the interpreter and compiled
   * code, and the same input must give the same bits on every call.
   */
  public static void sigmoid(float[] x, int xOff, float[] y, int yOff, int count) {
    for (int i = 0; i < count; i++) {
      y[yOff + i] = (float) (1.0 / (1.0 + StrictMath.exp(-(double) x[xOff + i])));
    }
  }

  /** {@code y = tanh(x)}, computed in double and rounded. */
  public static void tanh(float[] x, int xOff, float[] y, int yOff, int count) {
    for (int i = 0; i < count; i++) {
      y[yOff + i] = (float) StrictMath.tanh(x[xOff + i]);
    }
  }

  /** {@code y = max(0, min(1, alpha * x + beta))}. */
  public static void hardSigmoid(
      float[] x, int xOff, float[] y, int yOff, int count, float alpha, float beta) {
    for (int i = 0; i < count; i++) {
      y[yOff + i] = Math.max(0f, Math.min(1f, alpha * x[xOff + i] + beta));
    }
  }

  /** {@code y = x * max(0, min(1, x / 6 + 1 / 2))}. */
  public static void hardSwish(float[] x, int xOff, float[] y, int yOff, int count) {
    for (int i = 0; i < count; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v * Math.max(0f, Math.min(1f, v / 6f + 0.5f));
    }
  }

  /** ONNX Sign: -1, 0 or +1 (0 and -0 give 0; NaN gives NaN). */
  public static void sign(float[] x, int xOff, float[] y, int yOff, int count) {
    for (int i = 0; i < count; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v > 0f ? 1f : v < 0f ? -1f : v == 0f ? 0f : v;
    }
  }

  /**
   * {@code y = min(max(x, min), max)}. Pass {@code Float.NEGATIVE_INFINITY} / {@code
   * Float.POSITIVE_INFINITY} for an absent bound.
   */
  public static void clip(float[] x, int xOff, float[] y, int yOff, int count, float min,
      float max) {
    for (int i = 0; i < count; i++) {
      y[yOff + i] = Math.min(Math.max(x[xOff + i], min), max);
    }
  }
}
