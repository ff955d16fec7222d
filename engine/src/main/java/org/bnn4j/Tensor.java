package org.bnn4j;

import java.util.Arrays;
import java.util.Objects;

/**
 * A small immutable dense float tensor, row-major. Its data is copied in on creation and copied
 * out by {@link #toFloatArray()}, so a tensor never changes and may be shared between threads.
 */
public final class Tensor {
  private final float[] data;
  private final int[] shape;

  private Tensor(float[] data, int[] shape) {
    this.data = data;
    this.shape = shape;
  }

  /**
   * A tensor of the given shape holding a copy of {@code data}. A shape of no dims is a scalar
   * (one element).
   *
   * @param data the values, row-major; copied
   * @param dims the shape
   * @return the tensor
   * @throws InvalidInputException when a dim is negative or the element count is not {@code
   *     data.length}
   */
  public static Tensor of(float[] data, int... dims) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(dims, "dims");
    long n = elementCount(dims);
    if (n != data.length) {
      throw new InvalidInputException("shape " + Arrays.toString(dims) + " holds " + n
          + " elements, data has " + data.length);
    }
    return new Tensor(data.clone(), dims.clone());
  }

  /**
   * A tensor of zeros.
   *
   * @param dims the shape
   * @return the tensor
   * @throws InvalidInputException when a dim is negative or the tensor is larger than an array
   */
  public static Tensor zeros(int... dims) {
    long n = elementCount(dims);
    if (n > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("shape " + Arrays.toString(dims) + " has " + n
          + " elements, more than one array holds");
    }
    return new Tensor(new float[(int) n], dims.clone());
  }

  /**
   * Joins tensors along their leading dim, for example n images of shape [1, C, H, W] into one
   * batch of shape [n, C, H, W]. Every tensor must have the same rank and the same dims after
   * the first.
   *
   * @param tensors the parts, in order
   * @return the joined tensor
   * @throws InvalidInputException when the list is empty, the shapes do not fit together or the
   *     result is larger than an array
   */
  public static Tensor concat(java.util.List<Tensor> tensors) {
    Objects.requireNonNull(tensors, "tensors");
    if (tensors.isEmpty()) {
      throw new InvalidInputException("concat needs at least one tensor");
    }
    int[] first = tensors.get(0).shape;
    if (first.length == 0) {
      throw new InvalidInputException("concat needs tensors of rank 1 or more, got a scalar");
    }
    long lead = 0;
    long total = 0;
    for (Tensor t : tensors) {
      Objects.requireNonNull(t, "tensor");
      if (t.shape.length != first.length
          || !Arrays.equals(t.shape, 1, t.shape.length, first, 1, first.length)) {
        throw new InvalidInputException("concat needs tensors that differ only in their leading"
            + " dim; got " + Arrays.toString(first) + " and " + Arrays.toString(t.shape));
      }
      lead += t.shape[0];
      total += t.data.length;
    }
    if (total > Integer.MAX_VALUE - 8 || lead > Integer.MAX_VALUE) {
      throw new InvalidInputException("concat of " + tensors.size() + " tensors holds " + total
          + " elements, more than one array holds");
    }
    float[] data = new float[(int) total];
    int at = 0;
    for (Tensor t : tensors) {
      System.arraycopy(t.data, 0, data, at, t.data.length);
      at += t.data.length;
    }
    int[] shape = first.clone();
    shape[0] = (int) lead;
    return new Tensor(data, shape);
  }

  /** Takes ownership of {@code data} without copying; the caller must not keep it. */
  static Tensor wrap(float[] data, int[] dims) {
    return new Tensor(data, dims.clone());
  }

  private static long elementCount(int[] dims) {
    long n = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new InvalidInputException("negative dim in shape " + Arrays.toString(dims));
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new InvalidInputException("shape " + Arrays.toString(dims) + " is too large");
      }
    }
    return n;
  }

  /** {@return the dims, a copy} */
  public int[] shape() {
    return shape.clone();
  }

  /** {@return the number of dims} */
  public int rank() {
    return shape.length;
  }

  /** {@return the number of elements} */
  public long size() {
    return data.length;
  }

  /** {@return a copy of the data, row-major} */
  public float[] toFloatArray() {
    return data.clone();
  }

  /**
   * Copies the data into {@code dst} from {@code offset}.
   *
   * @param dst the array to fill
   * @param offset where in {@code dst} the first element goes
   */
  public void copyTo(float[] dst, int offset) {
    System.arraycopy(data, 0, dst, offset, data.length);
  }

  /**
   * The element at a full index.
   *
   * @param idx one coordinate per dim
   * @return the element
   */
  public float get(int... idx) {
    if (idx.length != shape.length) {
      throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " has "
          + idx.length + " coordinates, the tensor has rank " + shape.length);
    }
    int flat = 0;
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= shape[i]) {
        throw new IndexOutOfBoundsException("index " + Arrays.toString(idx)
            + " is out of bounds for shape " + Arrays.toString(shape));
      }
      flat = flat * shape[i] + idx[i];
    }
    return data[flat];
  }

  /** The data without copying, for the engine; never modified or leaked. */
  float[] data() {
    return data;
  }

  /** Equal shapes and bit-for-bit equal data (NaN equals NaN, 0 differs from -0). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  /** Shape and up to the first 8 values. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(" [");
    for (int i = 0; i < Math.min(8, data.length); i++) {
      sb.append(i == 0 ? "" : ", ").append(data[i]);
    }
    return sb.append(data.length > 8 ? ", ...]" : "]").toString();
  }
}
