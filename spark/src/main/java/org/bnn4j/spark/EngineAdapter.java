package org.bnn4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.format.Limits;
import org.bnn4j.format.proto.InputSpec;
import org.bnn4j.image.ImageInput;

/**
 * The only class of this module that touches engine API which is about to change (contract C3):
 * {@link ImageInput}, {@link Model#metadata()} with its protobuf {@link InputSpec}, {@link
 * Limits}, and the two helpers the engine does not offer yet (batches and top-k). Everything
 * else in {@code org.bnn4j.spark} uses only {@code Model}, {@code Session}, {@code Tensor} and
 * the exceptions. After the library branches merge, this class switches to the engine's batch
 * call and top-k helper; nothing outside it needs to change.
 *
 * <p>Labels, scores and preprocessing follow {@code bnn4j classify} exactly: the same {@code
 * ImageInput.load} with the model's stored input spec (plain [0, 1] pixels when it stores none),
 * the same softmax-unless-already-probabilities rule, the same top-k order (ties keep the lower
 * index first), labels from the model when it has one per class, else the class indices.
 */
final class EngineAdapter {
  private EngineAdapter() {}

  /**
   * Checks that {@code m} is a classifier as {@code bnn4j classify} requires (one input, one
   * output of shape [1, classes]) and returns the class count.
   *
   * @throws InvalidInputException when it is not
   */
  static int classes(Model m) {
    if (m.inputNames().size() != 1 || m.outputNames().size() != 1) {
      throw new InvalidInputException("bnn4j-spark needs a model with one image input and one"
          + " output; this one has inputs " + m.inputNames() + " and outputs " + m.outputNames());
    }
    int[] out = m.outputShape(m.outputNames().get(0));
    if (out.length != 2 || out[0] != 1) {
      throw new InvalidInputException("bnn4j-spark needs an output of shape [1, classes], found "
          + Arrays.toString(out));
    }
    return out[1];
  }

  /** The model's labels when it stores one per class, else "0", "1", ... as classify prints. */
  static List<String> labels(Model m, int classes) {
    if (m.metadata().getLabelsCount() == classes) {
      return List.copyOf(m.metadata().getLabelsList());
    }
    List<String> out = new ArrayList<>(classes);
    for (int i = 0; i < classes; i++) {
      out.add(Integer.toString(i));
    }
    return List.copyOf(out);
  }

  /**
   * A decoder from encoded image bytes (PNG, JPEG, BMP, GIF) to the model's input tensor, with
   * the preprocessing stored in the model; the second argument names the image in errors. The
   * decoder throws {@link InvalidInputException} for bytes that are not such an image.
   */
  static BiFunction<byte[], String, Tensor> imageDecoder(Model m) {
    InputSpec spec = inputSpec(m, m.inputNames().get(0));
    return (bytes, name) -> ImageInput.load(bytes, name, spec, Limits.DEFAULT);
  }

  /**
   * Runs a batch of inputs and returns one output row per input, in order. For now one {@link
   * Session#run(Tensor)} per row on the caller's session; the engine's batch call replaces the
   * loop after the library branch merges.
   */
  static float[][] runBatch(Session session, List<Tensor> inputs) {
    float[][] out = new float[inputs.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = session.run(inputs.get(i)).toFloatArray();
    }
    return out;
  }

  /** As classify's scores: the row itself when it already is a distribution, else softmax. */
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

  /** The model's preprocessing for its input, or plain [0, 1] pixels when it stores none. */
  private static InputSpec inputSpec(Model m, String inputName) {
    for (InputSpec s : m.metadata().getInputsList()) {
      if (s.getName().equals(inputName)) {
        return s;
      }
    }
    InputSpec.Builder b = InputSpec.newBuilder().setName(inputName);
    for (int d : m.inputShape(inputName)) {
      b.addShape(d);
    }
    return b.build();
  }
}
