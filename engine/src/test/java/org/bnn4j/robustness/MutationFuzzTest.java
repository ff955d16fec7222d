package org.bnn4j.robustness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A bounded random-mutation fuzzer over the saved corpora, run as a plain JUnit test. Jazzer
 * 0.24 attaches on JDK 25 but its bytecode library rejects class file version 69, so it gets no
 * coverage feedback here (see docs/ROBUSTNESS.md); this loop is the fuzzer that actually runs.
 *
 * <p>Each iteration picks a seed file and applies one to four mutations: bit flips, byte
 * overwrites with boundary values, insertions, deletions, duplicated ranges, truncation and
 * splices with another seed. The random seed is fixed, so a run is reproducible for the same
 * iteration count. Time per target: {@code -Dbnn4j.fuzz.seconds} (default 5); iterations:
 * {@code -Dbnn4j.fuzz.iterations} (default unbounded). A failing input is written to {@code
 * target/fuzz-findings/} to be added to {@code src/test/resources/fuzz/<target>/}.
 */
class MutationFuzzTest {
  private static final long SEED = 0xB114_0001L;
  private static final byte[] INTERESTING = {0, 1, -1, 0x7f, (byte) 0x80, 0x40, 0x3f, 2, 8, 16};

  @Test
  void bnnReader() throws IOException {
    fuzz("bnn", FuzzTargets::bnn);
  }

  @Test
  void onnxImporter() throws IOException {
    fuzz("onnx", FuzzTargets::onnx);
  }

  @Test
  void imageInput() throws IOException {
    fuzz("image", FuzzTargets::image);
  }

  private static void fuzz(String target, Consumer<byte[]> property) throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    for (Path f : FuzzCorpus.files(target)) {
      seeds.add(Files.readAllBytes(f));
    }
    long seconds = Long.getLong("bnn4j.fuzz.seconds", 5);
    long maxIterations = Long.getLong("bnn4j.fuzz.iterations", Long.MAX_VALUE);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Random rnd = new Random(SEED ^ target.hashCode());
    long n = 0;
    while (n < maxIterations && System.nanoTime() < deadline) {
      byte[] input = mutate(seeds, rnd);
      n++;
      try {
        property.accept(input);
      } catch (Throwable t) {
        Path dir = Path.of("target", "fuzz-findings");
        Files.createDirectories(dir);
        Path saved = dir.resolve(target + "-" + n + ".bin");
        Files.write(saved, input);
        throw new AssertionError(target + " input " + n + " (saved to " + saved + ") threw "
            + t, t);
      }
    }
    System.out.println("[fuzz] " + target + ": " + n + " inputs in " + seconds
        + " s, no failures");
  }

  static byte[] mutate(List<byte[]> seeds, Random rnd) {
    byte[] b = seeds.get(rnd.nextInt(seeds.size())).clone();
    int ops = 1 + rnd.nextInt(4);
    for (int k = 0; k < ops; k++) {
      int len = b.length;
      switch (rnd.nextInt(8)) {
        case 0 -> { // flip one bit
          if (len > 0) {
            b[rnd.nextInt(len)] ^= (byte) (1 << rnd.nextInt(8));
          }
        }
        case 1 -> { // overwrite with a boundary value
          if (len > 0) {
            b[rnd.nextInt(len)] = INTERESTING[rnd.nextInt(INTERESTING.length)];
          }
        }
        case 2 -> { // overwrite a run with random bytes
          if (len > 0) {
            int at = rnd.nextInt(len);
            for (int i = at; i < Math.min(len, at + 1 + rnd.nextInt(8)); i++) {
              b[i] = (byte) rnd.nextInt(256);
            }
          }
        }
        case 3 -> { // insert random bytes
          int at = rnd.nextInt(len + 1);
          byte[] ins = new byte[1 + rnd.nextInt(16)];
          rnd.nextBytes(ins);
          b = splice(b, at, at, ins);
        }
        case 4 -> { // delete a range
          if (len > 0) {
            int at = rnd.nextInt(len);
            b = splice(b, at, Math.min(len, at + 1 + rnd.nextInt(32)), new byte[0]);
          }
        }
        case 5 -> { // truncate
          b = Arrays.copyOf(b, rnd.nextInt(len + 1));
        }
        case 6 -> { // duplicate a range
          if (len > 0) {
            int at = rnd.nextInt(len);
            int end = Math.min(len, at + 1 + rnd.nextInt(64));
            b = splice(b, end, end, Arrays.copyOfRange(b, at, end));
          }
        }
        default -> { // splice: head of this input, tail of another seed
          byte[] other = seeds.get(rnd.nextInt(seeds.size()));
          int cut = rnd.nextInt(len + 1);
          int from = rnd.nextInt(other.length + 1);
          b = splice(b, cut, len, Arrays.copyOfRange(other, from, other.length));
        }
      }
    }
    return b;
  }

  private static byte[] splice(byte[] b, int from, int to, byte[] ins) {
    byte[] out = new byte[b.length - (to - from) + ins.length];
    System.arraycopy(b, 0, out, 0, from);
    System.arraycopy(ins, 0, out, from, ins.length);
    System.arraycopy(b, to, out, from + ins.length, b.length - to);
    return out;
  }
}
