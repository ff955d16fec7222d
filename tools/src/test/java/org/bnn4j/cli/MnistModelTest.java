package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bnn4j.cli.OnnxBackendCasesTest.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled W&S MNIST model against PyTorch and against the dataset's labels: on the 2,000
 * held-out images (8000..9999 of t10k) it must agree with PyTorch's logits, and classify the
 * committed example digits as the digits they were drawn as.
 */
class MnistModelTest {

  static Path mnist() {
    Path dir = Path.of(System.getProperty("bnn4j.shared", "../shared"), "datasets", "mnist");
    Assumptions.assumeTrue(Files.isDirectory(dir), "skipped: MNIST not found at " + dir);
    return dir;
  }

  /** The default model (tools/train/ws_train.py, then bnn4j convert) is part of the CLI jar. */
  static void requireBundledModel() {
    assertTrue(MnistModelTest.class.getResource(ModelSource.DEFAULT_MODEL) != null,
        "the bundled model " + ModelSource.DEFAULT_MODEL + " is missing from the build");
    assertTrue(MnistModelTest.class.getResource("/mnist-ref/logits.f32") != null,
        "the reference logits /mnist-ref/logits.f32 are missing from the test resources");
  }

  static Path repo() {
    return Path.of(System.getProperty("bnn4j.root", ".."));
  }

  @Test
  void bundledModelAgreesWithPyTorchOnAllHeldOutImages(@TempDir Path tmp) throws Exception {
    requireBundledModel();
    Path dir = mnist();
    Path ref = tmp.resolve("ref");
    Files.createDirectories(ref);
    try (InputStream in = MnistModelTest.class.getResourceAsStream("/mnist-ref/logits.f32")) {
      Files.copy(in, ref.resolve("logits.f32"));
    }
    Cli c = OnnxBackendCasesTest.cli("eval", "--no-progress", "--idx",
        dir.resolve("t10k-images-idx3-ubyte.gz").toString(),
        dir.resolve("t10k-labels-idx1-ubyte.gz").toString(), "--range", "8000:10000",
        "--compare-outputs", ref.toString());
    assertEquals(0, c.code(), c.out() + c.err());
    assertTrue(c.out().contains("top-1 agrees on 2000 of 2000"), c.out());
    Matcher diff = Pattern.compile("largest logit difference ([0-9.eE+-]+)").matcher(c.out());
    assertTrue(diff.find(), c.out());
    assertTrue(Double.parseDouble(diff.group(1)) <= 1e-4, c.out());
    Matcher acc = Pattern.compile("top-1:\\s+([0-9.]+)%").matcher(c.out());
    assertTrue(acc.find(), c.out());
    assertTrue(Double.parseDouble(acc.group(1)) >= 98.0, c.out());
  }

  @Test
  void committedExamplesAreClassifiedAsTheDigitsDrawn() throws Exception {
    requireBundledModel();
    Path examples = repo().resolve("examples");
    assertTrue(Files.isDirectory(examples), "no examples/ at " + examples);
    List<Path> digits;
    try (Stream<Path> s = Files.list(examples)) {
      digits = s.filter(p -> p.getFileName().toString().startsWith("digit_")).sorted().toList();
    }
    assertTrue(digits.size() >= 3, "expected drawn digits in " + examples);
    long inverted = digits.stream().filter(p -> p.toString().contains("_inv.")).count();
    assertEquals(digits.size() - inverted, inverted,
        "every example needs its black-on-white copy (tools/train/invert_examples.py)");
    for (Path d : digits) {
      String expected = d.getFileName().toString().substring("digit_".length(),
          "digit_".length() + 1);
      Cli c = OnnxBackendCasesTest.cli("classify", "--json", "--top", "1", d.toString());
      assertEquals(0, c.code(), c.err());
      JsonObject doc = JsonParser.parseString(c.out()).getAsJsonObject();
      String label = doc.getAsJsonArray("results").get(0).getAsJsonObject()
          .getAsJsonArray("top").get(0).getAsJsonObject().get("label").getAsString();
      assertEquals(expected, label, d.toString());
    }
  }

  /**
   * The black-on-white copies are right only because the model says its background is dark:
   * with the background taken out of the spec, the same API path gets most of them wrong.
   */
  @Test
  void blackOnWhiteCopiesNeedTheStoredBackground() throws Exception {
    requireBundledModel();
    List<Path> inverted;
    try (Stream<Path> s = Files.list(repo().resolve("examples"))) {
      inverted = s.filter(p -> p.getFileName().toString().matches("digit_\\d_inv\\..*"))
          .sorted().toList();
    }
    try (org.bnn4j.Model m = ModelSource.open(null);
         org.bnn4j.Session session = m.newSession()) {
      org.bnn4j.InputSpec stored = m.inputSpec(m.inputNames().get(0));
      assertEquals(org.bnn4j.InputSpec.Background.DARK, stored.background());
      assertEquals(org.bnn4j.InputSpec.Fit.MNIST, stored.fit());
      int rightWith = 0;
      int rightWithout = 0;
      for (Path d : inverted) {
        int expected = d.getFileName().toString().charAt("digit_".length()) - '0';
        org.bnn4j.InputSpec blind = stored.withBackground(org.bnn4j.InputSpec.Background.UNSPECIFIED);
        rightWith += top1(session, org.bnn4j.image.ImageInput.load(d, stored)) == expected ? 1 : 0;
        rightWithout += top1(session, org.bnn4j.image.ImageInput.load(d, blind)) == expected
            ? 1 : 0;
      }
      assertEquals(inverted.size(), rightWith);
      assertTrue(rightWithout <= inverted.size() / 2, rightWithout + " of " + inverted.size()
          + " right without the background: the copies do not test inversion");
    }
  }

  private static int top1(org.bnn4j.Session s, org.bnn4j.Tensor x) {
    return org.bnn4j.Predictions.topIndices(s.run(x).toFloatArray(), 1)[0];
  }

  @Test
  void classifyPrintsTopKForAnImage(@TempDir Path tmp) throws Exception {
    Path model = repo().resolve("examples/sample/bireal-resnet.onnx");
    Assumptions.assumeTrue(Files.exists(model), "skipped: no sample model at " + model);
    Path img = tmp.resolve("gradient.png");
    java.awt.image.BufferedImage bi =
        new java.awt.image.BufferedImage(40, 30, java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        bi.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 128);
      }
    }
    javax.imageio.ImageIO.write(bi, "png", img.toFile());
    Cli c = OnnxBackendCasesTest.cli("classify", "--model", model.toString(), "--top", "4",
        "--json", img.toString());
    assertEquals(0, c.code(), c.err());
    JsonObject doc = JsonParser.parseString(c.out()).getAsJsonObject();
    var top = doc.getAsJsonArray("results").get(0).getAsJsonObject().getAsJsonArray("top");
    assertEquals(4, top.size());
    double previous = 2;
    double sum = 0;
    for (var t : top) {
      double score = t.getAsJsonObject().get("score").getAsDouble();
      assertTrue(score <= previous, "scores must come best first: " + top);
      previous = score;
      sum += score;
    }
    assertTrue(sum > 0 && sum <= 1.0001, "softmax scores: " + top);
  }

  @Test
  void brokenImageIsOneErrorLine(@TempDir Path tmp) throws Exception {
    Path bad = tmp.resolve("broken.png");
    Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Path model = repo().resolve("examples/sample/bireal-resnet.onnx");
    Assumptions.assumeTrue(Files.exists(model), "skipped: no sample model at " + model);
    Cli c = OnnxBackendCasesTest.cli("classify", "--model", model.toString(), bad.toString());
    assertEquals(1, c.code());
    assertTrue(c.err().startsWith("error: ") && c.err().contains("broken.png"), c.err());
    assertEquals(1, c.err().strip().split("\n").length, c.err());
  }
}
