package org.bnn4j.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.InvalidInputException;
import org.bnn4j.InputSpec;
import org.bnn4j.Model;
import org.bnn4j.Prediction;
import org.bnn4j.Predictions;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.image.ImageInput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bnn4j classify}: images in, top-k labels out. */
@Command(
    name = "classify",
    description = {
      "Classifies PNG, JPEG, BMP or GIF images and prints the top-k labels with scores.",
      "Without --model it uses the default model bundled in the jar, when the build has one."
    })
final class ClassifyCommand extends Subcommand {
  @Mixin ClassifierOptions classifier;


  @Option(names = "--top", paramLabel = "K", defaultValue = "3",
      description = "How many labels to print per image (default: ${DEFAULT-VALUE}).")
  int top;


  @Option(names = "--json", description = "Print one JSON document instead of text.")
  boolean json;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images to classify.")
  List<Path> images = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    require(top >= 1, "--top must be at least 1, found " + top);
    PrintWriter out = spec.commandLine().getOut();
    try (Model m = classifier.open(spec.commandLine().getErr())) {
      if (m.inputNames().size() != 1 || m.outputNames().size() != 1) {
        throw new InvalidInputException("classify needs a model with one image input and one"
            + " output; this one has inputs " + m.inputNames() + " and outputs "
            + m.outputNames());
      }
      String inputName = m.inputNames().get(0);
      InputSpec spec = m.inputSpec(inputName);
      int[] outShape = m.outputShape(m.outputNames().get(0));
      if (outShape.length != 2 || outShape[0] != 1) {
        throw new InvalidInputException("classify needs an output of shape [1, classes], found "
            + java.util.Arrays.toString(outShape));
      }
      List<String> names = classifier.labels(m, outShape[1]);
      SessionOptions opts = classifier.sessionOptions();
      List<Map<String, Object>> results = new ArrayList<>();
      try (Session s = m.newSession(opts)) {
        for (Path image : images) {
          Tensor x = ImageInput.load(image, spec);
          long t0 = System.nanoTime();
          Tensor y = s.run(x);
          double ms = (System.nanoTime() - t0) / 1e6;
          List<Prediction> best = Predictions.topK(y.toFloatArray(), names, top);
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("image", image.toString());
          r.put("latency_ms", Math.round(ms * 1000) / 1000.0);
          List<Map<String, Object>> tops = new ArrayList<>();
          for (Prediction p : best) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("label", p.label());
            t.put("index", p.index());
            t.put("score", p.score());
            tops.add(t);
          }
          r.put("top", tops);
          results.add(r);
          if (!json) {
            out.printf("%s  (%.2f ms)%n", image, ms);
            int rank = 1;
            for (Prediction p : best) {
              out.printf("  %d. %-12s %.4f%n", rank++, p.label(), p.score());
            }
          }
        }
      }
      if (json) {
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", ModelSource.describe(classifier.model));
        doc.put("results", results);
        out.println(gson.toJson(doc));
      }
      out.flush();
    }
    return 0;
  }

}
