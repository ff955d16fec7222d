package org.bnn4j.kernels;

import org.bnn4j.kernels.reference.Activations;
import org.bnn4j.kernels.reference.Broadcast;
import org.bnn4j.kernels.reference.Convolution;
import org.bnn4j.kernels.reference.Gemm;
import org.bnn4j.kernels.reference.Pooling;

/**
 * The end of every provider chain: each kernel family in plain Java, on the {@code reference}
 * kernels cut along the axis threads split (output positions, channels, columns or planes), so
 * its results are the reference's, bit for bit. Runs anywhere, without the Vector API.
 */
final class ScalarKernelProvider implements KernelProvider {
  static final ScalarKernelProvider INSTANCE = new ScalarKernelProvider();

  private ScalarKernelProvider() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public BinaryConvKernel binaryConv(BinaryConvSpec spec) {
    return new ScalarBinaryConv(spec);
  }

  @Override
  public FloatConvKernel floatConv(FloatConvSpec spec) {
    return new ScalarFloatConv(spec);
  }

  @Override
  public FloatDenseKernel floatDense(FloatDenseSpec spec) {
    return new ScalarFloatDense(spec);
  }

  @Override
  public MaxPoolKernel maxPool(PoolSpec spec) {
    return new ScalarMaxPool(spec.h(), spec.w(), spec.win(), spec.oh(), spec.ow());
  }

  @Override
  public AvgPoolKernel avgPool(PoolSpec spec) {
    return new ScalarAvgPool(spec);
  }

  @Override
  public BinarizeKernel binarize(BinarizeSpec spec) {
    return new ScalarBinarize(spec);
  }

  @Override
  public FloatElementwiseKernel elementwise(ElementwiseSpec spec) {
    return new ScalarElementwise(spec);
  }

  /**
   * {@link Convolution#conv2d}, one work item per output channel and no packing or scratch (the
   * interface's defaults); any group count.
   */
  record ScalarFloatConv(FloatConvSpec s) implements FloatConvKernel {
    @Override
    public int workItems() {
      return s.m();
    }

    @Override
    public int grain() {
      return 1;
    }

    @Override
    public void run(float[] x, int xOff, int b, float[] y, int yOff, float[] scratch,
        int sharedOff, int workerOff, int from, int to) {
      Convolution.conv2dChannels(x, xOff, b, s.c(), s.h(), s.w(), s.weights(), 0, s.m(),
          s.group(), s.bias(), 0, s.win(), y, yOff, s.oh(), s.ow(), from, to);
    }
  }

  /** {@link Gemm#gemm} with transposed constant weights, alpha and beta 1, by columns. */
  static final class ScalarFloatDense implements FloatDenseKernel {
    private final FloatDenseSpec s;
    private final int[] biasDims; // made once: a run allocates nothing

    ScalarFloatDense(FloatDenseSpec s) {
      this.s = s;
      this.biasDims = new int[] {s.n()};
    }

    @Override
    public void run(float[] a, int aOff, int rows, float[] y, int yOff, int colFrom, int colTo) {
      Gemm.gemmColumns(a, aOff, false, s.weights(), 0, true, s.bias(), 0, biasDims, 1f, 1f, y,
          yOff, rows, s.n(), s.k(), colFrom, colTo);
    }
  }

  /** {@link Pooling#avgPool2d} on a range of planes. */
  record ScalarAvgPool(PoolSpec s) implements AvgPoolKernel {
    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int planeFrom, int planeTo) {
      Pooling.avgPool2d(x, xOff + planeFrom * s.h() * s.w(), 1, planeTo - planeFrom, s.h(),
          s.w(), s.win(), s.countIncludePad(), y, yOff + planeFrom * s.oh() * s.ow(), s.oh(),
          s.ow());
    }
  }

  /** {@link Bitpack}: channel by channel, so that the NCHW input is read in order. */
  record ScalarBinarize(BinarizeSpec s) implements BinarizeKernel {
    @Override
    public void run(float[] x, int xOff, long[] out, int outOff, int b, int positionFrom,
        int positionTo) {
      Bitpack.binarize(x, xOff, s.c(), s.hw(), s.thresholds(), s.source(), s.cout(), out,
          outOff, b, positionFrom, positionTo);
    }

    @Override
    public boolean runSeeingZeros(float[] x, int xOff, long[] out, int outOff, int b,
        int positionFrom, int positionTo) {
      return Bitpack.binarizeSeeingZeros(x, xOff, s.c(), s.hw(), s.thresholds(), s.source(),
          s.cout(), out, outOff, b, positionFrom, positionTo);
    }
  }

  /** {@link Activations#relu}, or one {@link Broadcast.BinaryOp} per element pair. */
  record ScalarElementwise(ElementwiseSpec s) implements FloatElementwiseKernel {
    @Override
    public void run(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int from,
        int to) {
      if (s.kind() == ElementwiseSpec.Kind.RELU) {
        Activations.relu(a, aOff + from, y, yOff + from, to - from);
        return;
      }
      Broadcast.BinaryOp op = Broadcast.BinaryOp.valueOf(s.kind().name());
      for (int i = from; i < to; i++) {
        y[yOff + i] = op.apply(a[aOff + i], b[bOff + i]);
      }
    }
  }
}
