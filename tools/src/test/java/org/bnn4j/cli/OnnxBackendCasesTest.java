package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.OnnxTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every case of the ONNX project's backend tests in ../shared through {@code bnn4j run}, both
 * straight from the .onnx file and after {@code bnn4j convert} to .bnn. Each case must match the
 * ONNX expected outputs within rtol 1e-3 / atol 1e-7, or be declined as unsupported.
 */
class OnnxBackendCasesTest {
  static final double RTOL = 1e-3;
  static final double ATOL = 1e-7;

  static Path sharedCases() {
    String shared = System.getProperty("bnn4j.shared", "../shared");
    return Path.of(shared, "onnx-backend-tests");
  }

  enum Outcome { PASS, DECLINED, WRONG, CRASH }

  record CaseResult(String name, Outcome outcome, String detail) {}

  @Test
  void everySharedCasePassesOrIsDeclined(@TempDir Path tmp) throws IOException {
    Path root = sharedCases();
    Assumptions.assumeTrue(Files.isDirectory(root),
        "skipped: ONNX backend cases not found at " + root.toAbsolutePath()
            + " (set -Dbnn4j.shared=PATH)");
    List<Path> models;
    try (Stream<Path> s = Files.walk(root)) {
      models = s.filter(p -> p.getFileName().toString().equals("model.onnx"))
          .sorted(Comparator.naturalOrder()).toList();
    }
    assertTrue(models.size() > 100, "expected the 113 shared cases, found " + models.size());

    List<CaseResult> results = new ArrayList<>();
    int i = 0;
    for (Path model : models) {
      Path caseDir = model.getParent();
      Path data = caseDir.resolve("test_data_set_0");
      Path work = tmp.resolve("case" + i++);
      Files.createDirectories(work);
      CaseResult direct = runCase(caseDir, model, data, work.resolve("onnx-out"));
      if (direct.outcome == Outcome.PASS) {
        Path bnn = work.resolve("model.bnn");
        Cli c = cli("convert", model.toString(), "-o", bnn.toString());
        if (c.code != 0) {
          direct = new CaseResult(direct.name, Outcome.CRASH, "convert failed: " + c.err);
        } else {
          CaseResult viaBnn = runCase(caseDir, bnn, data, work.resolve("bnn-out"));
          if (viaBnn.outcome != Outcome.PASS) {
            direct = new CaseResult(direct.name, viaBnn.outcome, "via .bnn: " + viaBnn.detail);
          }
        }
      }
      results.add(direct);
    }

    TreeMap<Outcome, List<CaseResult>> by = new TreeMap<>();
    for (CaseResult r : results) {
      by.computeIfAbsent(r.outcome, k -> new ArrayList<>()).add(r);
    }
    StringBuilder report = new StringBuilder("ONNX backend cases:");
    for (Outcome o : Outcome.values()) {
      report.append(' ').append(o.name().toLowerCase()).append('=')
          .append(by.getOrDefault(o, List.of()).size());
    }
    report.append(" total=").append(results.size()).append('\n');
    for (Outcome o : List.of(Outcome.DECLINED, Outcome.WRONG, Outcome.CRASH)) {
      for (CaseResult r : by.getOrDefault(o, List.of())) {
        report.append("  ").append(o).append(' ').append(r.name).append(": ").append(r.detail)
            .append('\n');
      }
    }
    System.out.println(report);
    assertEquals(0, by.getOrDefault(Outcome.WRONG, List.of()).size(), report.toString());
    assertEquals(0, by.getOrDefault(Outcome.CRASH, List.of()).size(), report.toString());
    assertTrue(by.getOrDefault(Outcome.PASS, List.of()).size() >= 100, report.toString());
  }

  static CaseResult runCase(Path caseDir, Path model, Path data, Path outDir) throws IOException {
    String name = caseDir.getParent().getFileName() + "/" + caseDir.getFileName();
    List<String> args = new ArrayList<>(List.of("run", "--model", model.toString()));
    List<Path> inputs;
    try (Stream<Path> s = Files.list(data)) {
      inputs = s.filter(p -> p.getFileName().toString().startsWith("input_"))
          .sorted(Comparator.comparingInt(OnnxBackendCasesTest::index)).toList();
    }
    for (Path in : inputs) {
      args.add("--input");
      args.add(in.toString());
    }
    args.add("--output-dir");
    args.add(outDir.toString());
    Cli c = cli(args.toArray(String[]::new));
    if (c.code == 1 && c.err.startsWith("error:") && c.err.toLowerCase().contains("unsupported")) {
      return new CaseResult(name, Outcome.DECLINED, c.err.strip());
    }
    if (c.code != 0) {
      return new CaseResult(name, Outcome.CRASH, "exit " + c.code + ": " + c.err.strip());
    }
    List<Path> wants;
    try (Stream<Path> s = Files.list(data)) {
      wants = s.filter(p -> p.getFileName().toString().startsWith("output_")).sorted().toList();
    }
    for (Path want : wants) {
      Path got = outDir.resolve(want.getFileName());
      if (!Files.exists(got)) {
        return new CaseResult(name, Outcome.WRONG, "missing " + want.getFileName());
      }
      String diff = compare(OnnxTensors.readTensorProtoFile(want, Limits.DEFAULT),
          OnnxTensors.readTensorProtoFile(got, Limits.DEFAULT));
      if (diff != null) {
        return new CaseResult(name, Outcome.WRONG, want.getFileName() + ": " + diff);
      }
    }
    return new CaseResult(name, Outcome.PASS, "");
  }

  /** Null when {@code got} matches {@code want} within the backend tolerance. */
  static String compare(ConstTensor want, ConstTensor got) {
    if (!java.util.Arrays.equals(want.dims(), got.dims())) {
      return "shape " + java.util.Arrays.toString(got.dims()) + ", expected "
          + java.util.Arrays.toString(want.dims());
    }
    if (want.type() != got.type()) {
      return "element type " + got.type() + ", expected " + want.type();
    }
    if (want.type() != org.bnn4j.format.graph.ElementType.FLOAT32) {
      return java.util.Arrays.equals(want.longs(), got.longs()) ? null
          : "values " + java.util.Arrays.toString(got.longs()) + ", expected "
              + java.util.Arrays.toString(want.longs());
    }
    float[] w = want.floats();
    float[] g = got.floats();
    for (int k = 0; k < w.length; k++) {
      double err = Math.abs((double) g[k] - w[k]);
      boolean ok = err <= ATOL + RTOL * Math.abs(w[k])
          || (Float.isNaN(w[k]) && Float.isNaN(g[k]))
          || (Float.isInfinite(w[k]) && w[k] == g[k]);
      if (!ok) {
        return "element " + k + " is " + g[k] + ", expected " + w[k];
      }
    }
    return null;
  }

  private static int index(Path p) {
    String n = p.getFileName().toString();
    return Integer.parseInt(n.substring(n.indexOf('_') + 1, n.indexOf('.')));
  }

  record Cli(int code, String out, String err) {}

  static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Bnn4jCli.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Cli(code, out.toString(), err.toString());
  }
}
