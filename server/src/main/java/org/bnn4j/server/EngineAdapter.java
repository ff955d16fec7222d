package org.bnn4j.server;

import java.util.ArrayList;
import java.util.List;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;
import org.bnn4j.format.Limits;
import org.bnn4j.format.proto.InputSpec;
import org.bnn4j.image.ImageInput;

/**
 * Every call the server makes into the engine beyond {@code Model}'s names and shapes: sessions,
 * running a group of requests, image preprocessing and labels. The engine's batch API, its plain
 * Java metadata types and {@code ImageInput}'s new signature arrive on other branches; this is
 * the one class to change when they do.
 */
final class EngineAdapter {
  private EngineAdapter() {}

  /**
   * A session for one worker thread. Each worker runs one inference at a time on one thread:
   * under concurrent load, parallelism across requests beats splitting each small one.
   */
  static Session newSession(Model model) {
    return model.newSession(SessionOptions.defaults().withThreads(1));
  }

  /**
   * Runs a group of requests gathered by the batcher: {@code inputs.get(r)[i]} is input i of
   * request r (row-major, exactly the input's shape) and the outputs go into {@code
   * outputs.get(r)[o]}, preallocated. Runs them one after the other on the worker's session for
   * now; a batched engine call replaces the loop.
   */
  static void runGroup(Session session, List<float[][]> inputs, List<float[][]> outputs) {
    for (int r = 0; r < inputs.size(); r++) {
      session.run(inputs.get(r), outputs.get(r));
    }
  }

  /**
   * An image in a model's stored preprocessing (decode, colour, resize, normalise), as the
   * row-major values of {@code inputName}.
   *
   * @throws org.bnn4j.InvalidInputException when the bytes are not an image the input fits
   */
  static float[] imageInput(Model model, String inputName, byte[] image, long maxImageBytes) {
    Limits limits = Limits.DEFAULT.withMaxFileBytes(Math.max(1, maxImageBytes));
    Tensor t = ImageInput.load(image, "image", inputSpec(model, inputName), limits);
    return t.toFloatArray();
  }

  /** The model's class labels when it stores one per class, else the class indices. */
  static List<String> labels(Model model, int classes) {
    if (model.metadata().getLabelsCount() == classes) {
      return List.copyOf(model.metadata().getLabelsList());
    }
    List<String> out = new ArrayList<>(classes);
    for (int i = 0; i < classes; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

  /** One class of a classification: its label, index and score. */
  record Scored(String label, int index, float score) {}

  /**
   * The k best classes of an output row, best first (ties: lower index first). Scores are the
   * row itself when it already is a probability distribution, else its softmax.
   */
  static List<Scored> topK(Model model, float[] row, int k) {
    List<String> labels = labels(model, row.length);
    float[] p = probabilities(row);
    boolean[] used = new boolean[p.length];
    List<Scored> out = new ArrayList<>();
    for (int j = 0; j < Math.min(k, p.length); j++) {
      int best = -1;
      for (int i = 0; i < p.length; i++) {
        if (!used[i] && (best < 0 || p[i] > p[best])) {
          best = i;
        }
      }
      used[best] = true;
      out.add(new Scored(labels.get(best), best, p[best]));
    }
    return out;
  }

  private static float[] probabilities(float[] row) {
    double sum = 0;
    boolean inRange = true;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : row) {
      sum += v;
      inRange &= v >= 0f && v <= 1f;
      max = Math.max(max, v);
    }
    if (inRange && Math.abs(sum - 1) < 1e-3) {
      return row.clone();
    }
    double[] e = new double[row.length];
    double total = 0;
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

  private static InputSpec inputSpec(Model model, String inputName) {
    for (InputSpec s : model.metadata().getInputsList()) {
      if (s.getName().equals(inputName)) {
        return s;
      }
    }
    // No stored preprocessing: plain [0, 1] pixels at the input's own size.
    InputSpec.Builder b = InputSpec.newBuilder().setName(inputName);
    for (int d : model.inputShape(inputName)) {
      b.addShape(d);
    }
    return b.build();
  }
}
