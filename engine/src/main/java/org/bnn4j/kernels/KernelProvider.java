package org.bnn4j.kernels;

/**
 * One implementation of the fast kernels. {@link Kernels#provider()} returns the selected one;
 * a provider declines (returns null) what it cannot run, and callers fall back to the reference.
 */
public interface KernelProvider {
  /** A short name for logs and benchmarks, e.g. "vector(256-bit)" or "scalar". */
  String name();

  /** Bits in the widest vector these kernels use, 0 for scalar kernels. */
  default int vectorBitSize() {
    return 0;
  }

  /** The binary convolution for {@code spec}, or null when this provider does not handle it. */
  BinaryConvKernel binaryConv(BinaryConvSpec spec);

  /**
   * The float convolution of {@code x[n, c, h, w]} with constant weights {@code [m, c, kH, kW]}
   * and optional bias {@code [m]}, or null when this provider does not handle it.
   */
  default FloatConvKernel floatConv(int c, int h, int w, int m, int group,
      org.bnn4j.kernels.Window2d win, int oh, int ow, float[] weights, float[] bias) {
    return null;
  }

  /**
   * The float max pool of {@code h x w} planes to {@code oh x ow} over {@code win}. The default
   * is the scalar {@link ScalarMaxPool}; never null.
   */
  /**
   * The dense layer {@code y = a * weights^T + bias} with constant {@code weights [n, k]} and
   * optional {@code bias [n]}, or null when this provider does not handle it.
   */
  default FloatDenseKernel floatDense(int n, int k, float[] weights, float[] bias) {
    return null;
  }

  /**
   * Average pooling for one layer's geometry, or null when this provider has no kernel for it
   * (the reference runs it then).
   */
  default AvgPoolKernel avgPool(int h, int w, org.bnn4j.kernels.Window2d win,
      boolean countIncludePad, int oh, int ow) {
    return null;
  }

  default MaxPoolKernel maxPool(int h, int w, org.bnn4j.kernels.Window2d win, int oh,
      int ow) {
    return new ScalarMaxPool(h, w, win, oh, ow);
  }

  /**
   * Packs float {@code x[n, c, hw]} into bits {@code [n, hw, ceil(cout / 64)]} words: bit j of
   * position p is set (value -1) when {@code x[source[j]][p] < thresholds[j]} ({@code source}
   * null means {@code j % c}). Writes positions {@code [positionFrom, positionTo)} of image
   * {@code b}, so threads can split an image. The default is the scalar {@link Bitpack#binarize}.
   */
  default void binarize(float[] x, int xOff, int c, int hw, float[] thresholds, int[] source,
      int cout, long[] out, int outOff, int b, int positionFrom, int positionTo) {
    Bitpack.binarize(x, xOff, c, hw, thresholds, source, cout, out, outOff, b, positionFrom,
        positionTo);
  }

  /**
   * {@link #binarize}, returning whether any input of the range is exactly at its threshold (a
   * Binarize with {@code zero = "zero"} notes it, then writes the zero mask). The default is the
   * scalar {@link Bitpack#binarizeSeeingZeros}.
   */
  default boolean binarizeSeeingZeros(float[] x, int xOff, int c, int hw, float[] thresholds,
      int[] source, int cout, long[] out, int outOff, int b, int positionFrom, int positionTo) {
    return Bitpack.binarizeSeeingZeros(x, xOff, c, hw, thresholds, source, cout, out, outOff, b,
        positionFrom, positionTo);
  }
}
