package org.bnn4j.kernels;

/**
 * The geometry of a float pooling layer: {@code h x w} planes to {@code oh x ow} over {@code
 * win}; {@code countIncludePad} is average pooling's divisor rule (see {@link
 * org.bnn4j.kernels.reference.Pooling#avgPool2d}) and false for max pooling.
 */
public record PoolSpec(int h, int w, Window2d win, int oh, int ow, boolean countIncludePad) {

  /** A max pool's geometry. */
  public PoolSpec(int h, int w, Window2d win, int oh, int ow) {
    this(h, w, win, oh, ow, false);
  }
}
