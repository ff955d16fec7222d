package org.bnn4j.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.onnx.OnnxImporter;
import org.bnn4j.format.onnx.OnnxTensors;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code libonnx-testdata} (the ONNX backend suite, expected outputs computed by the
 * ONNX project with numpy), for tests of single ops: where it is, and a case's data sets.
 */
final class LibOnnxTestdata {
  private LibOnnxTestdata() {}

  /** One data set of a one-input, one-output case. */
  record DataSet(float[] input, float[] expected) {}

  /** A check of one data set of a case, given the case's imported graph. */
  @FunctionalInterface
  interface DataSetCheck {
    void check(String caseName, Graph graph, DataSet set);
  }

  /**
   * Imports each case (a folder under the suite's root, {@code -Dbnn4j.onnxTestdata} or
   * Debian's path) and runs {@code check} on each of its data sets; skips the test when the suite
   * is not installed.
   *
   * @return how many data sets were checked
   */
  static int checkEach(List<String> cases, DataSetCheck check) throws IOException {
    Path root = Path.of(System.getProperty("bnn4j.onnxTestdata",
        "/usr/share/libonnx-testdata/data"));
    Assumptions.assumeTrue(Files.isDirectory(root.resolve(cases.get(0))),
        "skipped: libonnx-testdata not found at " + root);
    int checked = 0;
    for (String name : cases) {
      Path dir = root.resolve(name);
      Graph g = OnnxImporter.importModel(dir.resolve("model.onnx"), Limits.DEFAULT);
      for (DataSet set : dataSets(dir)) {
        check.check(name, g, set);
        checked++;
      }
    }
    return checked;
  }

  /** Every {@code test_data_set_*} of the case in {@code dir}. */
  private static List<DataSet> dataSets(Path dir) throws IOException {
    List<Path> sets;
    try (Stream<Path> s = Files.list(dir)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted()
          .toList();
    }
    List<DataSet> out = new ArrayList<>();
    for (Path set : sets) {
      out.add(new DataSet(
          OnnxTensors.readTensorProtoFile(set.resolve("input_0.pb"), Limits.DEFAULT).floats(),
          OnnxTensors.readTensorProtoFile(set.resolve("output_0.pb"), Limits.DEFAULT).floats()));
    }
    return out;
  }
}
