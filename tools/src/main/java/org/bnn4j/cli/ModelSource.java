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
import org.bnn4j.KernelInfo;
import org.bnn4j.Model;
import org.bnn4j.ModelFormatException;
import org.bnn4j.ModelOptions;
import org.bnn4j.kernels.Kernels;

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

  /**
   * Opens {@code spec}: null means the default bundled model; an existing file is loaded as a
   * model; otherwise a bundled model's name (case-insensitive).
   */
  static Model open(String spec) throws IOException {
    return open(spec, ModelOptions.defaults());
  }

  /** As {@link #open(String)}, loading with {@code options}. */
  static Model open(String spec, ModelOptions options) throws IOException {
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
      return Model.load(file, options);
    }
    try (InputStream in = ModelSource.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ModelFormatException("this build does not bundle the model " + resource
            + "; pass --model FILE");
      }
      return Model.load(in, options);
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
    if (m.metadata().labels().size() == classes) {
      return m.metadata().labels();
    }
    for (int i = 0; i < classes; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

}
