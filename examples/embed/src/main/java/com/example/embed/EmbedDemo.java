package com.example.embed;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bnn4j.InputSpec;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.bnn4j.Prediction;
import org.bnn4j.Predictions;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.image.ImageInput;

/**
 * Loads a model once with a batch bound of 8, preprocesses up to 8 images with the model's stored
 * preprocessing, and classifies them as one batch from each of 8 threads, one session per
 * thread, the way a server's request threads would. Prints which protobuf-java the application
 * itself sees, then one line per image: the file name and the predicted label.
 *
 * <p>Usage: {@code EmbedDemo MODEL IMAGE...} (at most 8 images)
 */
public final class EmbedDemo {
  private EmbedDemo() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: EmbedDemo MODEL IMAGE...");
      System.exit(2);
    }
    System.out.println("protobuf " + protobufSeenByTheApplication());
    if (args.length > 9) {
      System.err.println("at most 8 images, one batch");
      System.exit(2);
    }
    List<Path> images = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      images.add(Path.of(args[i]));
    }
    // A batch bound of 8: each request thread sends its images as one batch tensor.
    ModelOptions loading = ModelOptions.defaults().withMaxBatch(8).withWarmup(20);
    try (Model model = Model.load(Path.of(args[0]), loading)) {
      InputSpec spec = model.inputSpec(model.inputNames().get(0));
      List<String> classNames = model.metadata().labels();
      // The library's own preprocessing (colour, background, fit, normalisation from the file).
      List<Tensor> tensors = new ArrayList<>();
      for (Path image : images) {
        tensors.add(ImageInput.load(image, spec));
      }
      ExecutorService threads = Executors.newFixedThreadPool(8);
      try {
        List<Future<List<String>>> answers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int thread = t;
          answers.add(threads.submit(() -> {
            // One session per thread (single-threaded by default, so 8 request threads do not
            // oversubscribe the cores); each thread runs the whole batch of up to 8 images.
            try (Session session = model.newSession()) {
              Tensor scores = session.run(Tensor.concat(tensors));
              List<String> labels = new ArrayList<>();
              for (List<Prediction> top : Predictions.topK(scores, classNames, 1)) {
                labels.add(top.get(0).label());
              }
              return labels;
            }
          }));
        }
        List<String> first = answers.get(0).get();
        for (Future<List<String>> answer : answers) {
          if (!answer.get().equals(first)) {
            throw new IllegalStateException("threads disagree: " + first + " vs " + answer.get());
          }
        }
        for (int i = 0; i < images.size(); i++) {
          System.out.println(images.get(i).getFileName() + " " + first.get(i));
        }
      } finally {
        threads.shutdown();
      }
    }
  }

  /**
   * The application's own protobuf: its module and version, and whether it has {@code
   * RuntimeVersion} (protobuf-java 4.26 and later do, 3.x does not).
   */
  static String protobufSeenByTheApplication() {
    ByteString probe = ByteString.copyFromUtf8("bnn4j");
    String runtimeVersion;
    try {
      Class.forName("com.google.protobuf.RuntimeVersion");
      runtimeVersion = "present";
    } catch (ClassNotFoundException e) {
      runtimeVersion = "absent";
    }
    Module module = ByteString.class.getModule();
    String where = module.isNamed() ? module.getDescriptor().toNameAndVersion() : "class path";
    return where + " RuntimeVersion=" + runtimeVersion + " bytes=" + probe.size();
  }

}
