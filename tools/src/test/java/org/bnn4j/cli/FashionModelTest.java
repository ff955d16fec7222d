package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnn4j.cli.OnnxBackendCasesTest.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled W&S Fashion-MNIST model ({@code --model fashion}) against PyTorch: on all 10,000
 * test images every top-1 must equal PyTorch's and every logit lie within 1e-4 (relative to its
 * row's largest); and the drawn light-on-dark examples in {@code examples/fashion} get the
 * labels PyTorch gives them (tools/train/fashion_examples.py).
 */
class FashionModelTest {
  static final String MODEL = "/models/fashion-ws.bnn";

  static Path fashion() {
    Path dir = Path.of(System.getProperty("bnn4j.fashion", "/usr/share/datasets/fashion-mnist"));
    Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte.gz")),
        "skipped: Fashion-MNIST not found at " + dir
            + " (apt-get install dataset-fashion-mnist)");
    return dir;
  }

  static void requireBundledModel() {
    assertTrue(FashionModelTest.class.getResource(MODEL) != null,
        "the bundled model " + MODEL + " is missing from the build");
    assertTrue(FashionModelTest.class.getResource("/fashion-ref/logits.f32.gz") != null,
        "the reference logits /fashion-ref/logits.f32.gz are missing from the test resources");
  }

  @Test
  void bundledModelAgreesWithPyTorchOnAllTestImages(@TempDir Path tmp) throws Exception {
    requireBundledModel();
    Path dir = fashion();
    Path ref = tmp.resolve("ref");
    Files.createDirectories(ref);
    try (InputStream in = getClass().getResourceAsStream("/fashion-ref/logits.f32.gz")) {
      Files.copy(in, ref.resolve("logits.f32.gz"));
    }
    double pytorchTop1;
    try (InputStream in = getClass().getResourceAsStream("/fashion-ref/logits.json")) {
      JsonObject meta = JsonParser.parseString(new String(in.readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
      pytorchTop1 = meta.get("pytorch_top1").getAsDouble();
    }
    Cli c = OnnxBackendCasesTest.cli("eval", "--model", "fashion", "--no-progress", "--idx",
        dir.resolve("t10k-images-idx3-ubyte.gz").toString(),
        dir.resolve("t10k-labels-idx1-ubyte.gz").toString(), "--compare-outputs", ref.toString());
    assertEquals(0, c.code(), c.out() + c.err());
    assertTrue(c.out().contains("top-1 agrees on 10000 of 10000"), c.out());
    Matcher diff = Pattern.compile("largest logit difference ([0-9.eE+-]+)").matcher(c.out());
    assertTrue(diff.find(), c.out());
    assertTrue(Double.parseDouble(diff.group(1)) <= 1e-4, c.out());
    Matcher acc = Pattern.compile("top-1:\\s+([0-9.]+)%").matcher(c.out());
    assertTrue(acc.find(), c.out());
    // the same images, the same top-1 as PyTorch: the accuracy is PyTorch's, to the print's 0.01
    assertEquals(100 * pytorchTop1, Double.parseDouble(acc.group(1)), 0.006, c.out());
  }

  @Test
  void drawnExamplesGetPyTorchsLabels() throws Exception {
    requireBundledModel();
    Path examples = MnistModelTest.repo().resolve("examples/fashion");
    assertTrue(Files.isRegularFile(examples.resolve("examples.json")), "no " + examples);
    JsonObject doc = JsonParser.parseString(Files.readString(examples.resolve("examples.json")))
        .getAsJsonObject();
    // PyTorch's label for each garment drawn light on dark (the dataset's polarity); the same
    // garment drawn dark on light, like a photo, must get the same label through the stored
    // preprocessing (background dark: the input is inverted first).
    Map<String, String> expectedByGarment = new HashMap<>();
    for (JsonElement e : doc.getAsJsonArray("examples")) {
      JsonObject ex = e.getAsJsonObject();
      if (ex.get("background").getAsString().equals("dark")) {
        expectedByGarment.put(garment(ex.get("file").getAsString()),
            ex.get("pytorch_pred_name").getAsString());
      }
    }
    int checked = 0;
    for (JsonElement e : doc.getAsJsonArray("examples")) {
      JsonObject ex = e.getAsJsonObject();
      String expected = expectedByGarment.get(garment(ex.get("file").getAsString()));
      Path file = examples.resolve(ex.get("file").getAsString());
      Cli c = OnnxBackendCasesTest.cli("classify", "--model", "fashion", "--json", "--top", "1",
          file.toString());
      assertEquals(0, c.code(), c.err());
      String label = JsonParser.parseString(c.out()).getAsJsonObject().getAsJsonArray("results")
          .get(0).getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject().get("label")
          .getAsString();
      assertEquals(expected, label, file.toString());
      checked++;
    }
    assertTrue(checked >= 16, "expected 8 garments drawn both ways in " + examples);
  }

  /** {@code trouser_dark.png} and {@code trouser_light.png} are the garment {@code trouser}. */
  private static String garment(String file) {
    return file.replaceFirst("_(dark|light)\\.png$", "");
  }
}
