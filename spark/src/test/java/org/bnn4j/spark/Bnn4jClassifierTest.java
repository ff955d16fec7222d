package org.bnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bnn4j.ModelFormatException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark classifier and the {@code bnn4j-spark} command against {@code bnn4j classify}, on one
 * {@code local[2]} SparkSession for the whole class (starting Spark costs seconds).
 */
class Bnn4jClassifierTest {
  private static SparkSession spark;
  private static byte[] model;
  @TempDir static Path tmp;
  /** Twelve good images (the repository's examples) and four bad files, made once. */
  private static Path mixed;
  private static Map<String, TestData.Prediction> mixedExpected;
  private static final List<String> BAD = List.of("truncated.png", "noise.png",
      "signature-only.png", "notes.txt");

  @BeforeAll
  static void start() throws IOException {
    spark = SparkSession.builder()
        .master("local[2]")
        .appName("bnn4j-spark tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        // Spark counts 4 MB per file when it packs files into tasks, which cuts 2,000 small
        // PNGs into 63 tasks; a few larger ones keep the test quick on a loaded machine.
        .config("spark.sql.files.openCostInBytes", "262144")
        .getOrCreate();
    model = Files.readAllBytes(TestData.MODEL);
    mixed = Files.createDirectories(tmp.resolve("mixed"));
    List<Path> good = new ArrayList<>();
    try (Stream<Path> s = Files.list(TestData.ROOT.resolve("examples"))) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("digit_")).toList()) {
        good.add(Files.copy(p, mixed.resolve(p.getFileName())));
      }
    }
    assertTrue(good.size() >= 10, "examples/digit_* not found under " + TestData.ROOT);
    byte[] png = Files.readAllBytes(good.get(0));
    Files.write(mixed.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
    byte[] noise = new byte[500];
    new Random(16).nextBytes(noise);
    Files.write(mixed.resolve("noise.png"), noise);
    Files.write(mixed.resolve("signature-only.png"), java.util.Arrays.copyOf(png, 8));
    // Spark's file source skips empty files, so this one yields no row at all.
    Files.write(mixed.resolve("empty.png"), new byte[0]);
    Files.writeString(mixed.resolve("notes.txt"), "not an image\n");
    mixedExpected = TestData.classify(good, 3);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static Dataset<Row> files(Path dir) {
    return spark.read().format("binaryFile").option("recursiveFileLookup", "true")
        .load(dir.toString());
  }

  @Test
  void twoThousandMnistDigitsGetClassifysLabels() throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(TestData.MNIST),
        "skipped: MNIST not found at " + TestData.MNIST + " (set -Dbnn4j.shared)");
    Path dir = tmp.resolve("mnist");
    Map<String, Integer> truth = TestData.writeMnistPngs(dir, 8000, 10000);
    List<Path> pngs;
    try (Stream<Path> s = Files.walk(dir)) {
      pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
    }
    assertEquals(2000, pngs.size());
    Map<String, TestData.Prediction> expected = TestData.classify(pngs, 3);

    List<Row> rows = Bnn4jClassifier.fromBytes(model).transform(files(dir))
        .select("path", "label", "score", "top_k", "error").collectAsList();

    assertEquals(2000, rows.size());
    int correct = 0;
    for (Row r : rows) {
      String name = TestData.fileName(r.getString(0));
      assertNull(r.get(4), name);
      TestData.Prediction want = expected.get(name);
      assertEquals(want.label(), r.getString(1), name);
      assertScore(want.scores().get(0), r.getFloat(2), name);
      assertTopK(want, r.getList(3), name);
      correct += r.getString(1).equals(truth.get(name).toString()) ? 1 : 0;
    }
    // Independent of classify: the bundled model scores 99.05% on these digits (README).
    assertTrue(correct >= 1970, "only " + correct + " of 2000 correct");
    assertEquals(1, LoadedModel.loads(), "the model is loaded once per JVM");
  }

  /**
   * Scores agree with classify's to 1e-4 relative, not bit for bit: the engine's vector float
   * dense kernel sums lanes in a different order before and after the JIT compiles it, so the
   * same image's logits move by a few ulps within one JVM (reported; -Dbnn4j.kernels=scalar is
   * exact). Ranks may swap only between scores that close.
   */
  static void assertScore(float want, float got, String what) {
    assertTrue(Math.abs(want - got) <= 1e-4f * Math.max(Math.abs(want), Math.abs(got)),
        what + ": score " + got + ", classify's " + want);
  }

  private static void assertTopK(TestData.Prediction want, List<Row> got, String name) {
    assertEquals(want.labels().size(), got.size(), name);
    for (int i = 0; i < got.size(); i++) {
      String label = got.get(i).getString(0);
      assertEquals(Integer.parseInt(label), got.get(i).getInt(1), name);
      assertScore(want.scores().get(i), got.get(i).getFloat(2), name + " rank " + i);
      boolean nearTie = (i > 0 && close(want.scores().get(i - 1), want.scores().get(i)))
          || (i + 1 < got.size() && close(want.scores().get(i), want.scores().get(i + 1)));
      if (!nearTie) {
        assertEquals(want.labels().get(i), label, name + " rank " + i);
      }
    }
  }

  private static boolean close(float a, float b) {
    return Math.abs(a - b) <= 1e-4f * Math.max(Math.abs(a), Math.abs(b));
  }

  @Test
  void corruptFilesGetErrorRowsAndTheJobFinishes() {
    List<Row> rows = Bnn4jClassifier.fromPath(TestData.MODEL.toString()).setBatchSize(5)
        .transform(files(mixed)).select("path", "label", "score", "top_k", "error")
        .collectAsList();

    assertEquals(mixedExpected.size() + BAD.size(), rows.size());
    for (Row r : rows) {
      String name = TestData.fileName(r.getString(0));
      if (BAD.contains(name)) {
        assertNull(r.get(1), name);
        assertNull(r.get(2), name);
        assertNull(r.get(3), name);
        assertNotNull(r.get(4), name);
        assertTrue(r.getString(4).contains(name), r.getString(4));
      } else {
        assertNull(r.get(4), name);
        assertEquals(mixedExpected.get(name).label(), r.getString(1), name);
        assertTopK(mixedExpected.get(name), r.getList(3), name);
      }
    }
  }

  @Test
  void failFastFailsTheJobNamingTheFile() {
    Dataset<Row> out = Bnn4jClassifier.fromBytes(model).setFailFast(true)
        .transform(files(mixed).filter("path like '%noise.png'"));
    Exception e = assertThrows(Exception.class, out::collectAsList);
    String messages = "";
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages += t.getMessage() + "\n";
    }
    assertTrue(messages.contains("noise.png: not a PNG, JPEG, BMP or GIF image"), messages);
  }

  @Test
  void floatArraysGiveTheImagesLabelsAndWrongLengthsAnError() throws IOException {
    LoadedModel m = LoadedModel.of(model);
    List<Row> in = new ArrayList<>();
    Map<String, String> want = new HashMap<>();
    for (String name : List.of("digit_0.png", "digit_3.jpg", "digit_7.bmp")) {
      float[] x = m.imageDecoder.apply(Files.readAllBytes(mixed.resolve(name)), name)
          .toFloatArray();
      Float[] values = new Float[x.length];
      for (int i = 0; i < x.length; i++) {
        values[i] = x[i];
      }
      in.add(RowFactory.create(name, values));
      want.put(name, mixedExpected.get(name).label());
    }
    in.add(RowFactory.create("short", new Float[] {1f, 2f, 3f}));
    in.add(RowFactory.create("null", null));
    StructType schema = new StructType().add("id", DataTypes.StringType)
        .add("pixels", DataTypes.createArrayType(DataTypes.FloatType));
    Dataset<Row> df = spark.createDataFrame(in, schema);

    List<Row> rows = Bnn4jClassifier.fromBytes(model).setInputCol("pixels").setPathCol("id")
        .setLogitsCol("logits").setTopK(10).transform(df)
        .select("id", "label", "logits", "top_k", "error").collectAsList();

    assertEquals(5, rows.size());
    for (Row r : rows) {
      String id = r.getString(0);
      if (want.containsKey(id)) {
        assertEquals(want.get(id), r.getString(1), id);
        assertEquals(10, r.getList(2).size(), id);
        assertEquals(10, r.getList(3).size(), id);
        assertNull(r.get(4), id);
      } else {
        assertNull(r.get(1), id);
        assertTrue(r.getString(4).startsWith(id + ": column 'pixels' "), r.getString(4));
      }
    }
    assertTrue(rows.stream().anyMatch(r -> r.getString(4) != null
        && r.getString(4).contains("has 3 values, expected 784")));
  }

  @Test
  void aBadModelOrColumnFailsOnTheDriverWithAClearMessage() {
    Dataset<Row> df = files(mixed);
    assertThrows(ModelFormatException.class,
        () -> Bnn4jClassifier.fromBytes(new byte[] {1, 2, 3}).transform(df));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Bnn4jClassifier.fromBytes(model).setInputCol("length").transform(df));
    assertTrue(e.getMessage().contains("'length' is bigint, expected binary"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Bnn4jClassifier.fromBytes(model).setLabelCol("path").transform(df));
    assertTrue(e.getMessage().contains("'path' exists already"), e.getMessage());
  }

  @Test
  void theCommandWritesEachFormat() throws IOException {
    for (String format : List.of("parquet", "csv", "json")) {
      Path out = tmp.resolve("out-" + format);
      List<String> args = new ArrayList<>(List.of("classify", "--model",
          TestData.MODEL.toString(), "--output", out.toString(), "--format", format));
      switch (format) {
        case "parquet" -> args.addAll(List.of("--input", mixed.toString(), "--partitions", "3"));
        // A glob of good files only: json must still write the (all null) error column.
        case "json" -> args.addAll(List.of("--input", mixed + "/digit_*"));
        default -> args.addAll(List.of("--input", mixed.toString()));
      }
      StringWriter stdout = new StringWriter();
      StringWriter stderr = new StringWriter();
      int code = Bnn4jSparkCli.execute(args.toArray(String[]::new), new PrintWriter(stdout),
          new PrintWriter(stderr));
      assertEquals(0, code, stderr.toString());
      boolean allGood = format.equals("json");
      int files = mixedExpected.size() + (allGood ? 0 : BAD.size());
      int errors = allGood ? 0 : BAD.size();
      assertTrue(stdout.toString().startsWith("classified " + files + " files (" + errors
          + " with errors)"), stdout.toString());

      List<Row> rows = spark.read().option("header", "true").format(format)
          .load(out.toString()).select("path", "label", "top_k", "error").collectAsList();
      assertEquals(files, rows.size(), format);
      for (Row r : rows) {
        String name = TestData.fileName(r.getString(0));
        if (BAD.contains(name)) {
          assertTrue(r.getString(3).contains(name), format + ": " + r.getString(3));
        } else {
          TestData.Prediction want = mixedExpected.get(name);
          assertEquals(want.label(), r.getString(1), format + ": " + name);
          if (format.equals("csv")) {
            String[] first = r.getString(2).split(";")[0].split(":");
            assertEquals(want.label(), first[0], r.getString(2));
            assertScore(want.scores().get(0), Float.parseFloat(first[1]), name);
          } else {
            assertEquals(3, r.getList(2).size(), format + ": " + name);
          }
        }
      }
    }
  }

  @Test
  void theCommandReportsUsageAndInputErrorsInOneLine() throws IOException {
    StringWriter err = new StringWriter();
    int code = Bnn4jSparkCli.execute(new String[] {"classify", "--input", mixed.toString(),
        "--output", tmp.resolve("x").toString(), "--format", "xml"}, new PrintWriter(
        new StringWriter()), new PrintWriter(err));
    assertEquals(2, code, err.toString());

    Path notAModel = Files.writeString(tmp.resolve("model.bnn"), "nope",
        StandardCharsets.US_ASCII);
    err = new StringWriter();
    code = Bnn4jSparkCli.execute(new String[] {"classify", "--model", notAModel.toString(),
        "--input", mixed.toString(), "--output", tmp.resolve("y").toString()},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertEquals(1, code, err.toString());
    assertTrue(err.toString().startsWith("error: ") && err.toString().strip().lines().count() == 1,
        err.toString());
  }
}
