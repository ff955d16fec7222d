package org.bnn4j.kernels;

/**
 * Everything a float convolution kernel needs, resolved at load: one image's geometry (input
 * {@code [c, h, w]}, output {@code [m, oh, ow]}, the window, {@code group}), the constant weights
 * {@code [m, c / group, kH, kW]} and the optional bias {@code [m]} (null for none).
 */
public record FloatConvSpec(int c, int h, int w, int m, int group, Window2d win, int oh, int ow,
    float[] weights, float[] bias) {}
