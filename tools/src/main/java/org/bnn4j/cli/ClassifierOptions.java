package org.bnn4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bnn4j.Model;
import org.bnn4j.SessionOptions;
import picocli.CommandLine.Option;

/** The options classify and eval share: which model, which labels, how many threads. */
final class ClassifierOptions {
  @Option(names = "--model", paramLabel = "MODEL", description = ModelSource.MODEL_HELP)
  String model;

  @Option(names = "--labels", paramLabel = "FILE",
      description = "Class labels, one per line (default: the labels stored in the model).")
  Path labels;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads for one inference (default: the available processors; the Java"
          + " API's default is 1).")
  Integer threads;

  /** Opens the model, first warning on {@code err} when the kernels will be scalar. */
  Model open(java.io.PrintWriter err) throws IOException {
    String warning = ModelSource.scalarWarning();
    if (warning != null) {
      err.println(warning);
      err.flush();
    }
    return ModelSource.open(model);
  }

  List<String> labels(Model m, int classes) throws IOException {
    return ModelSource.labels(m, labels, classes);
  }

  SessionOptions sessionOptions() {
    if (threads != null && threads < 1) {
      throw new Bnn4jCli.CliException("--threads must be at least 1, found " + threads);
    }
    // One image at a time: the whole machine may work on it.
    return SessionOptions.defaults().withThreads(threads == null
        ? Math.max(1, Runtime.getRuntime().availableProcessors()) : threads);
  }
}
