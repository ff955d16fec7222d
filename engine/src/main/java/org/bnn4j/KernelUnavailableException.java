package org.bnn4j;

/**
 * The fast (Vector API) kernels were required, with {@link ModelOptions#withRequireVectorKernels}
 * or {@link KernelInfo#requireVector()}, and are not running in this JVM.
 */
public class KernelUnavailableException extends Bnn4jException {
  public KernelUnavailableException(String message) {
    super(message);
  }
}
