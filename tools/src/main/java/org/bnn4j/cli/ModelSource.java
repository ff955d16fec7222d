package org.bnn4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Model;
import org.bnn4j.ModelFormatException;

/**
 * Where every command that takes {@code --model} gets its model: a file path, or the name of a
 * model bundled in the jar ({@code mnist}, {@code fashion}), or the default bundled model when
 * the option is omitted. The one place that resolves a model argument.
 */
final class ModelSource {
  /** Class path of the bundled default model. */
  static final String DEFAULT_MODEL = "/models/mnist-ws.bnn";

  /** Bundled models by name, in the order help texts list them. */
  static final Map<String, String> BUNDLED = bundled();

  private static Map<String, String> bundled() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("mnist", DEFAULT_MODEL);
    m.put("fashion", "/models/fashion-ws.bnn");
    return Collections.unmodifiableMap(m);
  }

  /** The description of {@code --model} shared by every command. */
  static final String MODEL_HELP = "A .bnn or .onnx file, or the name of a bundled model: "
      + "mnist (digits, the default) or fashion (Fashion-MNIST clothing).";

  private ModelSource() {}

  /**
   * Opens {@code spec}: null means the default bundled model; an existing file is loaded as a
   * model; otherwise a bundled model's name (case-insensitive).
   */
  static Model open(String spec) throws IOException {
    String resource = bundledResource(spec);
    if (resource == null) {
      Path file;
      try {
        file = Path.of(spec);
      } catch (InvalidPathException e) {
        throw new InvalidInputException("not a model file or bundled model name: " + spec);
      }
      if (!Files.exists(file) && !spec.contains("/") && !spec.contains(".")) {
        throw new InvalidInputException("no model file '" + spec + "' and no bundled model of"
            + " that name; bundled models: " + String.join(", ", BUNDLED.keySet()));
      }
      return Model.load(file);
    }
    try (InputStream in = ModelSource.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ModelFormatException("this build does not bundle the model " + resource
            + "; pass --model FILE");
      }
      return Model.load(in);
    }
  }

  /** The class-path resource {@code spec} names, or null when it is a file path. */
  static String bundledResource(String spec) {
    if (spec == null) {
      return DEFAULT_MODEL;
    }
    String name = spec.strip().toLowerCase(Locale.ROOT);
    if (BUNDLED.containsKey(name) && !Files.exists(Path.of(name))) {
      return BUNDLED.get(name);
    }
    return null;
  }

  /** How output names the model: {@code bundled:/models/x.bnn} or the path as given. */
  static String describe(String spec) {
    String resource = bundledResource(spec);
    return resource == null ? spec : "bundled:" + resource;
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
