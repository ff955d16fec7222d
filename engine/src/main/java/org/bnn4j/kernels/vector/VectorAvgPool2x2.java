package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.AvgPoolKernel;

/**
 * 2x2 average pooling with stride 2 and no padding (the Bi-Real/ResNet-D downsample shortcut),
 * every window whole. Eight outputs at a time: the even and odd columns of two input rows are
 * separated by lane shuffles, then summed in the reference's order, {@code (((0 + a) + b) + c) +
 * d} (the leading 0 turns an all -0.0 window into +0.0, as the reference's accumulator does), and
 * divided by 4.
 */
final class VectorAvgPool2x2 implements AvgPoolKernel {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;
  private static final VectorShuffle<Float> EVENS_LOW = VectorConstants.EVENS_LOW;
  private static final VectorShuffle<Float> EVENS_HIGH = VectorConstants.EVENS_HIGH;
  private static final VectorShuffle<Float> ODDS_LOW = VectorConstants.ODDS_LOW;
  private static final VectorShuffle<Float> ODDS_HIGH = VectorConstants.ODDS_HIGH;
  private static final VectorMask<Float> HIGH_HALF = VectorConstants.HIGH_HALF;

  private final int h;
  private final int w;
  private final int oh;
  private final int ow;

  /** True when {@code oh x ow} 2x2 stride-2 windows from (0, 0) all lie inside {@code h x w}. */
  static boolean supports(int h, int w, int oh, int ow) {
    return 2 * oh <= h && 2 * ow <= w && L >= 2 && L % 2 == 0;
  }

  VectorAvgPool2x2(int h, int w, int oh, int ow) {
    this.h = h;
    this.w = w;
    this.oh = oh;
    this.ow = ow;
  }

  @Override
  public void run(float[] x, int xOff, float[] y, int yOff, int planeFrom, int planeTo) {
    FloatVector zero = FloatVector.zero(S);
    for (int p = planeFrom; p < planeTo; p++) {
      for (int oy = 0; oy < oh; oy++) {
        int r0 = xOff + p * h * w + 2 * oy * w;
        int r1 = r0 + w;
        int out = yOff + (p * oh + oy) * ow;
        int ox = 0;
        for (; ox + L <= ow; ox += L) {
          int c = 2 * ox;
          FloatVector a0 = FloatVector.fromArray(S, x, r0 + c);
          FloatVector a1 = FloatVector.fromArray(S, x, r0 + c + L);
          FloatVector b0 = FloatVector.fromArray(S, x, r1 + c);
          FloatVector b1 = FloatVector.fromArray(S, x, r1 + c + L);
          FloatVector topEven = a0.rearrange(EVENS_LOW).blend(a1.rearrange(EVENS_HIGH), HIGH_HALF);
          FloatVector topOdd = a0.rearrange(ODDS_LOW).blend(a1.rearrange(ODDS_HIGH), HIGH_HALF);
          FloatVector botEven = b0.rearrange(EVENS_LOW).blend(b1.rearrange(EVENS_HIGH), HIGH_HALF);
          FloatVector botOdd = b0.rearrange(ODDS_LOW).blend(b1.rearrange(ODDS_HIGH), HIGH_HALF);
          zero.add(topEven).add(topOdd).add(botEven).add(botOdd).div(4f).intoArray(y, out + ox);
        }
        for (; ox < ow; ox++) {
          int c = 2 * ox;
          float sum = 0f;
          sum += x[r0 + c];
          sum += x[r0 + c + 1];
          sum += x[r1 + c];
          sum += x[r1 + c + 1];
          y[out + ox] = sum / 4;
        }
      }
    }
  }
}
