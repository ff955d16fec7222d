package org.bnn4j.kernels;

/**
 * A float convolution (group 1) prepared for one layer: im2col of one image into scratch, then a
 * GEMM of the weights {@code [m, c*kH*kW]} with the patch matrix, written straight to NCHW. Rows
 * of output channels are independent, so threads split {@link #gemm} over channel ranges.
 * Accumulation order differs from the reference (vector FMA), so results agree within float
 * rounding, not bit for bit.
 */
public interface FloatConvKernel {
  /** Floats of scratch for the patch matrix of one image. */
  int scratchFloats();

  /** Output channels per micro-kernel block: split ranges at multiples of this. */
  int channelBlock();

  /** Writes image {@code b}'s patch matrix {@code [c*kH*kW, oh*ow]} to scratch. */
  void im2col(float[] x, int xOff, int b, float[] scratch, int sOff);

  /** Output channels {@code [mFrom, mTo)} of image {@code b}, from the patch matrix. */
  void gemm(float[] scratch, int sOff, float[] y, int yOff, int b, int mFrom, int mTo);
}
