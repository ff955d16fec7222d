package org.bnn4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.bnn4j.InvalidInputException;
import org.bnn4j.InputSpec;
import org.bnn4j.Model;
import org.bnn4j.Predictions;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.image.ImageInput;
import org.bnn4j.image.ImageLimits;

/**
 * Every call of this module into the engine beyond {@code Model}, {@code Session}, {@code Tensor}
 * and the exceptions: labels, image preprocessing, running a batch and scoring, all through the
 * public API.
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
    List<String> stored = m.metadata().labels();
    if (stored.size() == classes) {
      return stored;
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
    InputSpec spec = m.inputSpec(m.inputNames().get(0));
    return (bytes, name) -> ImageInput.load(bytes, name, spec, ImageLimits.DEFAULT);
  }

  /**
   * Runs a batch of inputs and returns one output row per input, in order: one {@link
   * Session#run(Tensor)} per row on the caller's session, which is what the engine's batch path
   * does too (the batch-1 plan once per example), without joining rows that may come from
   * images of different validity into one tensor.
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
    return Predictions.scores(row);
  }

  /** Indices of the k largest scores, best first, in the engine's top-k order. */
  static int[] topK(float[] scores, int k) {
    return Predictions.topIndices(scores, Math.min(k, scores.length));
  }
}
