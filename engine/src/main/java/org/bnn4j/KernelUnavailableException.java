package org.bnn4j;

/**
 * The fast (Vector API) kernels were required, with {@link ModelOptions#withRequireVectorKernels}
 * or {@link KernelInfo#requireVector()}, and are not running in this JVM.
 */
public class KernelUnavailableException extends Bnn4jException {
  /**
   * An exception with a one-line message naming why the vector kernels are not running.
   *
   * @param message the message
   */
  public KernelUnavailableException(String message) {
    super(message);
  }
}
