package org.bnn4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.bnn4j.ModelFormatException;

/**
 * How a task finds its model: the bytes broadcast from the driver (fetched once per executor
 * by Spark), or a path every executor reads itself through Hadoop's {@code FileSystem} ({@code
 * file:}, {@code hdfs:}, {@code s3a:} ..., with the executor's default Hadoop configuration).
 */
abstract sealed class ModelRef implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Models larger than this are refused before their bytes are read (as the engine's limit). */
  static final long MAX_MODEL_BYTES = 1L << 30;

  /** The model, from this JVM's cache when it holds it already. */
  abstract LoadedModel load();

  /** Broadcast bytes; the key (their SHA-256, computed on the driver) finds the cached model. */
  static final class Broadcasted extends ModelRef {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final Broadcast<byte[]> bytes;

    Broadcasted(String key, Broadcast<byte[]> bytes) {
      this.key = key;
      this.bytes = bytes;
    }

    @Override
    LoadedModel load() {
      return LoadedModel.get(key, bytes::value);
    }
  }

  /** A path read by each task (a few KB to MB); the model itself is cached by content. */
  static final class AtPath extends ModelRef {
    private static final long serialVersionUID = 1L;
    private final String path;

    AtPath(String path) {
      this.path = path;
    }

    @Override
    LoadedModel load() {
      return LoadedModel.of(read(path));
    }

    static byte[] read(String path) {
      Path p = new Path(path);
      try {
        FileSystem fs = p.getFileSystem(new Configuration());
        long len = fs.getFileStatus(p).getLen();
        if (len > MAX_MODEL_BYTES) {
          throw new ModelFormatException(path + " is " + len + " bytes, over the limit of "
              + MAX_MODEL_BYTES + " for a model");
        }
        try (InputStream in = fs.open(p)) {
          return in.readAllBytes();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read model " + path + ": " + e.getMessage(), e);
      }
    }
  }
}
