package org.bnn4j.kernels.vector;

import org.bnn4j.kernels.AvgPoolKernel;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.FloatDenseKernel;
import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.MaxPoolKernel;
import org.bnn4j.kernels.Window2d;

/** The {@code jdk.incubator.vector} kernels; created by class name from Kernels. */
public final class VectorKernelProvider implements KernelProvider {
  public VectorKernelProvider() {
    // Touch the species now so a missing module fails here, not in the first inference.
    if (VectorConstants.LONG_LANES < 1) {
      throw new IllegalStateException("no long vector species");
    }
  }

  @Override
  public String name() {
    return "vector(" + VectorConstants.LONGS.vectorBitSize() + "-bit)";
  }

  @Override
  public int vectorBitSize() {
    return VectorConstants.LONGS.vectorBitSize();
  }

  @Override
  public BinaryConvKernel binaryConv(BinaryConvSpec spec) {
    return VectorBinaryConvLayout.supports(spec) ? new VectorBinaryConv(spec) : null;
  }

  @Override
  public FloatConvKernel floatConv(int c, int h, int w, int m, int group, Window2d win, int oh,
      int ow, float[] weights, float[] bias) {
    if (group != 1) {
      return null;
    }
    return new VectorFloatConv(c, h, w, m, win, oh, ow, weights, bias);
  }

  @Override
  public MaxPoolKernel maxPool(int h, int w, Window2d win, int oh, int ow) {
    return VectorMaxPool.supports(w) ? new VectorMaxPool(h, w, win, oh, ow)
        : KernelProvider.super.maxPool(h, w, win, oh, ow);
  }

  @Override
  public FloatDenseKernel floatDense(int n, int k, float[] weights, float[] bias) {
    return new VectorFloatDense(n, k, weights, bias);
  }

  @Override
  public AvgPoolKernel avgPool(int h, int w, Window2d win, boolean countIncludePad, int oh,
      int ow) {
    boolean plain2x2 = win.kernelH() == 2 && win.kernelW() == 2 && win.strideH() == 2
        && win.strideW() == 2 && win.padTop() == 0 && win.padLeft() == 0
        && win.padBottom() == 0 && win.padRight() == 0 && win.dilationH() == 1
        && win.dilationW() == 1;
    return plain2x2 && VectorAvgPool2x2.supports(h, w, oh, ow)
        ? new VectorAvgPool2x2(h, w, oh, ow) : null;
  }

  @Override
  public void binarize(float[] x, int xOff, int c, int hw, float[] thresholds, int[] source,
      int cout, long[] out, int outOff, int b, int positionFrom, int positionTo) {
    VectorBinarize.binarize(x, xOff, c, hw, thresholds, source, cout, out, outOff, b,
        positionFrom, positionTo, false);
  }

  @Override
  public boolean binarizeSeeingZeros(float[] x, int xOff, int c, int hw, float[] thresholds,
      int[] source, int cout, long[] out, int outOff, int b, int positionFrom, int positionTo) {
    return VectorBinarize.binarize(x, xOff, c, hw, thresholds, source, cout, out, outOff, b,
        positionFrom, positionTo, true);
  }
}
