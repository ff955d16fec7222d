package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ActivationsTest {
  private static final float[] X = {-3f, -0.5f, 0f, 0.5f, 3f, 10f};

  private static float[] apply(java.util.function.BiConsumer<float[], float[]> k) {
    float[] y = new float[X.length];
    k.accept(X, y);
    return y;
  }

  @Test
  void relu() {
    assertArrayEquals(new float[] {0, 0, 0, 0.5f, 3, 10},
        apply((x, y) -> Activations.relu(x, 0, y, 0, x.length)));
  }

  @Test
  void leakyRelu() {
    assertArrayEquals(new float[] {-0.3f, -0.05f, 0, 0.5f, 3, 10},
        apply((x, y) -> Activations.leakyRelu(x, 0, y, 0, x.length, 0.1f)));
  }

  @Test
  void sigmoidAndTanh() {
    float[] s = apply((x, y) -> Activations.sigmoid(x, 0, y, 0, x.length));
    float[] t = apply((x, y) -> Activations.tanh(x, 0, y, 0, x.length));
    for (int i = 0; i < X.length; i++) {
      assertEquals(1 / (1 + Math.exp(-X[i])), s[i], 1e-7);
      assertEquals(Math.tanh(X[i]), t[i], 1e-7);
    }
    assertEquals(0.5f, s[2]);
  }

  @Test
  void hardSigmoidAndHardSwish() {
    assertArrayEquals(new float[] {0, 0.4f, 0.5f, 0.6f, 1, 1},
        apply((x, y) -> Activations.hardSigmoid(x, 0, y, 0, x.length, 0.2f, 0.5f)), 1e-7f);
    // x * relu6(x + 3) / 6
    float[] hs = apply((x, y) -> Activations.hardSwish(x, 0, y, 0, x.length));
    for (int i = 0; i < X.length; i++) {
      double v = X[i];
      assertEquals(v * Math.min(6, Math.max(0, v + 3)) / 6, hs[i], 1e-6);
    }
  }

  @Test
  void signKeepsZero() {
    assertArrayEquals(new float[] {-1, -1, 0, 1, 1, 1},
        apply((x, y) -> Activations.sign(x, 0, y, 0, x.length)));
    float[] y = new float[2];
    Activations.sign(new float[] {-0f, Float.NaN}, 0, y, 0, 2);
    assertEquals(0f, Math.abs(y[0]));
    assertTrue(Float.isNaN(y[1]));
  }

  @Test
  void clip() {
    assertArrayEquals(new float[] {-1, -0.5f, 0, 0.5f, 2, 2},
        apply((x, y) -> Activations.clip(x, 0, y, 0, x.length, -1f, 2f)));
    assertArrayEquals(new float[] {0, 0, 0, 0.5f, 3, 10}, apply((x, y) -> Activations.clip(x, 0,
        y, 0, x.length, 0f, Float.POSITIVE_INFINITY)));
  }

  @Test
  void nanPropagates() {
    float[] x = {Float.NaN};
    float[] y = new float[1];
    Activations.relu(x, 0, y, 0, 1);
    assertTrue(Float.isNaN(y[0]));
    Activations.clip(x, 0, y, 0, 1, -1, 1);
    assertTrue(Float.isNaN(y[0]));
    Activations.leakyRelu(x, 0, y, 0, 1, 0.1f);
    assertTrue(Float.isNaN(y[0]));
  }

  @Test
  void offsetsAndInPlace() {
    float[] buf = {9, -1, 2, -3, 9};
    Activations.relu(buf, 1, buf, 1, 3);
    assertArrayEquals(new float[] {9, 0, 2, 0, 9}, buf);
  }
}
