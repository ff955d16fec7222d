package org.bnn4j.kernels;

/**
 * Everything a dense kernel needs, resolved at load: {@code n} outputs over {@code k} inputs,
 * the constant weights {@code [n, k]} and the optional bias {@code [n]} (null for none).
 */
public record FloatDenseSpec(int n, int k, float[] weights, float[] bias) {}
