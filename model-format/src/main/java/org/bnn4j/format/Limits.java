package org.bnn4j.format;

/**
 * Resource limits checked before anything is allocated from untrusted sizes. The defaults fit any
 * model bnn4j is meant for; a server that loads models it did not produce may tighten them.
 *
 * @param maxFileBytes largest model file accepted, in bytes
 * @param maxNodes largest number of graph nodes
 * @param maxTensorElements largest element count of any one tensor (initializer or activation)
 * @param maxImagePixels largest width * height of a decoded image
 */
public record Limits(long maxFileBytes, int maxNodes, long maxTensorElements, long maxImagePixels) {

  public static final Limits DEFAULT = new Limits(1L << 30, 100_000, 1L << 28, 1L << 26);

  public Limits {
    if (maxFileBytes <= 0 || maxNodes <= 0 || maxTensorElements <= 0 || maxImagePixels <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    // A Java array holds at most Integer.MAX_VALUE - 8 elements; files are read into one.
    maxFileBytes = Math.min(maxFileBytes, Integer.MAX_VALUE - 8);
    maxTensorElements = Math.min(maxTensorElements, Integer.MAX_VALUE - 8);
  }

  public Limits withMaxFileBytes(long v) {
    return new Limits(v, maxNodes, maxTensorElements, maxImagePixels);
  }

  public Limits withMaxNodes(int v) {
    return new Limits(maxFileBytes, v, maxTensorElements, maxImagePixels);
  }

  public Limits withMaxTensorElements(long v) {
    return new Limits(maxFileBytes, maxNodes, v, maxImagePixels);
  }

  public Limits withMaxImagePixels(long v) {
    return new Limits(maxFileBytes, maxNodes, maxTensorElements, v);
  }

  /**
   * Element count of {@code dims}, checked: every dim non-negative, no overflow, within the
   * limit. {@code what} names the tensor in the error.
   */
  public long checkedElementCount(String what, long[] dims) {
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = dims[i];
      if (d < 0) {
        throw new org.bnn4j.ModelFormatException(
            what + ": dim " + i + " is " + d + ", expected a non-negative size");
      }
      if (d != 0 && n > maxTensorElements / d) {
        throw new org.bnn4j.ModelFormatException(
            what + ": shape " + java.util.Arrays.toString(dims) + " has more than the limit of "
                + maxTensorElements + " elements (maxTensorElements)");
      }
      n *= d;
    }
    if (n > maxTensorElements) {
      throw new org.bnn4j.ModelFormatException(
          what + ": shape " + java.util.Arrays.toString(dims) + " has " + n
              + " elements, over the limit of " + maxTensorElements + " (maxTensorElements)");
    }
    return n;
  }
}
