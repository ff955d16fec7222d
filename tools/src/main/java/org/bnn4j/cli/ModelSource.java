package org.bnn4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bnn4j.KernelInfo;
import org.bnn4j.Model;
import org.bnn4j.ModelFormatException;
import org.bnn4j.kernels.Kernels;

/** Where classify and eval get their model: a file, or the default model bundled in the jar. */
final class ModelSource {
  /** Class path of the bundled default model. */
  static final String DEFAULT_MODEL = "/models/mnist-ws.bnn";

  private ModelSource() {}

  /**
   * The one-line warning classify, eval and run print on stderr when the kernels are scalar
   * because the Vector API module is missing, or null when there is nothing to warn about.
   */
  static String scalarWarning() {
    KernelInfo k = KernelInfo.current();
    if (k.vector() || !Kernels.vectorModuleMissing()) {
      return null;
    }
    return "warning: running the scalar kernels, 10 to 20 times slower: jdk.incubator.vector is"
        + " not available; run java with --add-modules jdk.incubator.vector";
  }

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
    if (m.metadata().labels().size() == classes) {
      return m.metadata().labels();
    }
    for (int i = 0; i < classes; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

}
