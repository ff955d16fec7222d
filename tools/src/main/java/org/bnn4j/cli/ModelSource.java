package org.bnn4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bnn4j.Model;
import org.bnn4j.ModelFormatException;

/** Where classify and eval get their model: a file, or the default model bundled in the jar. */
final class ModelSource {
  /** Class path of the bundled default model. */
  static final String DEFAULT_MODEL = "/models/mnist-ws.bnn";

  private ModelSource() {}

  static Model open(Path model) throws IOException {
    if (model != null) {
      return Model.load(model);
    }
    try (InputStream in = ModelSource.class.getResourceAsStream(DEFAULT_MODEL)) {
      if (in == null) {
        throw new ModelFormatException("this build bundles no default model ("
            + DEFAULT_MODEL + "); pass --model MODEL");
      }
      return Model.load(in);
    }
  }

  /** Labels from a file (one per line), else from the model, else the class indices. */
  static List<String> labels(Model m, Path labelsFile, int classes) throws IOException {
    List<String> out = new ArrayList<>();
    if (labelsFile != null) {
      for (String line : Files.readAllLines(labelsFile)) {
        if (!line.isBlank()) {
          out.add(line.strip());
        }
      }
      if (out.size() != classes) {
        throw new Bnn4jCli.CliException(labelsFile + " has " + out.size()
            + " labels, the model has " + classes + " classes");
      }
      return out;
    }
    if (m.metadata().getLabelsCount() == classes) {
      return m.metadata().getLabelsList();
    }
    for (int i = 0; i < classes; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

  /**
   * Scores from a model's output row: the row itself when it already is a probability
   * distribution, else its softmax.
   */
  static float[] probabilities(float[] row) {
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

  /** Indices of the k largest scores, best first; ties keep the lower index first. */
  static int[] topK(float[] scores, int k) {
    k = Math.min(k, scores.length);
    int[] idx = new int[k];
    boolean[] used = new boolean[scores.length];
    for (int j = 0; j < k; j++) {
      int best = -1;
      for (int i = 0; i < scores.length; i++) {
        if (!used[i] && (best < 0 || scores[i] > scores[best])) {
          best = i;
        }
      }
      used[best] = true;
      idx[j] = best;
    }
    return idx;
  }
}
