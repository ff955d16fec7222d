package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bnn4j.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Same input, same output bits, on every call: a model with every reducing float kernel runs
 * thousands of times here (enough for C2 to compile the kernels: before the fixed-order lane sum
 * the dense layer's bits changed near call 700), and must give the bits of its first call every
 * time, and the bits of a fresh interpreted JVM ({@code -Xint}: nothing ever compiled), on the
 * vector, scalar-provider and reference paths.
 */
class DeterminismTest {
  static final int WARM_CALLS = 2000;

  /** Per path, the output bits of one call in a fresh {@code -Xint} JVM. */
  static List<int[]> coldBits(List<String> paths) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
        "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
        DeterminismProbe.class.getName()));
    cmd.addAll(paths);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the -Xint probe did not finish");
    }
    assertEquals(0, p.exitValue(), "probe output: " + out);
    List<int[]> result = new ArrayList<>();
    for (String line : out.split("\n")) {
      String[] hex = line.trim().split(" ");
      int[] bits = new int[hex.length];
      for (int i = 0; i < hex.length; i++) {
        bits[i] = Integer.parseUnsignedInt(hex[i], 16);
      }
      result.add(bits);
    }
    assertEquals(paths.size(), result.size(), "probe output: " + out);
    return result;
  }

  @Test
  void everyKernelPathGivesTheSameBitsColdAndWarm() throws Exception {
    List<String> paths = new ArrayList<>(List.of("scalar", "reference"));
    if (Kernels.vectorOrNull() != null) {
      paths.add(0, "vector");
    }
    List<int[]> cold = coldBits(paths);
    for (int k = 0; k < paths.size(); k++) {
      String path = paths.get(k);
      Executor e = DeterminismProbe.compile(path).newExecutor();
      int[] first = DeterminismProbe.run(e);
      assertArrayEquals(cold.get(k), first, path + ": first call differs from -Xint");
      for (int i = 0; i < WARM_CALLS; i++) {
        int[] again = DeterminismProbe.run(e);
        if (!Arrays.equals(first, again)) {
          assertArrayEquals(first, again, path + ": call " + (i + 2) + " differs from the first");
        }
      }
    }
  }
}
