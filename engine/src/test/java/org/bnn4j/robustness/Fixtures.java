package org.bnn4j.robustness;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Random;

/** Test models from src/test/resources/bnn-fixtures/. */
final class Fixtures {
  private Fixtures() {}

  static Path onnx(String fixture) {
    URL url = Fixtures.class.getResource("/bnn-fixtures/" + fixture + "/folded/model.onnx");
    if (url == null) {
      throw new IllegalStateException("missing fixture " + fixture);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static float[] gaussian(Random rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }

  static int elements(int[] dims) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
