package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PredictionsTest {

  @Test
  void topKOfLogitsIsTheirSoftmaxBestFirst() {
    float[] logits = {1f, 3f, -2f, 3f, 0.5f};
    List<Prediction> top = Predictions.topK(logits, List.of("a", "b", "c", "d", "e"), 3);
    // Softmax by hand: e^x / sum e^x.
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v);
    }
    assertEquals(3, top.size());
    assertEquals(new Prediction("b", 1, top.get(0).score()), top.get(0)); // tie: lower index
    assertEquals("d", top.get(1).label());
    assertEquals(3, top.get(1).index());
    assertEquals("a", top.get(2).label());
    assertEquals(Math.exp(3) / sum, top.get(0).score(), 1e-6);
    assertEquals(Math.exp(1) / sum, top.get(2).score(), 1e-6);
  }

  @Test
  void probabilitiesAreKeptAndMissingLabelsAreIndices() {
    float[] p = {0.1f, 0.7f, 0.2f};
    List<Prediction> top = Predictions.topK(p, List.of(), 5);
    assertEquals(List.of(new Prediction("1", 1, 0.7f), new Prediction("2", 2, 0.2f),
        new Prediction("0", 0, 0.1f)), top);
  }

  @Test
  void batchedOutputGivesOneListPerExample() {
    Tensor y = Tensor.of(new float[] {0, 5, 9, 1}, 2, 2);
    List<List<Prediction>> top = Predictions.topK(y, List.of("no", "yes"), 1);
    assertEquals("yes", top.get(0).get(0).label());
    assertEquals("no", top.get(1).get(0).label());
  }

  @Test
  void badArgumentsAreTypedErrors() {
    assertThrows(InvalidInputException.class,
        () -> Predictions.topK(new float[3], List.of("a"), 1));
    assertThrows(InvalidInputException.class,
        () -> Predictions.topK(new float[3], List.of(), 0));
    assertThrows(InvalidInputException.class,
        () -> Predictions.topK(Tensor.zeros(1, 2, 2), List.of(), 1));
  }
}
