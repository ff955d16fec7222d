package org.bnn4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bnn4j.InputSpec;
import org.bnn4j.IntraOpPool;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.bnn4j.Prediction;
import org.bnn4j.Predictions;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;
import org.bnn4j.image.ImageInput;

/**
 * The Java examples of README.md. The text between a {@code README-BEGIN name} and {@code
 * README-END name} line is what the README shows (ReadmeExamplesTest checks they match) and
 * what ReadmeExamplesTest runs.
 */
final class ReadmeExamples {
  private ReadmeExamples() {}

  /** Classifies each image on its own request thread; returns the top label per image. */
  static List<String> threads(Path modelFile, List<Path> images) throws Exception {
    // README-BEGIN threads
    ModelOptions loading = ModelOptions.defaults().withWarmup(200); // JIT done before requests
    try (Model model = Model.load(modelFile, loading);
         IntraOpPool pool = IntraOpPool.create(2)) { // sized and closed by the application
      InputSpec spec = model.inputSpec(model.inputNames().get(0));
      SessionOptions options = SessionOptions.defaults().withPool(pool);
      ExecutorService requests = Executors.newFixedThreadPool(8);
      List<Future<String>> answers = new ArrayList<>();
      for (Path image : images) {
        answers.add(requests.submit(() -> {
          try (Session session = model.newSession(options)) { // or keep one per thread
            Tensor x = ImageInput.load(image, spec);
            Tensor y = session.run(x);
            return Predictions.topK(y.toFloatArray(), model.metadata().labels(), 1).get(0)
                .label();
          }
        }));
      }
      List<String> labels = new ArrayList<>();
      for (Future<String> answer : answers) {
        labels.add(answer.get());
      }
      requests.shutdown();
      return labels;
    }
    // README-END threads
  }

  /** Classifies up to 8 images as one batch; returns the top label per image. */
  static List<String> batch(Path modelFile, List<Path> files) {
    // README-BEGIN batch
    ModelOptions loading = ModelOptions.defaults().withMaxBatch(8);
    try (Model model = Model.load(modelFile, loading);
         Session session = model.newSession()) {
      InputSpec spec = model.inputSpec(model.inputNames().get(0));
      List<Tensor> images = new ArrayList<>();
      for (Path file : files) {
        images.add(ImageInput.load(file, spec)); // [1, 1, 28, 28] each
      }
      Tensor batch = Tensor.concat(images); // [n, 1, 28, 28], n up to 8
      Tensor scores = session.run(batch); // [n, 10]; row i as if image i ran alone
      List<String> labels = new ArrayList<>();
      for (List<Prediction> top : Predictions.topK(scores, model.metadata().labels(), 3)) {
        labels.add(top.get(0).label() + " " + top.get(0).score()); // score: softmax
      }
      return labels;
    }
    // README-END batch
  }
}
