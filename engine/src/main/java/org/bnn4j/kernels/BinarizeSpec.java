package org.bnn4j.kernels;

/**
 * A Binarize layer resolved at load: float input {@code [n, c, hw]} (NCHW, {@code hw} 1 for
 * {@code [N, C]}) to {@code cout} packed channels, channel j being -1 (bit 1) when {@code
 * x[source[j]] < thresholds[j]} ({@code source} null means {@code j % c}).
 */
public record BinarizeSpec(int c, int hw, float[] thresholds, int[] source, int cout) {}
