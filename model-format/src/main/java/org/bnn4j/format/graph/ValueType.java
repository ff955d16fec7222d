package org.bnn4j.format.graph;

import java.util.Arrays;

/** The static type of a graph value: element type and logical dims. */
public record ValueType(ElementType type, int[] dims) {

  public ValueType {
    dims = dims.clone();
  }

  public static ValueType float32(int... dims) {
    return new ValueType(ElementType.FLOAT32, dims);
  }

  public static ValueType bits(int... dims) {
    return new ValueType(ElementType.BITS, dims);
  }

  @Override
  public int[] dims() {
    return dims.clone();
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int i) {
    return dims[i];
  }

  /** Element count as a long; callers have checked limits before building the type. */
  public long elementCount() {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ValueType v && v.type == type && Arrays.equals(v.dims, dims);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return (type == ElementType.BITS ? "bits" : type == ElementType.INT64 ? "int64" : "float")
        + Arrays.toString(dims);
  }
}
