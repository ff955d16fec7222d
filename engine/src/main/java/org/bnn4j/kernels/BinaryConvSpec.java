package org.bnn4j.kernels;


/**
 * Everything a fast binary convolution needs, resolved at load: the geometry of a BinaryConv2d
 * (a BinaryDense is the 1x1 case with {@code h = w = oh = ow = 1}), its constant bit weights
 * {@code [m, kH, kW, words(c / group)]} and its output transform (see the op contract in {@code
 * OpType.BINARY_CONV2D}). Float arrays that are null skip their stage, as in {@code
 * BinaryOutputTransform}. Tap bias is summed as integers over the valid taps (BinaryConv2d), or
 * added as a float when {@code denseTapBias} (BinaryDense, one tap), as the reference does.
 */
public record BinaryConvSpec(
    int n, int c, int h, int w, int m, int group, Window2d win, int oh, int ow,
    long[] weights, float[] tapBias, boolean denseTapBias,
    boolean bitsOutput,
    float[] multiplier, float[] bias, boolean hasResidual, float[] slope, float[] postBias,
    long[] threshold, long[] flip) {

  /** Output positions over the batch: {@code n * oh * ow}. */
  public int pixels() {
    return n * oh * ow;
  }
}
