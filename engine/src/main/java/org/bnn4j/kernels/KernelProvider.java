package org.bnn4j.kernels;

/**
 * One implementation of the fast kernels. {@link Kernels#provider()} returns the selected one;
 * a provider declines (returns null) what it cannot run, and callers fall back to the reference.
 */
public interface KernelProvider {
  /** A short name for logs and benchmarks, e.g. "vector(256-bit)" or "scalar". */
  String name();

  /** The binary convolution for {@code spec}, or null when this provider does not handle it. */
  BinaryConvKernel binaryConv(BinaryConvSpec spec);

  /**
   * The float convolution of {@code x[n, c, h, w]} with constant weights {@code [m, c, kH, kW]}
   * and optional bias {@code [m]}, or null when this provider does not handle it.
   */
  default FloatConvKernel floatConv(int c, int h, int w, int m, int group,
      org.bnn4j.kernels.reference.Window2d win, int oh, int ow, float[] weights, float[] bias) {
    return null;
  }
}
