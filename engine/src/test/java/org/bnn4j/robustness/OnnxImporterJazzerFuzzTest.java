package org.bnn4j.robustness;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Jazzer target: {@link FuzzTargets#onnx}; run with {@code JAZZER_FUZZ=1} to fuzz, see
 * docs/ROBUSTNESS.md.
 *
 * <p>Enabled only when JAZZER_FUZZ is set: Jazzer's agent costs about 30 s to attach and
 * instruments every class in the shared test JVM, so plain {@code mvn test} replays the saved
 * inputs through {@link FuzzCorpusRegressionTest} instead, which checks the same property.
 */
@EnabledIfEnvironmentVariable(named = "JAZZER_FUZZ", matches = "[^0].*")
class OnnxImporterJazzerFuzzTest {
  @BeforeAll
  static void seedCorpus() throws IOException {
    FuzzCorpus.seedJazzer("onnx", OnnxImporterJazzerFuzzTest.class, "fuzzOnnxImporter");
  }

  @FuzzTest(maxDuration = "3m")
  void fuzzOnnxImporter(byte[] data) {
    FuzzTargets.onnx(data);
  }
}
