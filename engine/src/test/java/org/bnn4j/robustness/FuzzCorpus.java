package org.bnn4j.robustness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/** The saved fuzz inputs under {@code src/test/resources/fuzz/<target>/}: seeds and reproducers. */
final class FuzzCorpus {
  private FuzzCorpus() {}

  /** Every file of a target's corpus, sorted by name. */
  static List<Path> files(String target) {
    URL url = FuzzCorpus.class.getResource("/fuzz/" + target);
    if (url == null) {
      throw new IllegalStateException("no corpus resource /fuzz/" + target);
    }
    try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * When Jazzer fuzzes (JAZZER_FUZZ set), copies the saved inputs into the corpus directory it
   * starts from, {@code .cifuzz-corpus/<test class>/<method>/} in the module directory.
   */
  static void seedJazzer(String target, Class<?> testClass, String method) throws IOException {
    String fuzz = System.getenv("JAZZER_FUZZ");
    if (fuzz == null || fuzz.isEmpty() || fuzz.equals("0")) {
      return;
    }
    Path dir = Path.of(".cifuzz-corpus", testClass.getName(), method);
    Files.createDirectories(dir);
    for (Path f : files(target)) {
      Files.copy(f, dir.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
