package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnn4j.cli.OnnxBackendCasesTest.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bnn4j bench}: the structure of its report (never its timings) and its errors. */
class BenchCommandTest {
  private static final Pattern LATENCY = Pattern.compile("latency\\s+min ([0-9.]+) ms, p50 "
      + "([0-9.]+) ms, p90 ([0-9.]+) ms, p99 ([0-9.]+) ms, mean ([0-9.]+) ms");

  @Test
  void benchOnTheBundledModelReportsLatencyCpuKernelsAndAProfile() {
    MnistModelTest.requireBundledModel();
    Cli c = OnnxBackendCasesTest.cli("bench", "--warmup", "3", "--runs", "7", "--profile");
    assertEquals(0, c.code(), c.out() + c.err());
    String out = c.out();
    assertTrue(out.contains("bundled:" + ModelSource.DEFAULT_MODEL), out);
    assertTrue(out.contains("inputs      input[1, 1, 28, 28]"), out);
    assertTrue(Pattern.compile("(?m)^cpu\\s+\\S.*, \\d+ logical processors$").matcher(out).find(),
        out);
    assertTrue(Pattern.compile("(?m)^isa\\s+(unknown|avx2 (yes|no), avx512f (yes|no), "
        + "avx512_vpopcntdq (yes|no))").matcher(out).find(), out);
    assertTrue(Pattern.compile("(?m)^kernels\\s+(vector, species \\d+-bit|scalar)").matcher(out)
        .find(), out);
    assertTrue(out.contains("vector popcount "), out);
    assertTrue(out.contains("iterations  3 warm-up, 7 timed"), out);
    Matcher m = LATENCY.matcher(out);
    assertTrue(m.find(), out);
    double[] v = new double[5];
    for (int i = 0; i < 5; i++) {
      v[i] = Double.parseDouble(m.group(i + 1));
    }
    assertTrue(v[0] > 0 && v[0] <= v[1] && v[1] <= v[2] && v[2] <= v[3], out);
    assertTrue(Pattern.compile("(?m)^throughput\\s+[0-9.]+ inferences/s$").matcher(out).find(),
        out);

    // profile: one row per graph node of the bundled model, shares summing to 100 %
    assertTrue(out.contains("per-op time (7 profiled inferences"), out);
    Matcher row = Pattern.compile("(?m)^\\s+(\\d+)  (\\S+)\\s+\\S+\\s+([0-9.]+)\\s+([0-9.]+)%$")
        .matcher(out.substring(out.indexOf("per-op time"), out.indexOf("by op type")));
    List<String> ops = new ArrayList<>();
    double share = 0;
    while (row.find()) {
      assertEquals(ops.size(), Integer.parseInt(row.group(1)), out);
      ops.add(row.group(2));
      share += Double.parseDouble(row.group(4));
    }
    assertEquals(15, ops.size(), out);
    assertTrue(ops.contains("BINARY_CONV2D") && ops.contains("GEMM"), out);
    assertEquals(100.0, share, 1.0, out);
  }

  @Test
  void batchRunsThatManyImagesPerIteration() {
    MnistModelTest.requireBundledModel();
    Cli c = OnnxBackendCasesTest.cli("bench", "--model", "mnist", "--batch", "3", "--warmup",
        "1", "--runs", "2", "--threads", "2");
    assertEquals(0, c.code(), c.out() + c.err());
    assertTrue(c.out().lines().anyMatch(l -> l.equals("batch       3")), c.out());
    assertTrue(c.out().contains("(per iteration of 3 images)"), c.out());
    assertTrue(c.out().contains("threads     2"), c.out());
    assertTrue(!c.out().contains("per-op time"), c.out());
  }

  @Test
  void badCountsAreUsageErrors() {
    for (String[] args : List.of(new String[] {"--runs", "0"}, new String[] {"--threads", "0"},
        new String[] {"--batch", "-1"}, new String[] {"--warmup", "-5"})) {
      Cli c = OnnxBackendCasesTest.cli("bench", args[0], args[1]);
      assertEquals(2, c.code(), c.err());
      assertTrue(c.err().contains(args[0]), c.err());
    }
  }

  @Test
  void unknownModelNameIsOneErrorLine() {
    Cli c = OnnxBackendCasesTest.cli("bench", "--model", "cifar");
    assertEquals(1, c.code(), c.err());
    assertTrue(c.err().startsWith("error: no model file 'cifar' and no bundled model"), c.err());
    assertTrue(c.err().contains("mnist, fashion"), c.err());
  }

  @Test
  void cpuInfoParsesModelAndFlags(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("cpuinfo");
    Files.writeString(f, "processor\t: 0\nmodel name\t: Some CPU 9000\n"
        + "flags\t\t: fpu sse avx2 avx512f bmi2\nprocessor\t: 1\nmodel name\t: other\n");
    BenchCommand.CpuInfo cpu = BenchCommand.CpuInfo.parse(f);
    assertEquals("Some CPU 9000", cpu.model);
    assertEquals("avx2 yes, avx512f yes, avx512_vpopcntdq no", cpu.flagSummary());
    BenchCommand.CpuInfo none = BenchCommand.CpuInfo.parse(tmp.resolve("absent"));
    assertTrue(none.model.startsWith("unknown"), none.model);
    assertEquals(256, BenchCommand.speciesBits("vector(256-bit)"));
    assertEquals(0, BenchCommand.speciesBits("scalar"));
  }

  @Test
  void percentilesAreNearestRank() {
    long[] v = new long[100];
    for (int i = 0; i < 100; i++) {
      v[i] = i + 1;
    }
    assertEquals(50, BenchCommand.percentile(v, 0.50));
    assertEquals(90, BenchCommand.percentile(v, 0.90));
    assertEquals(99, BenchCommand.percentile(v, 0.99));
    assertEquals(7, BenchCommand.percentile(new long[] {7}, 0.99));
  }
}
