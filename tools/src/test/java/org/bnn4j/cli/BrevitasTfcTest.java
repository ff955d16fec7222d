package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.bnn4j.cli.OnnxBackendCasesTest.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Brevitas/FINN TFC_1W1A model (QONNX: BipolarQuant in domain onnx.brevitas) from ../shared:
 * it converts with all four binary MatMuls lowered, and {@code bnn4j eval} on all 10,000 MNIST
 * t10k digits agrees with an independent numpy evaluation of the QONNX graph
 * ({@code tools/train/qonnx_reference.py}, logits committed in {@code /tfc-ref}): the same top-1
 * on every image and every logit within 1e-4 of the row's largest.
 */
class BrevitasTfcTest {

  static Path tfc() {
    Path model = Path.of(System.getProperty("bnn4j.shared", "../shared"), "models",
        "brevitas-tfc", "TFC_1W1A.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(model), "skipped: TFC_1W1A not found at "
        + model);
    return model;
  }

  @Test
  void convertsWithEveryMatMulBinaryAndMatchesTheQonnxReferenceOnAllTestDigits(
      @TempDir Path tmp) throws Exception {
    Path model = tfc();
    Path dir = MnistModelTest.mnist();
    Path bnn = tmp.resolve("tfc.bnn");
    Cli convert = OnnxBackendCasesTest.cli("convert", model.toString(), "-o", bnn.toString());
    assertEquals(0, convert.code(), convert.out() + convert.err());
    assertTrue(convert.out().contains("4 binary dense"), convert.out());

    Cli inspect = OnnxBackendCasesTest.cli("inspect", bnn.toString());
    assertEquals(0, inspect.code(), inspect.err());
    assertEquals(4, inspect.out().lines().filter(l -> l.contains("BinaryDense")).count(),
        inspect.out());
    assertTrue(inspect.out().lines().noneMatch(l -> l.contains(" Gemm ")), inspect.out());

    Path ref = tmp.resolve("ref");
    Files.createDirectories(ref);
    try (InputStream in = BrevitasTfcTest.class.getResourceAsStream("/tfc-ref/logits.f32.gz")) {
      assertTrue(in != null, "the reference logits /tfc-ref/logits.f32.gz are missing");
      try (GZIPInputStream gz = new GZIPInputStream(in)) {
        Files.copy(gz, ref.resolve("logits.f32"));
      }
    }
    Cli c = OnnxBackendCasesTest.cli("eval", "--no-progress", "--model", bnn.toString(),
        "--idx", dir.resolve("t10k-images-idx3-ubyte.gz").toString(),
        dir.resolve("t10k-labels-idx1-ubyte.gz").toString(),
        "--compare-outputs", ref.toString());
    assertEquals(0, c.code(), c.out() + c.err());
    assertTrue(c.out().contains("top-1 agrees on 10000 of 10000"), c.out());
    Matcher diff = Pattern.compile("largest logit difference ([0-9.eE+-]+)").matcher(c.out());
    assertTrue(diff.find(), c.out());
    assertTrue(Double.parseDouble(diff.group(1)) <= 1e-4, c.out());
    // The reference's own top-1 (tools/src/test/resources/tfc-ref/logits.json) is 92.96%.
    assertTrue(c.out().contains("top-1:       92.96% (9296)"), c.out());
  }
}
