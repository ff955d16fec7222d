package org.bnn4j.cli;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.bnn4j.InvalidInputException;

/** MNIST-style IDX files (optionally gzipped): unsigned-byte images and labels. */
record IdxDataset(int count, int rows, int cols, byte[] pixels, byte[] labels) {
  /** Largest image data read, so a header cannot claim unbounded memory. */
  static final long MAX_PIXELS = 1L << 30;

  static IdxDataset read(Path images, Path labels) throws IOException {
    int[] imgHeader;
    byte[] pixels;
    try (DataInputStream in = open(images)) {
      imgHeader = header(in, images, 0x00000803, 3);
      long total = (long) imgHeader[0] * imgHeader[1] * imgHeader[2];
      if (total > MAX_PIXELS) {
        throw new InvalidInputException(images + ": header claims " + total
            + " pixels, over the limit of " + MAX_PIXELS);
      }
      pixels = readFully(in, (int) total, images);
    }
    byte[] labelBytes;
    try (DataInputStream in = open(labels)) {
      int[] h = header(in, labels, 0x00000801, 1);
      if (h[0] != imgHeader[0]) {
        throw new InvalidInputException(labels + " has " + h[0] + " labels, " + images + " has "
            + imgHeader[0] + " images");
      }
      labelBytes = readFully(in, h[0], labels);
    }
    return new IdxDataset(imgHeader[0], imgHeader[1], imgHeader[2], pixels, labelBytes);
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(p));
    if (p.getFileName().toString().endsWith(".gz")) {
      in = new GZIPInputStream(in);
    }
    return new DataInputStream(in);
  }

  private static int[] header(DataInputStream in, Path p, int magic, int dims) throws IOException {
    try {
      int m = in.readInt();
      if (m != magic) {
        throw new InvalidInputException(String.format(
            "%s: IDX magic is 0x%08x, expected 0x%08x", p, m, magic));
      }
      int[] h = new int[dims];
      for (int i = 0; i < dims; i++) {
        h[i] = in.readInt();
        if (h[i] < 0) {
          throw new InvalidInputException(p + ": IDX dimension " + i + " is " + h[i]);
        }
      }
      return h;
    } catch (EOFException e) {
      throw new InvalidInputException(p + ": IDX header is truncated");
    }
  }

  private static byte[] readFully(DataInputStream in, int n, Path p) throws IOException {
    byte[] b = new byte[n];
    try {
      in.readFully(b);
    } catch (EOFException e) {
      throw new InvalidInputException(p + ": IDX data is truncated, expected " + n + " bytes");
    }
    return b;
  }

  int label(int i) {
    return labels[i] & 0xff;
  }
}
