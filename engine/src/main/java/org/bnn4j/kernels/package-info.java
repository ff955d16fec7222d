/**
 * Fast kernels behind a small facade: {@link org.bnn4j.kernels.Kernels} picks the scalar
 * reference or the {@code jdk.incubator.vector} implementation once, from {@code
 * -Dbnn4j.kernels=auto|vector|scalar}. The {@code reference} package holds the scalar kernels
 * every fast kernel is tested against.
 */
package org.bnn4j.kernels;
