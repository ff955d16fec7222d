package org.bnn4j.kernels;

/**
 * Float NCHW to packed NHWC bits for one {@link BinarizeSpec}, immutable and shared by every
 * thread: each call writes exactly the words of positions {@code [positionFrom, positionTo)} of
 * image {@code b}, so calls on disjoint ranges may run concurrently. Results are bit-identical
 * to {@link org.bnn4j.kernels.reference.BinaryReference#binarize}.
 */
public interface BinarizeKernel {
  /** Packs positions {@code [positionFrom, positionTo)} of image {@code b}. */
  void run(float[] x, int xOff, long[] out, int outOff, int b, int positionFrom, int positionTo);

  /**
   * {@link #run}, returning whether any input of the range is exactly at its threshold (a
   * Binarize with {@code zero = "zero"} notes it, then writes the zero mask).
   */
  boolean runSeeingZeros(float[] x, int xOff, long[] out, int outOff, int b, int positionFrom,
      int positionTo);
}
