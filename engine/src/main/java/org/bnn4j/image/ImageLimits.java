package org.bnn4j.image;

/**
 * Size limits {@link ImageInput} checks before decoding, so that a small file claiming to be huge
 * never allocates its pixels.
 *
 * @param maxFileBytes largest encoded image accepted, in bytes
 * @param maxImagePixels largest width * height accepted, read from the header before decoding
 */
public record ImageLimits(long maxFileBytes, long maxImagePixels) {
  /** 1 GiB and 2^26 (67 million) pixels. */
  public static final ImageLimits DEFAULT = new ImageLimits(1L << 30, 1L << 26);

  /**
   * Checks both limits are positive; files over what an array holds are refused anyway.
   *
   * @throws IllegalArgumentException when a limit is not positive
   */
  public ImageLimits {
    if (maxFileBytes <= 0 || maxImagePixels <= 0) {
      throw new IllegalArgumentException("image limits must be positive, got maxFileBytes "
          + maxFileBytes + " and maxImagePixels " + maxImagePixels);
    }
    maxFileBytes = Math.min(maxFileBytes, Integer.MAX_VALUE - 8);
  }

  /**
   * A copy with another pixel limit.
   *
   * @param maxImagePixels largest width * height accepted
   * @return the changed copy
   */
  public ImageLimits withMaxImagePixels(long maxImagePixels) {
    return new ImageLimits(maxFileBytes, maxImagePixels);
  }

  /**
   * A copy with another file size limit.
   *
   * @param maxFileBytes largest encoded image accepted, in bytes
   * @return the changed copy
   */
  public ImageLimits withMaxFileBytes(long maxFileBytes) {
    return new ImageLimits(maxFileBytes, maxImagePixels);
  }
}
