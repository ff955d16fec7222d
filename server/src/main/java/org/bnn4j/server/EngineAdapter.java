package org.bnn4j.server;

import java.util.List;
import org.bnn4j.Model;
import org.bnn4j.Prediction;
import org.bnn4j.Predictions;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;
import org.bnn4j.image.ImageInput;
import org.bnn4j.image.ImageLimits;

/**
 * Every call the server makes into the engine beyond {@code Model}'s names and shapes: sessions,
 * running a group of requests, image preprocessing and top-k labels, all through the public API.
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
   * outputs.get(r)[o]}, preallocated. Runs them one after the other on the worker's session,
   * which is what the engine's own batch path does (the batch-1 plan once per example), minus
   * copying the requests into one batch tensor and back.
   */
  static void runGroup(Session session, List<float[][]> inputs, List<float[][]> outputs) {
    for (int r = 0; r < inputs.size(); r++) {
      session.run(inputs.get(r), outputs.get(r));
    }
  }

  /**
   * An image in a model's stored preprocessing (decode, colour, background, fit, normalise), as
   * the row-major values of {@code inputName}: the same code {@code bnn4j classify} runs.
   *
   * @throws org.bnn4j.InvalidInputException when the bytes are not an image the input fits
   */
  static float[] imageInput(Model model, String inputName, byte[] image, long maxImageBytes) {
    ImageLimits limits = ImageLimits.DEFAULT.withMaxFileBytes(Math.max(1, maxImageBytes));
    Tensor t = ImageInput.load(image, "image", model.inputSpec(inputName), limits);
    return t.toFloatArray();
  }

  /**
   * The k best classes of an output row, best first, with the model's labels when it stores one
   * per class (else the indices); scores as {@link Predictions#topK(float[], List, int)} gives.
   */
  static List<Prediction> topK(Model model, float[] row, int k) {
    List<String> labels = model.metadata().labels();
    return Predictions.topK(row, labels.size() == row.length ? labels : List.of(), k);
  }
}
