package org.bnn4j.kernels;

import org.bnn4j.kernels.reference.BinaryOutputTransform;
import org.bnn4j.kernels.reference.BinaryReference;

/**
 * The scalar binary convolution (and dense layer): each output position's dots from {@link
 * BinaryReference#conv2dDot}, the tap bias and the output transform of {@link
 * BinaryOutputTransform}, position by position so that threads can split positions. The same
 * integer dots and float operations as the reference ops, so the same bits.
 */
final class ScalarBinaryConv implements BinaryConvKernel {
  private final BinaryConvSpec s;
  private final int outWords;

  ScalarBinaryConv(BinaryConvSpec s) {
    this.s = s;
    this.outWords = Bitpack.words(s.m());
  }

  @Override
  public int scratchFloats() {
    return 0;
  }

  @Override
  public int pixelBlock() {
    return 1;
  }

  /** Corrections per position in channel order. */
  @Override
  public int correctionStride() {
    return s.m();
  }

  @Override
  public int correctionIndex(int channel) {
    return channel;
  }

  @Override
  public void runCorrected(long[] x, int xOff, float[] residual, int residualOff,
      float[] yFloats, long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom,
      int pixelTo, float[] correction, int correctionOff) {
    int m = s.m();
    int hw = s.oh() * s.ow();
    float[] tapBias = s.tapBias();
    for (int q = pixelFrom; q < pixelTo; q++) {
      int b = q / hw;
      int r = q - b * hw;
      int oy = r / s.ow();
      int ox = r - oy * s.ow();
      if (s.bitsOutput()) {
        java.util.Arrays.fill(yWords, yOff + q * outWords, yOff + (q + 1) * outWords, 0L);
      }
      for (int oc = 0; oc < m; oc++) {
        float d = BinaryReference.conv2dDot(x, xOff, -1, b, s.c(), s.h(), s.w(), s.weights(), m,
            s.group(), s.win(), oc, oy, ox);
        if (correction != null) {
          d += correction[correctionOff + q * m + oc]; // exact: integers below 2^24
        }
        if (tapBias != null) {
          if (s.denseTapBias()) {
            d += tapBias[oc];
          } else {
            d += BinaryReference.tapBiasSum(tapBias, s.h(), s.w(), s.win(), oc, oy, ox);
          }
        }
        int at = (b * m + oc) * hw + r; // NCHW
        if (s.bitsOutput()) {
          if (BinaryOutputTransform.toBit(d, oc, s.threshold(), s.flip())) {
            yWords[yOff + q * outWords + (oc >>> 6)] |= 1L << (oc & 63);
          }
        } else {
          yFloats[yOff + at] = BinaryOutputTransform.toFloat(d, oc, s.multiplier(), s.bias(),
              s.hasResidual(), s.hasResidual() ? residual[residualOff + at] : 0f, s.slope(),
              s.postBias());
        }
      }
    }
  }
}
