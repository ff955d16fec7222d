package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java examples are ReadmeExamples' code, word for word, and they work. */
class ReadmeExamplesTest {
  private static final Path SOURCE = MnistModelTest.repo().resolve(
      "tools/src/test/java/org/bnn4j/cli/ReadmeExamples.java");

  /** The lines between the markers, with the method body's indentation removed. */
  static String example(String name) throws Exception {
    String src = Files.readString(SOURCE);
    Matcher m = Pattern.compile("(?s)// README-BEGIN " + name + "\n(.*?)\n\\s*// README-END "
        + name).matcher(src);
    assertTrue(m.find(), "no example " + name + " in " + SOURCE);
    StringBuilder out = new StringBuilder();
    for (String line : m.group(1).split("\n")) {
      out.append(line.startsWith("    ") ? line.substring(4) : line.strip()).append('\n');
    }
    return out.toString();
  }

  @Test
  void readmeShowsTheExamplesVerbatim() throws Exception {
    String readme = Files.readString(MnistModelTest.repo().resolve("README.md"));
    for (String name : List.of("threads", "batch")) {
      Matcher m = Pattern.compile("(?s)<!-- example: " + name + " [^>]*-->\n```java\n(.*?)```")
          .matcher(readme);
      assertTrue(m.find(), "README.md has no example block '" + name + "'");
      assertEquals(example(name), m.group(1), "README example '" + name
          + "' differs from ReadmeExamples.java; copy it over");
    }
  }

  @Test
  void examplesClassifyTheDigitsOnEightThreadsAndAsABatch(@TempDir Path tmp) throws Exception {
    MnistModelTest.requireBundledModel();
    Path model = tmp.resolve("mnist-ws.bnn");
    try (InputStream in = ReadmeExamplesTest.class.getResourceAsStream(
        ModelSource.DEFAULT_MODEL)) {
      Files.copy(in, model);
    }
    List<Path> images = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int d = 0; d < 8; d++) { // four white-on-black digits and four black-on-white ones
      images.add(MnistModelTest.repo().resolve("examples/digit_" + d
          + (d % 2 == 0 ? ".png" : "_inv.png")));
      expected.add(Integer.toString(d));
    }
    assertEquals(expected, ReadmeExamples.threads(model, images));
    List<String> batch = ReadmeExamples.batch(model, images);
    for (int i = 0; i < 8; i++) {
      assertTrue(batch.get(i).startsWith(expected.get(i) + " "), batch.get(i));
    }
  }
}
