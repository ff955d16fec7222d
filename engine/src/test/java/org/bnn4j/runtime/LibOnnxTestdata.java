package org.bnn4j.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bnn4j.format.Limits;
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

  /** The suite's root ({@code -Dbnn4j.onnxTestdata} or Debian's path); skips the test without it. */
  static Path rootOrSkip(String probeCase) {
    Path root = Path.of(System.getProperty("bnn4j.onnxTestdata",
        "/usr/share/libonnx-testdata/data"));
    Assumptions.assumeTrue(Files.isDirectory(root.resolve(probeCase)),
        "skipped: libonnx-testdata not found at " + root);
    return root;
  }

  /** Every {@code test_data_set_*} of the case in {@code dir}. */
  static List<DataSet> dataSets(Path dir) throws IOException {
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
