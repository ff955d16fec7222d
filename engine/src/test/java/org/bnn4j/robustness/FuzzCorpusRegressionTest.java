package org.bnn4j.robustness;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every saved fuzz input (seeds and the reproducers of fixed crashes) through its target's
 * property, without Jazzer, so a plain {@code mvn test} keeps every past finding fixed.
 */
class FuzzCorpusRegressionTest {

  @TestFactory
  Stream<DynamicTest> bnnCorpus() {
    return replay("bnn", FuzzTargets::bnn);
  }

  @TestFactory
  Stream<DynamicTest> onnxCorpus() {
    return replay("onnx", FuzzTargets::onnx);
  }

  @TestFactory
  Stream<DynamicTest> imageCorpus() {
    return replay("image", FuzzTargets::image);
  }

  private static Stream<DynamicTest> replay(String target, Consumer<byte[]> property) {
    List<Path> files = FuzzCorpus.files(target);
    assertFalse(files.isEmpty(), "corpus fuzz/" + target + " is empty");
    return files.stream().map(f -> DynamicTest.dynamicTest(target + "/" + f.getFileName(),
        () -> property.accept(Files.readAllBytes(f))));
  }
}
