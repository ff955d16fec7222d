package org.bnn4j.format;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32C;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.proto.Model;

/**
 * Reads and writes .bnn files: a protobuf {@link Model} inside a checksummed envelope.
 *
 * <pre>
 * offset  size  field
 * 0       8     magic 0x89 'B' 'N' 'N' '4' 'J' '\r' '\n'
 * 8       4     format version, big-endian
 * 12      8     payload length, big-endian
 * 20      n     payload: the Model message
 * 20+n    4     CRC32C of bytes [0, 20+n), big-endian
 * </pre>
 *
 * The magic's high byte and CR LF catch files mangled by text-mode transfers, as PNG's do.
 */
public final class ModelFile {
  static final byte[] MAGIC = {(byte) 0x89, 'B', 'N', 'N', '4', 'J', '\r', '\n'};
  public static final int FORMAT_VERSION = 1;
  public static final int MIN_SUPPORTED_VERSION = 1;
  public static final int MAX_SUPPORTED_VERSION = 1;
  static final int HEADER_BYTES = 20;
  static final int FOOTER_BYTES = 4;

  private ModelFile() {}

  /** True when the bytes start with the .bnn magic. */
  public static boolean hasMagic(byte[] bytes) {
    if (bytes.length < MAGIC.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes[i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /** Wraps the model in the envelope. */
  public static byte[] toBytes(Model model) {
    byte[] payload = model.toByteArray();
    ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + payload.length + FOOTER_BYTES)
        .order(ByteOrder.BIG_ENDIAN);
    buf.put(MAGIC).putInt(FORMAT_VERSION).putLong(payload.length).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, HEADER_BYTES + payload.length);
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /**
   * Writes atomically: to a temporary file beside the target, then a rename, so a crash never
   * leaves a half-written model under the target's name.
   */
  public static void write(Model model, Path target) throws IOException {
    writeBytes(toBytes(model), target);
  }

  /**
   * Writes finished file bytes atomically, as {@link #write}: into a new file beside the target,
   * then renamed over it. The new file is created with the process's default permissions (0666
   * less the umask), not a temporary file's 0600, so other accounts can read the model as they
   * could any file the user writes; when the target exists, its POSIX permissions are kept.
   */
  public static void writeBytes(byte[] fileBytes, Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    Path tmp = null;
    java.io.OutputStream out = null;
    for (int attempt = 0; out == null; attempt++) {
      tmp = abs.resolveSibling("." + abs.getFileName() + "."
          + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
      try {
        out = Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
    try {
      try (java.io.OutputStream o = out) {
        o.write(fileBytes);
      }
      keepPermissions(abs, tmp);
      try {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void keepPermissions(Path existing, Path fresh) throws IOException {
    if (!Files.exists(existing)) {
      return;
    }
    try {
      Files.setPosixFilePermissions(fresh, Files.getPosixFilePermissions(existing));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the new file keeps the defaults.
    }
  }

  /** Reads a whole file, refusing one over the limit before reading it. */
  public static byte[] readBounded(Path path, Limits limits) throws IOException {
    long size = Files.size(path);
    if (size > limits.maxFileBytes()) {
      throw new ModelFormatException("model file " + path + " is " + size
          + " bytes, over the limit of " + limits.maxFileBytes() + " (maxFileBytes)");
    }
    return readBounded(Files.newInputStream(path), limits);
  }

  /** Reads a stream to its end, failing once it passes the file-size limit. */
  public static byte[] readBounded(InputStream in, Limits limits) throws IOException {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[1 << 16];
      long total = 0;
      int n;
      while ((n = in.read(chunk)) > 0) {
        total += n;
        if (total > limits.maxFileBytes()) {
          throw new ModelFormatException("model stream is over the limit of "
              + limits.maxFileBytes() + " bytes (maxFileBytes)");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    }
  }

  /** Checks the envelope and parses the payload. Graph contents are checked by GraphValidator. */
  public static Model parse(byte[] bytes, Limits limits) {
    if (bytes.length > limits.maxFileBytes()) {
      throw new ModelFormatException("model is " + bytes.length
          + " bytes, over the limit of " + limits.maxFileBytes() + " (maxFileBytes)");
    }
    if (bytes.length < HEADER_BYTES + FOOTER_BYTES) {
      throw new ModelFormatException("not a .bnn model: " + bytes.length
          + " bytes, shorter than the " + (HEADER_BYTES + FOOTER_BYTES) + "-byte envelope");
    }
    if (!hasMagic(bytes)) {
      throw new ModelFormatException("not a .bnn model: bad magic, expected 89 42 4E 4E 34 4A 0D"
          + " 0A, found " + hex(bytes, 0, MAGIC.length));
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
    int version = buf.getInt(8);
    if (version < MIN_SUPPORTED_VERSION || version > MAX_SUPPORTED_VERSION) {
      throw new ModelFormatException("unsupported .bnn format version " + version
          + ", this bnn4j reads versions " + MIN_SUPPORTED_VERSION + " to "
          + MAX_SUPPORTED_VERSION);
    }
    long payloadLength = buf.getLong(12);
    long expected = bytes.length - HEADER_BYTES - FOOTER_BYTES;
    if (payloadLength != expected) {
      throw new ModelFormatException("truncated or padded .bnn model: header says payload is "
          + payloadLength + " bytes, file holds " + expected);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, HEADER_BYTES + (int) payloadLength);
    int stored = buf.getInt(HEADER_BYTES + (int) payloadLength);
    if (stored != (int) crc.getValue()) {
      throw new ModelFormatException(String.format(
          "corrupt .bnn model: CRC32C is %08x, header records %08x", (int) crc.getValue(), stored));
    }
    try {
      CodedInputStream cis = CodedInputStream.newInstance(bytes, HEADER_BYTES, (int) payloadLength);
      cis.setRecursionLimit(32);
      cis.setSizeLimit((int) payloadLength);
      Model model = Model.parseFrom(cis);
      cis.checkLastTagWas(0);
      return model;
    } catch (InvalidProtocolBufferException e) {
      throw new ModelFormatException("corrupt .bnn model payload: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ModelFormatException("unreadable .bnn model payload: " + e.getMessage(), e);
    }
  }

  private static String hex(byte[] b, int from, int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < from + len && i < b.length; i++) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02X", b[i] & 0xff));
    }
    return sb.toString();
  }
}
