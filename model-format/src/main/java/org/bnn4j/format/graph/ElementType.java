package org.bnn4j.format.graph;

/**
 * The element type of a graph value or constant. The same names and meanings as the file
 * format's {@code DataType} ({@code bnn4j_model.proto}); {@code ModelCodec} maps between the two,
 * so the graph does not depend on generated protobuf classes.
 */
public enum ElementType {
  /** IEEE 754 single precision. */
  FLOAT32,
  /**
   * Bit-packed +1/-1 values (bit 1 means -1), see the bit convention in {@code
   * bnn4j_model.proto}; dims are the logical, unpacked dims.
   */
  BITS,
  /** 64-bit signed integers (shapes and indices). */
  INT64
}
