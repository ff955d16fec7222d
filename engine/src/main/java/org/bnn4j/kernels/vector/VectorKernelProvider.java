package org.bnn4j.kernels.vector;

import org.bnn4j.kernels.AvgPoolKernel;
import org.bnn4j.kernels.BinarizeKernel;
import org.bnn4j.kernels.BinarizeSpec;
import org.bnn4j.kernels.ElementwiseSpec;
import org.bnn4j.kernels.FloatElementwiseKernel;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.FloatConvSpec;
import org.bnn4j.kernels.FloatDenseKernel;
import org.bnn4j.kernels.FloatDenseSpec;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;
import org.bnn4j.kernels.MaxPoolKernel;
import org.bnn4j.kernels.PoolSpec;
import org.bnn4j.kernels.Window2d;

/**
 * The {@code jdk.incubator.vector} kernels; created by class name from Kernels. A spec its
 * kernels do not handle gets the scalar provider's kernel (the chain of {@link KernelProvider}).
 */
public final class VectorKernelProvider implements KernelProvider {
  private static final KernelProvider NEXT = Kernels.scalar();

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
    return VectorBinaryConvLayout.supports(spec) ? new VectorBinaryConv(spec)
        : NEXT.binaryConv(spec);
  }

  @Override
  public FloatConvKernel floatConv(FloatConvSpec s) {
    if (s.group() != 1) {
      return NEXT.floatConv(s);
    }
    if (VectorFloatPaddedConv.supports(s.win())) {
      return new VectorFloatPaddedConv(s.c(), s.h(), s.w(), s.m(), s.win(), s.oh(), s.ow(),
          s.weights(), s.bias());
    }
    return new VectorFloatConv(s.c(), s.h(), s.w(), s.m(), s.win(), s.oh(), s.ow(), s.weights(),
        s.bias());
  }

  @Override
  public MaxPoolKernel maxPool(PoolSpec s) {
    return VectorMaxPool.supports(s.w()) ? new VectorMaxPool(s.h(), s.w(), s.win(), s.oh(),
        s.ow()) : NEXT.maxPool(s);
  }

  @Override
  public FloatDenseKernel floatDense(FloatDenseSpec s) {
    return new VectorFloatDense(s.n(), s.k(), s.weights(), s.bias());
  }

  @Override
  public AvgPoolKernel avgPool(PoolSpec s) {
    Window2d win = s.win();
    boolean plain2x2 = win.kernelH() == 2 && win.kernelW() == 2 && win.strideH() == 2
        && win.strideW() == 2 && win.padTop() == 0 && win.padLeft() == 0
        && win.padBottom() == 0 && win.padRight() == 0 && win.dilationH() == 1
        && win.dilationW() == 1;
    return plain2x2 && VectorAvgPool2x2.supports(s.h(), s.w(), s.oh(), s.ow())
        ? new VectorAvgPool2x2(s.h(), s.w(), s.oh(), s.ow()) : NEXT.avgPool(s);
  }

  @Override
  public FloatElementwiseKernel elementwise(ElementwiseSpec s) {
    return new VectorElementwise(s);
  }

  @Override
  public BinarizeKernel binarize(BinarizeSpec s) {
    return new BinarizeKernel() {
      @Override
      public void run(float[] x, int xOff, long[] out, int outOff, int b, int positionFrom,
          int positionTo) {
        VectorBinarize.binarize(x, xOff, s.c(), s.hw(), s.thresholds(), s.source(), s.cout(),
            out, outOff, b, positionFrom, positionTo, false);
      }

      @Override
      public boolean runSeeingZeros(float[] x, int xOff, long[] out, int outOff, int b,
          int positionFrom, int positionTo) {
        return VectorBinarize.binarize(x, xOff, s.c(), s.hw(), s.thresholds(), s.source(),
            s.cout(), out, outOff, b, positionFrom, positionTo, true);
      }
    };
  }
}
