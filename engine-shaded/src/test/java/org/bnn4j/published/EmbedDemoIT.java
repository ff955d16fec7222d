package org.bnn4j.published;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.bnn4j.cli.Bnn4jCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published jar as a user gets it: examples/embed (a separate application with {@code
 * requires org.bnn4j;} and its own protobuf-java 3.25.5) is compiled against the built
 * bnn4j-engine jar and run in a fresh JVM, once on the module path and once on the class path.
 * It classifies 8 example images as one batch from each of 8 threads; the labels must match what {@code bnn4j
 * classify} answers for the same files and the digit each file shows.
 */
class EmbedDemoIT {
  // Two black-on-white digits, so the demo must go through the model's stored preprocessing.
  private static final List<String> IMAGES = List.of("digit_0.png", "digit_1.png",
      "digit_2_inv.png", "digit_3.jpg", "digit_4.png", "digit_5_inv.png", "digit_6.png",
      "digit_7.bmp");
  private static final String APP_PROTOBUF = " RuntimeVersion=absent bytes=5";

  private static final Path ROOT = Path.of(System.getProperty("bnn4j.root"));
  private static final Path ENGINE_JAR = Path.of(System.getProperty("bnn4j.engine.jar"));
  private static final Path PROTOBUF3_JAR = Path.of(System.getProperty("bnn4j.protobuf3.jar"));
  private static final Path MODEL = ROOT.resolve("tools/src/main/resources/models/mnist-ws.bnn");

  @TempDir static Path classes;

  @BeforeAll
  static void compileTheDemo() throws IOException {
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(),
        "--module-path", ENGINE_JAR + File.pathSeparator + PROTOBUF3_JAR));
    try (Stream<Path> files = Files.walk(ROOT.resolve("examples/embed/src/main/java"))) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
    }
    StringWriter log = new StringWriter();
    int rc = ToolProvider.findFirst("javac").orElseThrow().run(
        new PrintWriter(log), new PrintWriter(log), args.toArray(String[]::new));
    assertEquals(0, rc, "javac failed:\n" + log);
  }

  @Test
  void theJarIsOneModuleExportingOnlyTheApi() throws IOException {
    Set<ModuleReference> found = ModuleFinder.of(ENGINE_JAR).findAll();
    assertEquals(1, found.size());
    ModuleDescriptor d = found.iterator().next().descriptor();
    assertEquals("org.bnn4j", d.name());
    assertFalse(d.isAutomatic());
    List<String> exported = d.exports().stream()
        .filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source).sorted().toList();
    assertEquals(List.of("org.bnn4j", "org.bnn4j.image"), exported);
    assertTrue(d.packages().contains("org.bnn4j.internal.shaded.protobuf"), d.packages()::toString);
    try (JarFile jar = new JarFile(ENGINE_JAR.toFile())) {
      assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("com/google/")),
          "protobuf must be relocated, not copied as it is");
    }
  }

  @Test
  void onTheModulePathWithProtobuf3() throws Exception {
    String modulePath = String.join(File.pathSeparator,
        classes.toString(), ENGINE_JAR.toString(), PROTOBUF3_JAR.toString());
    Map<String, String> labels = runDemo(List.of("--module-path", modulePath,
        "-m", "com.example.embed/com.example.embed.EmbedDemo"),
        "com.google.protobuf@3.25.5" + APP_PROTOBUF);
    assertSameAsClassify(labels);
  }

  @Test
  void onTheClassPathWithProtobuf3() throws Exception {
    String classPath = String.join(File.pathSeparator,
        classes.toString(), ENGINE_JAR.toString(), PROTOBUF3_JAR.toString());
    Map<String, String> labels = runDemo(List.of("-cp", classPath,
        "com.example.embed.EmbedDemo"), "class path" + APP_PROTOBUF);
    assertSameAsClassify(labels);
  }

  /** Runs the demo in a new JVM; returns its labels by file name. */
  private static Map<String, String> runDemo(List<String> launch, String expectedProtobuf)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC"));
    cmd.addAll(launch);
    cmd.add(MODEL.toString());
    IMAGES.forEach(f -> cmd.add(ROOT.resolve("examples").resolve(f).toString()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "demo did not finish");
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), stdout);
    List<String> lines = stdout.lines().toList();
    assertEquals("protobuf " + expectedProtobuf, lines.get(0),
        "the application sees its own protobuf-java 3.25.5");
    Map<String, String> labels = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(" ");
      labels.put(f[0], f[1]);
    }
    return labels;
  }

  /** Compares with `bnn4j classify` on the same files, and with the digits they show. */
  private static void assertSameAsClassify(Map<String, String> demo) {
    assertEquals(IMAGES, List.copyOf(demo.keySet()));
    assertEquals(classify(), demo, "labels of the embedded demo vs bnn4j classify");
    for (String f : IMAGES) {
      assertEquals(f.substring("digit_".length(), "digit_".length() + 1), demo.get(f),
          "the digit " + f + " shows");
    }
  }

  private static Map<String, String> classifyLabels;

  /** Top-1 labels of {@code bnn4j classify} run in-process on IMAGES, by file name; once. */
  private static synchronized Map<String, String> classify() {
    if (classifyLabels != null) {
      return classifyLabels;
    }
    List<String> args = new ArrayList<>(List.of("classify"));
    IMAGES.forEach(f -> args.add(ROOT.resolve("examples").resolve(f).toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = Bnn4jCli.execute(args.toArray(String[]::new), new PrintWriter(out, true),
        new PrintWriter(err, true));
    assertEquals(0, rc, err.toString());
    // Output per file: a header line naming it, then "  1. LABEL  SCORE" for the top class.
    Map<String, String> classify = new LinkedHashMap<>();
    String file = null;
    for (String line : out.toString().lines().toList()) {
      if (!line.startsWith(" ")) {
        file = Path.of(line.split("\\s+")[0]).getFileName().toString();
      } else if (line.strip().startsWith("1. ")) {
        classify.put(file, line.strip().split("\\s+")[1]);
      }
    }
    classifyLabels = Map.copyOf(classify);
    return classifyLabels;
  }
}
