package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void ofValidatesCountAndCopies() {
    float[] data = {1, 2, 3, 4, 5, 6};
    Tensor t = Tensor.of(data, 2, 3);
    data[0] = 99;
    assertEquals(1f, t.get(0, 0));
    assertEquals(6f, t.get(1, 2));
    assertEquals(6, t.size());
    assertEquals(2, t.rank());
    assertArrayEquals(new int[] {2, 3}, t.shape());
    float[] copy = t.toFloatArray();
    copy[1] = 99;
    assertEquals(2f, t.get(0, 1));
    int[] shape = t.shape();
    shape[0] = 7;
    assertArrayEquals(new int[] {2, 3}, t.shape());
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Tensor.of(new float[5], 2, 3));
    assertEquals("shape [2, 3] holds 6 elements, data has 5", e.getMessage());
    assertThrows(InvalidInputException.class, () -> Tensor.of(new float[0], -1, 0));
  }

  @Test
  void scalarAndBounds() {
    Tensor s = Tensor.of(new float[] {3});
    assertEquals(3f, s.get());
    assertEquals(1, s.size());
    Tensor t = Tensor.zeros(2, 2);
    assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> t.get(0));
  }

  @Test
  void equality() {
    assertEquals(Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {1, 2}, 2));
    assertNotEquals(Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {1, 2}, 1, 2));
  }
}
