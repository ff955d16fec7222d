package org.bnn4j.runtime;

import java.util.Arrays;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.ElementType;

/**
 * Where an op's input or output lives at run time: a constant array bound at load, or a region
 * of a session arena whose offset the memory plan assigns. Ops resolve the array with {@link
 * #floats(float[])} on each run, so the same op reads a constant or an activation alike.
 *
 * <p>Offsets are assigned once, while the model is compiled, and never change afterwards.
 */
public final class Operand {

  /** Storage class of an operand. */
  public enum Kind {
    /** Float activation in the session's float arena. */
    FLOAT_ARENA,
    /** BITS activation (packed 64-bit words) in the session's word arena. */
    WORD_ARENA,
    /** Constant tensor, bound at load. */
    CONSTANT
  }

  private final String name;
  private final ValueType type;
  private final Kind kind;
  private final float[] constFloats;
  private final long[] constLongs;
  private final int size;
  /** Words of the sign bits of a bits activation that may hold zeros; -1 otherwise. */
  private final int zeroStride;
  private int offset = -1;

  private Operand(String name, ValueType type, Kind kind, float[] constFloats, long[] constLongs,
      int size) {
    this(name, type, kind, constFloats, constLongs, size, -1);
  }

  private Operand(String name, ValueType type, Kind kind, float[] constFloats, long[] constLongs,
      int size, int zeroStride) {
    this.name = name;
    this.type = type;
    this.kind = kind;
    this.constFloats = constFloats;
    this.constLongs = constLongs;
    this.size = size;
    this.zeroStride = zeroStride;
    if (kind == Kind.CONSTANT) {
      offset = 0;
    }
  }

  /** An activation in the float or word arena, per its type; offset assigned later. */
  static Operand activation(String name, ValueType type) {
    if (type.type() == ElementType.FLOAT32) {
      return new Operand(name, type, Kind.FLOAT_ARENA, null, null,
          Math.toIntExact(type.elementCount()));
    }
    if (type.type() == ElementType.BITS) {
      return new Operand(name, type, Kind.WORD_ARENA, null, null,
          Math.toIntExact(packedWords(type.dims())));
    }
    throw new IllegalArgumentException("value '" + name + "' has unsupported type " + type);
  }

  /**
   * A bits activation that may hold the zero state (see {@code ZeroStates}): its sign words,
   * then a zero mask of the same layout (bit 1 = the value is 0, and its sign bit is then 0),
   * then one flag word per image, nonzero when that image's zero mask was written because the
   * image met a zero. A flag of 0 means no zeros; the mask is then not read.
   */
  static Operand activationWithZeros(String name, ValueType type) {
    if (type.type() != ElementType.BITS) {
      throw new IllegalArgumentException("value '" + name + "' is not bits: " + type);
    }
    long words = packedWords(type.dims());
    long images = type.rank() >= 2 ? type.dims()[0] : 1;
    return new Operand(name, type, Kind.WORD_ARENA, null, null,
        Math.toIntExact(2 * words + images), Math.toIntExact(words));
  }

  /** True for a bits activation that may hold zeros (it carries a zero mask and flags). */
  public boolean mayHoldZeros() {
    return zeroStride >= 0;
  }

  /** Offset of the zero mask, {@link #mayHoldZeros} only. */
  public int zeroMaskOffset() {
    return offset() + zeroStride;
  }

  /** Offset of the per-image zero flags, {@link #mayHoldZeros} only. */
  public int zeroFlagOffset() {
    return offset() + 2 * zeroStride;
  }

  /** Scratch floats for one op, live only while it runs. */
  static Operand scratch(String name, int floats) {
    return new Operand(name, ValueType.float32(floats), Kind.FLOAT_ARENA, null, null, floats);
  }

  /** Scratch words (packed bits) for one op, live only while it runs. */
  static Operand scratchWords(String name, int words) {
    return new Operand(name, ValueType.bits(words, 64), Kind.WORD_ARENA, null, null, words);
  }

  static Operand constantFloats(String name, ValueType type, float[] data) {
    return new Operand(name, type, Kind.CONSTANT, data, null, data.length);
  }

  static Operand constantLongs(String name, ValueType type, long[] data) {
    return new Operand(name, type, Kind.CONSTANT, null, data, data.length);
  }

  /**
   * Words of a BITS activation with logical dims {@code [N, C, ...]}: packed along C (axis 1)
   * into {@code ceil(C / 64)} words per position, NHWC. Rank 1 packs its only axis.
   */
  public static long packedWords(int[] dims) {
    if (dims.length == 0) {
      return 1;
    }
    int packAxis = dims.length == 1 ? 0 : 1;
    long n = (dims[packAxis] + 63L) >>> 6;
    for (int i = 0; i < dims.length; i++) {
      if (i != packAxis) {
        n *= dims[i];
      }
    }
    return n;
  }

  public String name() {
    return name;
  }

  public ValueType type() {
    return type;
  }

  public int[] dims() {
    return type.dims();
  }

  public int rank() {
    return type.rank();
  }

  public Kind kind() {
    return kind;
  }

  public boolean isConstant() {
    return kind == Kind.CONSTANT;
  }

  /** Elements (floats) or words this operand occupies. */
  public int size() {
    return size;
  }

  /** Offset into the array returned by {@link #floats}/{@link #words}; 0 for constants. */
  public int offset() {
    if (offset < 0) {
      throw new IllegalStateException("operand '" + name + "' has no offset assigned");
    }
    return offset;
  }

  void assignOffset(int offset) {
    if (kind == Kind.CONSTANT) {
      throw new IllegalStateException("constant '" + name + "' lives in its own array");
    }
    this.offset = offset;
  }

  boolean hasOffset() {
    return offset >= 0;
  }

  /** The array holding this operand's floats: its constant data, or the session arena. */
  public float[] floats(float[] arena) {
    if (kind == Kind.CONSTANT) {
      return constFloats;
    }
    return arena;
  }

  /** The array holding this operand's words: its constant data, or the session word arena. */
  public long[] words(long[] wordArena) {
    if (kind == Kind.CONSTANT) {
      return constLongs;
    }
    return wordArena;
  }

  /** The constant float data (not copied), for ops that preprocess weights at load. */
  public float[] constantFloats() {
    if (constFloats == null) {
      throw new IllegalStateException("operand '" + name + "' is not a float constant");
    }
    return constFloats;
  }

  @Override
  public String toString() {
    return name + ":" + type + "@" + kind + (offset >= 0 ? "+" + offset : "") + " "
        + Arrays.toString(type.dims());
  }
}
