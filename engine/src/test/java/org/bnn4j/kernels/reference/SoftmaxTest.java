package org.bnn4j.kernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

  @Test
  void handChecked() {
    float[] x = {1, 2, 3};
    float[] y = new float[3];
    Softmax.softmax(x, 0, new int[] {1, 3}, 1, y, 0);
    double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertEquals(Math.exp(1) / z, y[0], 1e-7);
    assertEquals(Math.exp(3) / z, y[2], 1e-7);
  }

  @Test
  void largeValuesAreStable() {
    float[] x = {1000, 1001, -1000};
    float[] y = new float[3];
    Softmax.softmax(x, 0, new int[] {3}, 0, y, 0);
    assertFalse(Float.isNaN(y[0]));
    assertEquals(1 / (1 + Math.E), y[0], 1e-6);
    assertEquals(Math.E / (1 + Math.E), y[1], 1e-6);
    assertEquals(0f, y[2]);
  }

  @Test
  void middleAxisMatchesNaive() {
    int[] dims = {2, 3, 5};
    Random r = new Random(11);
    float[] x = Check.random(r, 30);
    float[] y = new float[30];
    Softmax.softmax(x, 0, dims, 1, y, 0);
    for (int a = 0; a < 2; a++) {
      for (int c = 0; c < 5; c++) {
        double z = 0;
        for (int b = 0; b < 3; b++) {
          z += Math.exp(x[(a * 3 + b) * 5 + c]);
        }
        for (int b = 0; b < 3; b++) {
          int i = (a * 3 + b) * 5 + c;
          assertEquals(Math.exp(x[i]) / z, y[i], 1e-6);
        }
      }
    }
  }
}
