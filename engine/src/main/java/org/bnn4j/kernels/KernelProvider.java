package org.bnn4j.kernels;

/**
 * One implementation of every kernel family; {@link Kernels#provider()} returns the selected one.
 *
 * <p>The contract, the same for every family: a provider builds a kernel from a spec resolved at
 * load and returns it, never null, and the caller runs it as it is (no capability query, no
 * fallback of its own). A provider whose own kernel does not handle a spec (the vector one, for
 * a grouped float convolution, say) returns the scalar provider's kernel for it: providers form
 * a chain that ends in {@link Kernels#scalar()}, which implements every family with plain loops
 * over the {@code reference} kernels. Every kernel computes what the reference kernels compute:
 * bit for bit for the binary kernels, Binarize and pooling, and within float rounding for the
 * vector float convolution and dense layer (the scalar ones keep the reference's summation
 * order, so they are bit-identical too).
 */
public interface KernelProvider {
  /** A short name for logs and benchmarks, e.g. "vector(256-bit)" or "scalar". */
  String name();

  /** Bits in the widest vector these kernels use, 0 for scalar kernels. */
  default int vectorBitSize() {
    return 0;
  }

  /** The binary convolution (or dense layer, the 1x1 case) of {@code spec}. */
  BinaryConvKernel binaryConv(BinaryConvSpec spec);

  /**
   * The float convolution of {@code x[n, c, h, w]} with the constant weights and optional bias of
   * {@code spec}.
   */
  FloatConvKernel floatConv(FloatConvSpec spec);

  /** The dense layer {@code y = a * weights^T + bias} of {@code spec}. */
  FloatDenseKernel floatDense(FloatDenseSpec spec);

  /** Float max pooling over {@code spec}'s geometry. */
  MaxPoolKernel maxPool(PoolSpec spec);

  /** Float average pooling over {@code spec}'s geometry. */
  AvgPoolKernel avgPool(PoolSpec spec);

  /** Float to packed bits with {@code spec}'s thresholds. */
  BinarizeKernel binarize(BinarizeSpec spec);

  /** A float element-wise op over operands of one shape. */
  FloatElementwiseKernel elementwise(ElementwiseSpec spec);
}
