package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bnn4j.cli.OnnxBackendCasesTest.CaseResult;
import org.bnn4j.cli.OnnxBackendCasesTest.Outcome;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelFile;
import org.bnn4j.format.onnx.OnnxImporter;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code libonnx-testdata} (the ONNX 1.12 backend suite: node, pytorch-converted,
 * pytorch-operator and simple). Every case whose operators are all in {@link
 * OnnxImporter#supportedOperators()} runs through the same path as {@link OnnxBackendCasesTest}
 * ({@code bnn4j run} on the .onnx, then again after {@code bnn4j convert}), on each of its data
 * sets. Each must pass or be declined; a wrong answer or a crash fails the test. Skipped when the
 * package is not installed ({@code -Dbnn4j.onnxTestdata=PATH} points elsewhere).
 */
class LibOnnxTestdataTest {
  static final List<String> SUITES = List.of("node", "pytorch-converted", "pytorch-operator",
      "simple");

  @Test
  void everyClaimedCasePassesOrIsDeclined(@TempDir Path tmp) throws IOException {
    Path root = Path.of(System.getProperty("bnn4j.onnxTestdata",
        "/usr/share/libonnx-testdata/data"));
    Assumptions.assumeTrue(Files.isDirectory(root.resolve("node")),
        "skipped: libonnx-testdata not found at " + root
            + " (apt-get install libonnx-testdata, or set -Dbnn4j.onnxTestdata=PATH)");
    Set<String> claimed = OnnxImporter.supportedOperators();
    EnumMap<Outcome, List<String>> by = new EnumMap<>(Outcome.class);
    int total = 0;
    int skipped = 0;
    int i = 0;
    for (String suite : SUITES) {
      List<Path> cases;
      try (Stream<Path> s = Files.list(root.resolve(suite))) {
        cases = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx")))
            .sorted(Comparator.naturalOrder()).toList();
      }
      for (Path caseDir : cases) {
        total++;
        Path model = caseDir.resolve("model.onnx");
        if (!claimed.containsAll(operators(model))) {
          skipped++;
          continue;
        }
        Path work = tmp.resolve("case" + i++);
        Files.createDirectories(work);
        CaseResult r = runAllDataSets(caseDir, model, work);
        by.computeIfAbsent(r.outcome(), k -> new ArrayList<>())
            .add(suite + "/" + caseDir.getFileName() + (r.detail().isEmpty() ? ""
                : ": " + r.detail()));
      }
    }
    StringBuilder report = new StringBuilder("libonnx-testdata: " + total + " cases, "
        + (total - skipped) + " use only claimed operators:");
    for (Outcome o : Outcome.values()) {
      report.append(' ').append(o.name().toLowerCase()).append('=')
          .append(by.getOrDefault(o, List.of()).size());
    }
    report.append('\n');
    for (Outcome o : List.of(Outcome.DECLINED, Outcome.WRONG, Outcome.CRASH)) {
      for (String r : by.getOrDefault(o, List.of())) {
        report.append("  ").append(o).append(' ').append(r).append('\n');
      }
    }
    System.out.println(report);
    assertEquals(0, by.getOrDefault(Outcome.WRONG, List.of()).size(), report.toString());
    assertEquals(0, by.getOrDefault(Outcome.CRASH, List.of()).size(), report.toString());
    assertTrue(by.getOrDefault(Outcome.PASS, List.of()).size() >= 150, report.toString());
  }

  /** Runs the case on every test_data_set_N: the first non-pass outcome, else pass. */
  private static CaseResult runAllDataSets(Path caseDir, Path model, Path work)
      throws IOException {
    List<Path> sets;
    try (Stream<Path> s = Files.list(caseDir)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_"))
          .sorted().toList();
    }
    CaseResult last = new CaseResult(caseDir.getFileName().toString(), Outcome.WRONG,
        "no test_data_set_* folder");
    Path bnn = null;
    for (int k = 0; k < sets.size(); k++) {
      Path data = sets.get(k);
      last = OnnxBackendCasesTest.runCase(caseDir, model, data, work.resolve("onnx-out" + k));
      if (last.outcome() != Outcome.PASS) {
        return last;
      }
      if (bnn == null) {
        bnn = work.resolve("model.bnn");
        OnnxBackendCasesTest.Cli c = OnnxBackendCasesTest.cli("convert", model.toString(), "-o",
            bnn.toString());
        if (c.code() != 0) {
          return new CaseResult(last.name(), Outcome.CRASH, "convert failed: " + c.err());
        }
      }
      CaseResult viaBnn = OnnxBackendCasesTest.runCase(caseDir, bnn, data,
          work.resolve("bnn-out" + k));
      if (viaBnn.outcome() != Outcome.PASS) {
        return new CaseResult(viaBnn.name(), viaBnn.outcome(), "via .bnn: " + viaBnn.detail());
      }
    }
    return last;
  }

  /** The operator types of the model's main graph; a non-default domain is never claimed. */
  private static Set<String> operators(Path model) throws IOException {
    ModelProto m = OnnxImporter.parseModel(ModelFile.readBounded(model, Limits.DEFAULT),
        Limits.DEFAULT);
    Set<String> ops = new TreeSet<>();
    for (NodeProto n : m.getGraph().getNodeList()) {
      boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
      ops.add(defaultDomain ? n.getOpType() : n.getDomain() + ":" + n.getOpType());
    }
    return ops;
  }
}
