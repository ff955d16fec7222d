package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 1, 2, 3 and 4 threads give the reference ops' bits on Bi-Real stages at real shapes, fused and
 * unfused, also where this machine has fewer processors: the check runs in a JVM told it has 4
 * ({@code -XX:ActiveProcessorCount=4}), since sessions use at most one thread per processor.
 */
class ThreadCountTest {
  @Test
  void oneToFourThreadsGiveTheReferenceBits() throws Exception {
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:ActiveProcessorCount=4", "--add-modules", "jdk.incubator.vector", "-cp",
        System.getProperty("java.class.path"), ThreadCountProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the probe did not finish");
    }
    assertEquals("ok", out);
    assertEquals(0, p.exitValue());
  }
}
