package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Test helpers: random data and closeness checks. */
final class Check {
  private Check() {}

  static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() * 2f - 1f;
    }
    return a;
  }

  /** |a - e| <= atol + rtol * |e| everywhere. */
  static void close(float[] expected, float[] actual, double rtol, double atol) {
    assertEquals(expected.length, actual.length, "length");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) && Double.isNaN(a)) {
        continue;
      }
      if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
        fail("at " + i + ": expected " + e + ", got " + a);
      }
    }
  }

  static void close(float[] expected, float[] actual) {
    close(expected, actual, 1e-5, 1e-5);
  }

  static long count(int... dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
