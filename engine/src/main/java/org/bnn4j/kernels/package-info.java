/**
 * Fast kernels behind a small facade: {@link org.bnn4j.kernels.Kernels} picks the scalar or the
 * {@code jdk.incubator.vector} {@link org.bnn4j.kernels.KernelProvider} once, from {@code
 * -Dbnn4j.kernels=auto|vector|scalar}. The {@code reference} package holds the scalar kernels
 * every kernel is tested against.
 */
package org.bnn4j.kernels;
