package org.bnn4j.kernels.reference;

/** Reference softmax and log-softmax along one axis. */
public final class Softmax {
  private Softmax() {}

  /**
   * Softmax of {@code x} (shape {@code dims}) along {@code axis}: for each slice, {@code y_i =
   * exp(x_i - max) / sum_j exp(x_j - max)}; the max is subtracted for stability. Exponentials are
   * computed and summed in double.
   */
  public static void softmax(float[] x, int xOff, int[] dims, int axis, float[] y, int yOff) {
    along(x, xOff, dims, axis, y, yOff, false);
  }

  /**
   * LogSoftmax along {@code axis}: {@code y_i = x_i - max - log(sum_j exp(x_j - max))}, with the
   * same max and double sum in index order as {@link #softmax}. StrictMath, so every call gives
   * the same bits, interpreted or compiled.
   */
  public static void logSoftmax(float[] x, int xOff, int[] dims, int axis, float[] y,
      int yOff) {
    along(x, xOff, dims, axis, y, yOff, true);
  }

  private static void along(float[] x, int xOff, int[] dims, int axis, float[] y, int yOff,
      boolean log) {
    if (axis < 0 || axis >= dims.length) {
      throw new IllegalArgumentException("axis " + axis + " out of range for rank " + dims.length);
    }
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= dims[i];
    }
    int len = dims[axis];
    long inner = 1;
    for (int i = axis + 1; i < dims.length; i++) {
      inner *= dims[i];
    }
    for (long o = 0; o < outer; o++) {
      for (long in = 0; in < inner; in++) {
        int base = (int) (o * len * inner + in);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
          max = Math.max(max, x[xOff + base + (int) (i * inner)]);
        }
        double sum = 0;
        for (int i = 0; i < len; i++) {
          sum += StrictMath.exp((double) x[xOff + base + (int) (i * inner)] - max);
        }
        double logSum = log ? StrictMath.log(sum) : 0;
        for (int i = 0; i < len; i++) {
          int at = base + (int) (i * inner);
          double d = (double) x[xOff + at] - max;
          y[yOff + at] = (float) (log ? d - logSum : StrictMath.exp(d) / sum);
        }
      }
    }
  }
}
