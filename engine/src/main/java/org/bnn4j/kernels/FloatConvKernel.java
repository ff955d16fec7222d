package org.bnn4j.kernels;

/**
 * A float convolution prepared for one layer (the vector ones: a packed GEMM of the weights
 * {@code [m, c*kH*kW]}, packed at load, with panels of the patch matrix, packed from a zero-padded
 * input for strides 1 and 2 and by im2col otherwise; the scalar one: the reference loop, an item per
 * output channel). One image's work is
 * {@link #prepareItems()} independent packing items, then {@link #workItems()} independent items
 * that use them; threads split each kind (the second at multiples of {@link #grain()}). The vector kernel's accumulation order differs from the
 * reference (FMA), so its results agree within float rounding, not bit for bit; no kernel's
 * results depend on how the items are split.
 */
public interface FloatConvKernel {
  /** Floats of scratch all workers share (a patch matrix, a padded input); none by default. */
  default int sharedScratchFloats() {
    return 0;
  }

  /** Floats of scratch each worker needs for itself; none by default. */
  default int workerScratchFloats() {
    return 0;
  }

  /** Independent work items of one image. */
  int workItems();

  /** Split item ranges at multiples of this. */
  int grain();

  /** Packing items all work items of an image need first; none by default. */
  default int prepareItems() {
    return 0;
  }

  /**
   * Packing items {@code [from, to)} of image {@code b} into the shared scratch; a kernel with
   * no {@link #prepareItems()} is never called here.
   */
  default void prepare(float[] x, int xOff, int b, float[] scratch, int sharedOff, int from,
      int to) {}

  /** Items {@code [from, to)} of image {@code b}. */
  void run(float[] x, int xOff, int b, float[] y, int yOff, float[] scratch, int sharedOff,
      int workerOff, int from, int to);
}
