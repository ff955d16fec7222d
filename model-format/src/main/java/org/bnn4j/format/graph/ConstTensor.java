package org.bnn4j.format.graph;

import java.util.Arrays;

/**
 * A constant tensor. FLOAT32 data lives in {@code floats}; INT64 data and BITS words live in
 * {@code longs}. For BITS, dims are logical [rows..., channels] and each row holds
 * {@code wordsPerRow(channels)} words (see the BIT CONVENTION in bnn4j_model.proto).
 */
public final class ConstTensor {
  /** Element type and logical dims; the dims-reading methods below read them from here. */
  private final ValueType valueType;
  private final float[] floats;
  private final long[] longs;

  private ConstTensor(ElementType type, int[] dims, float[] floats, long[] longs) {
    this.valueType = new ValueType(type, dims);
    this.floats = floats;
    this.longs = longs;
  }

  public static ConstTensor ofFloats(int[] dims, float[] data) {
    checkCount("float", dims, data.length);
    return new ConstTensor(ElementType.FLOAT32, dims, data, null);
  }

  public static ConstTensor ofInt64(int[] dims, long[] data) {
    checkCount("int64", dims, data.length);
    return new ConstTensor(ElementType.INT64, dims, null, data);
  }

  private static void checkCount(String kind, int[] dims, int length) {
    if (length != count(dims)) {
      throw new IllegalArgumentException(kind + " tensor " + Arrays.toString(dims) + " needs "
          + count(dims) + " values, got " + length);
    }
  }

  public static ConstTensor ofBits(int[] dims, long[] words) {
    if (dims.length == 0) {
      throw new IllegalArgumentException("bit tensor needs at least one dim");
    }
    if (words.length != packedWordCount(dims)) {
      throw new IllegalArgumentException(
          "bit tensor " + Arrays.toString(dims) + " needs " + packedWordCount(dims)
              + " words, got " + words.length);
    }
    return new ConstTensor(ElementType.BITS, dims, null, words);
  }

  /** Words per row of {@code channels} bits. */
  public static int wordsPerRow(int channels) {
    return (channels + 63) >>> 6;
  }

  /** Words needed for a BITS tensor of these logical dims. */
  public static long packedWordCount(int[] dims) {
    long rows = 1;
    for (int i = 0; i < dims.length - 1; i++) {
      rows *= dims[i];
    }
    return rows * wordsPerRow(dims[dims.length - 1]);
  }

  private static long count(int[] dims) {
    return new ValueType(ElementType.FLOAT32, dims).elementCount();
  }

  public ElementType type() {
    return valueType.type();
  }

  public int[] dims() {
    return valueType.dims();
  }

  public int rank() {
    return valueType.rank();
  }

  public int dim(int i) {
    return valueType.dim(i);
  }

  public long elementCount() {
    return valueType.elementCount();
  }

  /** The float data, not copied: callers must not modify it. */
  public float[] floats() {
    if (type() != ElementType.FLOAT32) {
      throw new IllegalStateException("not a float tensor: " + type());
    }
    return floats;
  }

  /** The int64 data or BITS words, not copied: callers must not modify it. */
  public long[] longs() {
    if (type() == ElementType.FLOAT32) {
      throw new IllegalStateException("not an int64 or bits tensor");
    }
    return longs;
  }

  public ValueType valueType() {
    return valueType;
  }

  /** Bytes this tensor takes in a model file. */
  public long storageBytes() {
    return type() == ElementType.FLOAT32 ? 4L * floats.length : 8L * longs.length;
  }
}
