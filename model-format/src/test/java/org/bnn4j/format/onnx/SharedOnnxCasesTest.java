package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.ValueType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Imports every ONNX backend case in the shared folder. Each must import or be declined with
 * {@link UnsupportedModelException}; an imported case's graph inputs and output shapes must match
 * the case's own test data (input_K.pb and output_K.pb, computed by ONNX), and it must survive a
 * round trip through the .bnn codec. Numeric results are the engine's tests.
 */
class SharedOnnxCasesTest {
  /** Cases declined on purpose, with why; anything else that declines fails this test. */
  static final Map<String, String> EXPECTED_DECLINES = Map.of(
      "test_clip", "min and max are graph inputs, not constants",
      "test_clip_default_max", "max is a graph input",
      "test_clip_default_min", "min is a graph input",
      "test_clip_example", "min and max are graph inputs",
      "test_clip_inbounds", "min and max are graph inputs",
      "test_clip_outbounds", "min and max are graph inputs",
      "test_reshape_negative_dim", "the target shape is an int64 graph input",
      "test_reshape_one_dim", "the target shape is an int64 graph input",
      "test_reshape_reduced_dims", "the target shape is an int64 graph input");

  static Path sharedRoot() {
    String shared = System.getProperty("bnn4j.shared");
    if (shared == null) {
      String root = System.getProperty("bnn4j.root");
      Path base = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
      return base.resolve("../shared").normalize();
    }
    return Path.of(shared);
  }

  static List<Path> models(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().equals("model.onnx"))
          .sorted(Comparator.naturalOrder()).toList();
    }
  }

  @Test
  void everySharedCaseImportsOrIsDeclined() throws IOException {
    Path root = sharedRoot().resolve("onnx-backend-tests");
    Assumptions.assumeTrue(Files.isDirectory(root), "skipped: ONNX backend cases not found at "
        + root.toAbsolutePath() + " (set -Dbnn4j.shared=PATH)");
    List<Path> models = models(root);
    assertTrue(models.size() >= 100, "expected the 113 shared cases, found " + models.size());

    Map<String, String> declined = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    int imported = 0;
    for (Path model : models) {
      String name = model.getParent().getFileName().toString();
      Graph g;
      try {
        g = OnnxImporter.importModel(model, Limits.DEFAULT);
      } catch (UnsupportedModelException e) {
        declined.put(name, e.getMessage());
        continue;
      } catch (RuntimeException e) {
        failures.add(name + ": " + e);
        continue;
      }
      imported++;
      String problem = checkAgainstTestData(g, model.getParent().resolve("test_data_set_0"));
      if (problem != null) {
        failures.add(name + ": " + problem);
      }
      Graph back = ModelCodec.decode(ModelCodec.encode(g), Limits.DEFAULT);
      assertEquals(g.outputs(), back.outputs(), name);
    }

    StringBuilder report = new StringBuilder("shared ONNX cases: imported=" + imported
        + " declined=" + declined.size() + " failed=" + failures.size() + "\n");
    declined.forEach((k, v) -> report.append("  declined ").append(k).append(": ").append(v)
        .append('\n'));
    failures.forEach(f -> report.append("  FAILED ").append(f).append('\n'));
    System.out.println(report);

    if (!failures.isEmpty()) {
      fail(report.toString());
    }
    Set<String> unexpected = new java.util.TreeSet<>(declined.keySet());
    unexpected.removeAll(EXPECTED_DECLINES.keySet());
    assertTrue(unexpected.isEmpty(), "declined unexpectedly: " + unexpected + "\n" + report);
    assertTrue(imported >= 100, report.toString());
  }

  /** Null when the graph's inputs and output types agree with the case's tensors. */
  static String checkAgainstTestData(Graph g, Path data) throws IOException {
    if (!Files.isDirectory(data)) {
      return null;
    }
    for (int k = 0; ; k++) {
      Path in = data.resolve("input_" + k + ".pb");
      if (!Files.exists(in)) {
        if (k != g.inputs().size()) {
          return "graph has " + g.inputs().size() + " inputs, test data " + k;
        }
        break;
      }
      if (k >= g.inputs().size()) {
        return "test data has more inputs than the graph's " + g.inputs();
      }
      ConstTensor t = OnnxTensors.readTensorProtoFile(in, Limits.DEFAULT);
      ValueType want = g.types().get(g.inputs().get(k));
      if (!Arrays.equals(t.dims(), want.dims())) {
        return "input " + k + " is " + Arrays.toString(t.dims()) + ", graph expects " + want;
      }
    }
    for (int k = 0; k < g.outputs().size(); k++) {
      Path out = data.resolve("output_" + k + ".pb");
      ConstTensor t = OnnxTensors.readTensorProtoFile(out, Limits.DEFAULT);
      ValueType got = g.typeOf(g.outputs().get(k));
      if (!Arrays.equals(t.dims(), got.dims())) {
        return "output " + k + " infers as " + got + ", expected " + Arrays.toString(t.dims());
      }
    }
    return null;
  }

  /** The BNN fixtures the engine's tests run must all import (none may be declined). */
  @Test
  void everyEngineFixtureImports() throws IOException {
    String rootProp = System.getProperty("bnn4j.root");
    Path base = rootProp != null ? Path.of(rootProp) : Path.of("").toAbsolutePath().getParent();
    Path dir = base.resolve("engine/src/test/resources/bnn-fixtures");
    Assumptions.assumeTrue(Files.isDirectory(dir), "skipped: no BNN fixtures at " + dir);
    List<String> failures = new ArrayList<>();
    List<Path> models = models(dir);
    for (Path model : models) {
      String name = dir.relativize(model.getParent()).toString();
      try {
        Graph g = OnnxImporter.importModel(model, Limits.DEFAULT);
        Path data = model.getParent().getParent().resolve("test_data_set_0");
        String problem = checkAgainstTestData(g, data);
        if (problem != null) {
          failures.add(name + ": " + problem);
        }
      } catch (RuntimeException e) {
        failures.add(name + ": " + e);
      }
    }
    assertTrue(failures.isEmpty(), models.size() + " fixture models, failures:\n"
        + String.join("\n", failures));
  }
}
