package org.bnn4j;

import java.util.Objects;

/**
 * One class of a classifier's answer.
 *
 * @param label the class's name (from the model's labels, or its index as text)
 * @param index the class's index in the output row
 * @param score the class's score: the output row's softmax, or the row itself when it already
 *     is a probability distribution; see {@link Predictions#scores}
 */
public record Prediction(String label, int index, float score) {
  /** Checks the label is present and the index is not negative. */
  public Prediction {
    Objects.requireNonNull(label, "label");
    if (index < 0) {
      throw new IllegalArgumentException("index must be at least 0, got " + index);
    }
  }
}
