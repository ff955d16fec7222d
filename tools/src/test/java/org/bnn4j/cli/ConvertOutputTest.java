package org.bnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.bnn4j.InputSpec;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.cli.OnnxBackendCasesTest.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What convert writes: normal permissions, and a .bnn input re-stamped with new metadata. */
class ConvertOutputTest {
  private static final Path SAMPLE = MnistModelTest.repo().resolve(
      "examples/sample/bireal-resnet.onnx");

  @Test
  void outputGetsTheUsersDefaultPermissionsOrKeepsTheTargets(@TempDir Path tmp)
      throws Exception {
    Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews()
        .contains("posix"), "skipped: not a POSIX file system");
    Path out = tmp.resolve("m.bnn");
    Cli c = OnnxBackendCasesTest.cli("convert", SAMPLE.toString(), "-o", out.toString());
    assertEquals(0, c.code(), c.err());
    // A file the user creates in the same folder gets 0666 less the umask: so must the model.
    Path plain = Files.createFile(tmp.resolve("plain"));
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out));
    assertTrue(Files.getPosixFilePermissions(out).contains(PosixFilePermission.OWNER_READ));
    // Converting over an existing file keeps that file's permissions.
    Set<PosixFilePermission> custom = PosixFilePermissions.fromString("rw-r-----");
    Files.setPosixFilePermissions(out, custom);
    c = OnnxBackendCasesTest.cli("convert", SAMPLE.toString(), "-o", out.toString());
    assertEquals(0, c.code(), c.err());
    assertEquals(custom, Files.getPosixFilePermissions(out));
    try (var files = Files.list(tmp)) {
      assertEquals(2, files.count(), "a temporary file was left behind");
    }
  }

  @Test
  void aBnnInputKeepsItsGraphAndGetsTheNewMetadata(@TempDir Path tmp) {
    Path first = tmp.resolve("first.bnn");
    Path second = tmp.resolve("second.bnn");
    assertEquals(0, OnnxBackendCasesTest.cli("convert", SAMPLE.toString(), "-o",
        first.toString(), "--color", "RGB").code());
    Cli c = OnnxBackendCasesTest.cli("convert", first.toString(), "-o", second.toString(),
        "--background", "light", "--fit", "pad", "--name", "restamped");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("graph kept as it is"), c.out());
    try (Model a = Model.load(first); Model b = Model.load(second);
         Session sa = a.newSession(); Session sb = b.newSession()) {
      InputSpec spec = b.inputSpec(b.inputNames().get(0));
      assertEquals("restamped", b.metadata().name());
      assertEquals(InputSpec.Background.LIGHT, spec.background());
      assertEquals(InputSpec.Fit.PAD, spec.fit());
      assertEquals(InputSpec.ColorMode.RGB, spec.colorMode()); // kept from the first convert
      int[] shape = a.inputShape(a.inputNames().get(0));
      float[] x = new float[1 * 3 * 32 * 32];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.sin(i * 0.37);
      }
      assertArrayEquals(sa.run(Tensor.of(x, shape)).toFloatArray(),
          sb.run(Tensor.of(x, shape)).toFloatArray());
    }
    Cli inspect = OnnxBackendCasesTest.cli("inspect", second.toString());
    assertTrue(inspect.out().contains("background LIGHT fit PAD"), inspect.out());
  }

  /**
   * The bundled models were written by earlier releases of the writer: a convert that changes no
   * option must give back exactly the file it read, metadata and all.
   */
  @Test
  void aBnnInputWithoutOptionsIsWrittenBackByteForByte(@TempDir Path tmp) throws Exception {
    for (String name : new String[] {"mnist-ws.bnn", "fashion-ws.bnn"}) {
      Path bundled = MnistModelTest.repo().resolve("tools/src/main/resources/models/" + name);
      Path out = tmp.resolve(name);
      Cli c = OnnxBackendCasesTest.cli("convert", bundled.toString(), "-o", out.toString());
      assertEquals(0, c.code(), c.err());
      assertArrayEquals(Files.readAllBytes(bundled), Files.readAllBytes(out), name);
    }
  }
}
