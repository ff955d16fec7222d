package org.bnn4j.kernels.reference;

/** Reference inference batch normalisation. */
public final class Normalization {
  private Normalization() {}

  /**
   * Batch normalisation over axis 1 of {@code x[n, c, spatial...]}: for channel {@code ch},
   * {@code y = (x - mean) / sqrt(var + eps) * scale + bias}, computed in float in exactly that
   * order (the square root rounded to float) to match PyTorch and ONNX rounding.
   */
  public static void batchNorm(
      float[] x, int xOff, int n, int c, int spatial,
      float[] scale, int scaleOff, float[] bias, int biasOff,
      float[] mean, int meanOff, float[] var, int varOff,
      float epsilon,
      float[] y, int yOff) {
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        float mu = mean[meanOff + ch];
        float denom = (float) Math.sqrt(var[varOff + ch] + epsilon);
        float s = scale[scaleOff + ch];
        float t = bias[biasOff + ch];
        int base = (b * c + ch) * spatial;
        for (int i = 0; i < spatial; i++) {
          y[yOff + base + i] = (x[xOff + base + i] - mu) / denom * s + t;
        }
      }
    }
  }
}
