package org.bnn4j.kernels;

/**
 * A binary convolution prepared for one layer (weights repacked at load), immutable and shared by
 * every thread. Each call computes output positions {@code [pixelFrom, pixelTo)} (flattened over
 * batch, rows and columns) and writes exactly their outputs, so calls on disjoint ranges with
 * disjoint scratch may run concurrently. Results are bit-identical to the reference kernels.
 */
public interface BinaryConvKernel {
  /** Floats of scratch one call needs, at {@code scratchOff}. */
  int scratchFloats();

  /**
   * Words of staging buffer {@link #stageInput} fills, or 0 when {@link #run} reads the input as
   * it is.
   */
  default int stagedInputWords() {
    return 0;
  }

  /**
   * Copies the whole input into {@code staging} in the layout {@link #run} reads (for a padded
   * layer: with a halo of zero words). Called once per inference, before any {@code run}.
   */
  default void stageInput(long[] x, int xOff, long[] staging, int stagingOff) {
    throw new UnsupportedOperationException("this kernel reads its input in place");
  }

  /** How many consecutive output positions the micro-kernel computes at once. */
  int pixelBlock();

  /**
   * Runs on positions {@code [pixelFrom, pixelTo)}.
   *
   * @param x packed NHWC input words, from {@code xOff}; the staging buffer when {@link
   *     #stagedInputWords} is not 0
   * @param residual float residual (the output's NCHW layout) or null
   * @param yFloats float output (float mode), NCHW from {@code yOff}
   * @param yWords packed NHWC output words (bits mode), from {@code yOff}
   */
  default void run(long[] x, int xOff, float[] residual, int residualOff, float[] yFloats,
      long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom, int pixelTo) {
    // No corrections: every kernel's plain run is its corrected one with none to add.
    runCorrected(x, xOff, residual, residualOff, yFloats, yWords, yOff, scratch, scratchOff,
        pixelFrom, pixelTo, null, 0);
  }

  /** Floats per output position in the correction array of {@link #runCorrected}. */
  int correctionStride();

  /** Where output channel {@code channel}'s correction lies within a position's stride. */
  int correctionIndex(int channel);

  /**
   * {@link #run} with {@code correction[pixel * correctionStride() + correctionIndex(channel)]}
   * (from {@code correctionOff}, pixels flattened over the batch as in {@code run}) added to each
   * integer dot before the output transform: how inputs in the zero state are made exact (see
   * {@link ZeroCorrection}). Entries that are no channel's index must be 0. Every kernel takes
   * corrections.
   */
  void runCorrected(long[] x, int xOff, float[] residual, int residualOff, float[] yFloats,
      long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom, int pixelTo,
      float[] correction, int correctionOff);
}
