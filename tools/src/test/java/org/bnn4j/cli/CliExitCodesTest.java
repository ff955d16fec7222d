package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bnn4j.cli.OnnxBackendCasesTest.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract: 0 success, 1 model or input error with one error line, 2 usage error. */
class CliExitCodesTest {

  static Path sharedCase(String name) {
    Path p = OnnxBackendCasesTest.sharedCases().resolve(name);
    Assumptions.assumeTrue(Files.isDirectory(p), "skipped: shared case " + p + " not found");
    return p;
  }

  static void assertOneErrorLine(Cli c, String expectedFragment) {
    assertEquals(1, c.code(), c.err());
    String[] lines = c.err().strip().split("\n");
    assertEquals(1, lines.length, "expected one stderr line, got: " + c.err());
    assertTrue(lines[0].startsWith("error: "), lines[0]);
    assertTrue(lines[0].contains(expectedFragment), lines[0]);
  }

  @Test
  void noArgumentsIsAUsageError() {
    Cli c = OnnxBackendCasesTest.cli();
    assertEquals(2, c.code());
    assertTrue(c.err().contains("Usage: bnn4j"), c.err());
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertEquals(2, OnnxBackendCasesTest.cli("run", "--bogus").code());
    assertEquals(2, OnnxBackendCasesTest.cli("frobnicate").code());
  }

  @Test
  void convertChecksTheColourModeAgainstTheInputChannels(@TempDir Path tmp) {
    Path model = MnistModelTest.repo().resolve("examples/sample/bireal-resnet.onnx"); // 1x3x32x32
    Cli gray = OnnxBackendCasesTest.cli("convert", model.toString(), "-o",
        tmp.resolve("g.bnn").toString(), "--color", "GRAYSCALE");
    assertOneErrorLine(gray, "[1, 3, 32, 32]");
    Cli rgb = OnnxBackendCasesTest.cli("convert", model.toString(), "-o",
        tmp.resolve("c.bnn").toString(), "--color", "rgb");
    assertEquals(0, rgb.code(), rgb.err());
    Cli bogus = OnnxBackendCasesTest.cli("convert", model.toString(), "-o",
        tmp.resolve("u.bnn").toString(), "--color", "UNRECOGNIZED");
    assertEquals(2, bogus.code(), bogus.err());
  }

  @Test
  void evalRejectsANegativeTolerance() {
    Cli c = OnnxBackendCasesTest.cli("eval", "--tolerance", "-1", "--dir", ".");
    assertEquals(2, c.code(), c.err());
    assertTrue(c.err().contains("--tolerance"), c.err());
  }

  @Test
  void missingModelFileIsOneErrorLine(@TempDir Path tmp) {
    Cli c = OnnxBackendCasesTest.cli("run", "--model", tmp.resolve("nope.bnn").toString(),
        "--input", tmp.resolve("in.pb").toString(), "--output-dir", tmp.toString());
    assertOneErrorLine(c, "nope.bnn");
  }

  @Test
  void corruptModelIsOneErrorLineAndVerboseAddsTheTrace(@TempDir Path tmp) throws Exception {
    Path bad = tmp.resolve("bad.onnx");
    Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    Path in = sharedCase("node/test_relu").resolve("test_data_set_0/input_0.pb");
    Cli c = OnnxBackendCasesTest.cli("run", "--model", bad.toString(), "--input", in.toString(),
        "--output-dir", tmp.toString());
    assertEquals(1, c.code());
    assertTrue(c.err().startsWith("error: "), c.err());
    assertFalse(c.err().contains("\tat "), c.err());
    Cli v = OnnxBackendCasesTest.cli("run", "--verbose", "--model", bad.toString(), "--input",
        in.toString(), "--output-dir", tmp.toString());
    assertEquals(1, v.code());
    assertTrue(v.err().contains("\tat "), "--verbose should print the stack trace");
  }

  @Test
  void wrongInputShapeNamesBothShapes(@TempDir Path tmp) {
    Path relu = sharedCase("node/test_relu");
    Path otherInput = sharedCase("node/test_softmax_example").resolve("test_data_set_0/input_0.pb");
    Cli c = OnnxBackendCasesTest.cli("run", "--model", relu.resolve("model.onnx").toString(),
        "--input", otherInput.toString(), "--output-dir", tmp.toString());
    assertOneErrorLine(c, "[1, 3]");
    assertTrue(c.err().contains("[3, 4, 5]"), c.err());
  }

  @Test
  void wrongNumberOfInputsIsAnInputError(@TempDir Path tmp) {
    Path add = sharedCase("node/test_add");
    Path in = add.resolve("test_data_set_0/input_0.pb");
    Cli c = OnnxBackendCasesTest.cli("run", "--model", add.resolve("model.onnx").toString(),
        "--input", in.toString(), "--output-dir", tmp.toString());
    assertOneErrorLine(c, "2 input(s)");
  }

  @Test
  void convertRefusesToOverwriteItsInput(@TempDir Path tmp) throws Exception {
    Path model = tmp.resolve("m.onnx");
    Files.copy(sharedCase("node/test_relu").resolve("model.onnx"), model);
    byte[] before = Files.readAllBytes(model);
    Cli c = OnnxBackendCasesTest.cli("convert", model.toString(), "-o", model.toString());
    assertOneErrorLine(c, "refusing to overwrite");
    assertEquals(java.util.Arrays.toString(before),
        java.util.Arrays.toString(Files.readAllBytes(model)));
  }

  @Test
  void convertThenInspectShowsTheOps(@TempDir Path tmp) {
    Path conv = sharedCase("pytorch-converted/test_Conv2d");
    Path out = tmp.resolve("conv.bnn");
    Cli c = OnnxBackendCasesTest.cli("convert", conv.resolve("model.onnx").toString(), "-o",
        out.toString());
    assertEquals(0, c.code(), c.err());
    assertTrue(Files.exists(out));
    Cli i = OnnxBackendCasesTest.cli("inspect", out.toString());
    assertEquals(0, i.code(), i.err());
    assertTrue(i.out().contains("Conv2d"), i.out());
    assertTrue(i.out().contains("total"), i.out());
  }
}
