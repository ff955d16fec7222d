package org.bnn4j.robustness;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.bnn4j.Bnn4jException;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.bnn4j.Session;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelFile;
import org.bnn4j.image.ImageInput;

/**
 * The three fuzz targets and their property, shared by the Jazzer {@code @FuzzTest}s and the
 * plain corpus replay in {@link FuzzCorpusRegressionTest}. The property: every input ends in a
 * result or a {@link Bnn4jException}; anything else escapes as a failure, and so does an input
 * that takes longer than {@link #TIME_BOUND_NANOS}. Limits are tightened so that no input may
 * ask for more than a few MiB.
 */
final class FuzzTargets {
  static final Limits LIMITS = new Limits(1 << 22, 10_000, 1 << 22, 1 << 22);
  static final ModelOptions OPTIONS = ModelOptions.defaults()
      .withMaxFileBytes(LIMITS.maxFileBytes()).withMaxNodes(LIMITS.maxNodes())
      .withMaxTensorElements(LIMITS.maxTensorElements());
  static final long TIME_BOUND_NANOS = 2_000_000_000L;
  /** Models that loaded run once on zeros when their working memory is at most this. */
  static final long MAX_RUN_BYTES = 16L << 20;

  /** Both specs use a background and a non-stretch fit, so fuzzing reaches that code too. */
  static final org.bnn4j.InputSpec RGB_SPEC = org.bnn4j.InputSpec.of("image", 1, 3, 8, 8)
      .withNormalization(java.util.List.of(0.5f), java.util.List.of(0.25f))
      .withBackground(org.bnn4j.InputSpec.Background.LIGHT)
      .withFit(org.bnn4j.InputSpec.Fit.PAD);
  static final org.bnn4j.InputSpec GRAY_SPEC = org.bnn4j.InputSpec.of("image", 1, 1, 5, 7)
      .withBackground(org.bnn4j.InputSpec.Background.DARK)
      .withFit(org.bnn4j.InputSpec.Fit.MNIST);
  static final org.bnn4j.image.ImageLimits IMAGE_LIMITS = new org.bnn4j.image.ImageLimits(
      LIMITS.maxFileBytes(), LIMITS.maxImagePixels());

  private static boolean warm;

  private FuzzTargets() {}

  /**
   * Runs one saved input per target untimed, so that class loading and (under Jazzer)
   * instrumentation are not charged to the first timed input.
   */
  private static synchronized void warmUp() {
    if (warm) {
      return;
    }
    warm = true;
    try {
      loadAndRun(java.nio.file.Files.readAllBytes(FuzzCorpus.files("bnn").getFirst()));
      loadAndRun(java.nio.file.Files.readAllBytes(FuzzCorpus.files("onnx").getFirst()));
      for (java.nio.file.Path f : FuzzCorpus.files("image")) {
        ImageInput.load(java.nio.file.Files.readAllBytes(f), RGB_SPEC, IMAGE_LIMITS);
      }
    } catch (java.io.IOException | Bnn4jException e) {
      // Only warming up; the timed run reports real problems.
    }
  }

  /**
   * .bnn reader: bytes that start with the magic are read as a whole file (envelope included);
   * anything else is taken as the protobuf payload and wrapped in a valid envelope, so that
   * mutations reach the decoder instead of stopping at the checksum.
   */
  static void bnn(byte[] data) {
    byte[] file = ModelFile.hasMagic(data) ? data : envelope(data);
    timed(() -> loadAndRun(file));
  }

  /** ONNX importer, via the same entry a user calls. Bytes with the .bnn magic are skipped. */
  static void onnx(byte[] data) {
    if (ModelFile.hasMagic(data)) {
      return;
    }
    timed(() -> loadAndRun(data));
  }

  /** Image decoding and preprocessing; the last bit of the length picks the spec. */
  static void image(byte[] data) {
    org.bnn4j.InputSpec spec = (data.length & 1) == 0 ? RGB_SPEC : GRAY_SPEC;
    timed(() -> {
      try {
        ImageInput.load(data, spec, IMAGE_LIMITS);
      } catch (Bnn4jException expected) {
        // A typed rejection is a correct outcome.
      }
    });
  }

  static byte[] envelope(byte[] payload) {
    ByteBuffer buf = ByteBuffer.allocate(24 + payload.length);
    buf.put(new byte[] {(byte) 0x89, 'B', 'N', 'N', '4', 'J', '\r', '\n'});
    buf.putInt(ModelFile.FORMAT_VERSION).putLong(payload.length).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, 20 + payload.length);
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  static void loadAndRun(byte[] bytes) {
    Model model;
    try {
      model = Model.load(bytes, OPTIONS);
    } catch (Bnn4jException expected) {
      return;
    }
    try (model) {
      if (model.sessionMemoryBytes() > MAX_RUN_BYTES) {
        return;
      }
      float[][] in = new float[model.inputNames().size()][];
      for (int i = 0; i < in.length; i++) {
        long n = elements(model.inputShape(model.inputNames().get(i)));
        if (n > 1 << 20) {
          return;
        }
        in[i] = new float[(int) n];
      }
      float[][] out = new float[model.outputNames().size()][];
      for (int i = 0; i < out.length; i++) {
        long n = elements(model.outputShape(model.outputNames().get(i)));
        if (n > 1 << 20) {
          return;
        }
        out[i] = new float[(int) n];
      }
      try (Session s = model.newSession()) {
        s.run(in, out);
      }
    }
  }

  private static long elements(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  /**
   * Runs {@code r} and fails when it takes over the bound twice in a row: a second try filters
   * out a one-off pause (JIT, GC, a busy shared machine) from an input that is really slow.
   */
  private static void timed(Runnable r) {
    warmUp();
    long t = elapsed(r);
    if (t > TIME_BOUND_NANOS) {
      t = Math.min(t, elapsed(r));
    }
    if (t > TIME_BOUND_NANOS) {
      throw new AssertionError("input took " + t / 1_000_000 + " ms, over the bound of "
          + TIME_BOUND_NANOS / 1_000_000 + " ms");
    }
  }

  private static long elapsed(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return System.nanoTime() - t0;
  }
}
