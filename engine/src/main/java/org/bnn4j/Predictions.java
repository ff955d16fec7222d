package org.bnn4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Top-k labels from a classifier's output, the one implementation the CLI also uses. */
public final class Predictions {
  private Predictions() {}

  /**
   * The {@code k} best classes of one output row, best first; ties keep the lower index first.
   * Scores are {@link #scores(float[])} of the row.
   *
   * @param row one example's output (logits or probabilities)
   * @param labels class names, one per element of the row; empty means the indices as text
   * @param k how many to return (at most the row's length)
   * @return up to {@code k} predictions, best first
   * @throws InvalidInputException when {@code labels} is neither empty nor as long as the row,
   *     or {@code k < 1}
   */
  public static List<Prediction> topK(float[] row, List<String> labels, int k) {
    Objects.requireNonNull(row, "row");
    Objects.requireNonNull(labels, "labels");
    if (k < 1) {
      throw new InvalidInputException("k must be at least 1, got " + k);
    }
    if (!labels.isEmpty() && labels.size() != row.length) {
      throw new InvalidInputException("got " + labels.size() + " labels for an output of "
          + row.length + " classes");
    }
    float[] p = scores(row);
    List<Prediction> out = new ArrayList<>();
    for (int i : topIndices(p, k)) {
      out.add(new Prediction(labels.isEmpty() ? Integer.toString(i) : labels.get(i), i, p[i]));
    }
    return out;
  }

  /**
   * The top {@code k} of each example of a batched output {@code [n, classes]} (or {@code
   * [classes]}), one list per example.
   *
   * @param output a model output of shape {@code [n, classes]} or {@code [classes]}
   * @param labels class names, one per class; empty means the indices as text
   * @param k how many per example
   * @return one list of up to {@code k} predictions per example, best first
   * @throws InvalidInputException when the output is not of rank 1 or 2, or as for {@link
   *     #topK(float[], List, int)}
   */
  public static List<List<Prediction>> topK(Tensor output, List<String> labels, int k) {
    Objects.requireNonNull(output, "output");
    int[] shape = output.shape();
    if (shape.length != 1 && shape.length != 2) {
      throw new InvalidInputException("topK needs an output of shape [n, classes] or [classes],"
          + " got " + java.util.Arrays.toString(shape));
    }
    int n = shape.length == 1 ? 1 : shape[0];
    int classes = shape[shape.length - 1];
    float[] all = output.toFloatArray();
    List<List<Prediction>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(topK(java.util.Arrays.copyOfRange(all, i * classes, (i + 1) * classes), labels,
          k));
    }
    return out;
  }

  /**
   * Scores from an output row: the row itself when it already is a probability distribution
   * (every value in [0, 1], summing to 1 within 1e-3, as after a Softmax layer), else its
   * softmax, computed in double after subtracting the largest value.
   *
   * @param row one example's output
   * @return a new array of scores, one per class
   */
  public static float[] scores(float[] row) {
    double sum = 0;
    boolean inRange = true;
    for (float v : row) {
      sum += v;
      inRange &= v >= 0f && v <= 1f;
    }
    if (inRange && Math.abs(sum - 1) < 1e-3) {
      return row.clone();
    }
    float max = Float.NEGATIVE_INFINITY;
    for (float v : row) {
      max = Math.max(max, v);
    }
    double total = 0;
    double[] e = new double[row.length];
    for (int i = 0; i < row.length; i++) {
      e[i] = Math.exp(row[i] - max);
      total += e[i];
    }
    float[] p = new float[row.length];
    for (int i = 0; i < row.length; i++) {
      p[i] = (float) (e[i] / total);
    }
    return p;
  }

  /**
   * The indices of the largest values.
   *
   * @param values the values
   * @param k how many (at most {@code values.length})
   * @return indices of the {@code k} largest values, best first; ties keep the lower index first
   */
  public static int[] topIndices(float[] values, int k) {
    k = Math.min(k, values.length);
    int[] idx = new int[k];
    boolean[] used = new boolean[values.length];
    for (int j = 0; j < k; j++) {
      int best = -1;
      for (int i = 0; i < values.length; i++) {
        if (!used[i] && (best < 0 || values[i] > values[best])) {
          best = i;
        }
      }
      used[best] = true;
      idx[j] = best;
    }
    return idx;
  }
}
