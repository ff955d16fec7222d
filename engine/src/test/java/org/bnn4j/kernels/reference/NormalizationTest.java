package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NormalizationTest {

  @Test
  void handChecked() {
    // Two channels, spatial 2: channel 0 mean 1 var 4 (eps 0) scale 2 bias 1: (x - 1) / 2 * 2 + 1
    float[] x = {3, 5, 10, 20};
    float[] y = new float[4];
    Normalization.batchNorm(x, 0, 1, 2, 2,
        new float[] {2, 1}, 0, new float[] {1, 0}, 0,
        new float[] {1, 10}, 0, new float[] {4, 25}, 0, 0f, y, 0);
    assertArrayEquals(new float[] {3, 5, 0, 2}, y);
  }

  @Test
  void bitExactFloatFormulaInOrder() {
    Random r = new Random(7);
    int n = 2;
    int c = 5;
    int spatial = 7;
    float[] x = Check.random(r, n * c * spatial);
    float[] scale = Check.random(r, c);
    float[] bias = Check.random(r, c);
    float[] mean = Check.random(r, c);
    float[] var = new float[c];
    for (int i = 0; i < c; i++) {
      var[i] = r.nextFloat() * 3f;
    }
    float eps = 1e-5f;
    float[] y = new float[x.length];
    Normalization.batchNorm(x, 0, n, c, spatial, scale, 0, bias, 0, mean, 0, var, 0, eps, y, 0);
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int s = 0; s < spatial; s++) {
          int i = (b * c + ch) * spatial + s;
          float sub = x[i] - mean[ch];
          float den = (float) Math.sqrt((double) (var[ch] + eps));
          float expected = sub / den * scale[ch] + bias[ch];
          assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(y[i]), "at " + i);
        }
      }
    }
  }
}
