package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bnn4j.KernelUnavailableException;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector}: the CLI says so on one
 * stderr line, and a load that requires the vector kernels fails with a typed exception.
 */
class ScalarFallbackTest {

  /** Run in the child JVM: loads the bundled model requiring vector kernels. */
  public static final class RequireVector {
    public static void main(String[] args) throws Exception {
      try (var in = ScalarFallbackTest.class.getResourceAsStream(ModelSource.DEFAULT_MODEL)) {
        Model.load(in, ModelOptions.defaults().withRequireVectorKernels(true)).close();
        System.out.println("loaded");
      } catch (KernelUnavailableException e) {
        System.out.println("refused: " + e.getMessage());
      }
    }
  }

  private record Run(int code, String out, String err) {}

  private static Run java(String mainClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void cliWarnsOnOneLineWhenTheVectorModuleIsMissing() throws Exception {
    MnistModelTest.requireBundledModel();
    Path digit = MnistModelTest.repo().resolve("examples/digit_7.png");
    Run r = java(Bnn4jCli.class.getName(), "classify", "--top", "1", digit.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("1. 7"), r.out()); // same answer, only slower
    List<String> warnings = r.err().lines().filter(l -> l.startsWith("warning:")).toList();
    assertEquals(1, warnings.size(), r.err());
    assertTrue(warnings.get(0).contains("--add-modules jdk.incubator.vector"), warnings.get(0));
  }

  @Test
  void requiringVectorKernelsFailsFastWithoutTheModule() throws Exception {
    MnistModelTest.requireBundledModel();
    Run r = java(RequireVector.class.getName());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("refused: "), r.out());
    assertTrue(r.out().contains("jdk.incubator.vector"), r.out());
  }
}
