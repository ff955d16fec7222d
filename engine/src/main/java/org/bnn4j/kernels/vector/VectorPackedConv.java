package org.bnn4j.kernels.vector;

import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.Window2d;

/**
 * What both packed-GEMM float convolutions ({@link VectorFloatConv}, {@link
 * VectorFloatPaddedConv}) hold: the layer's geometry and its weights packed once, at load, into
 * blocks of {@code mr} output channels for the register tile. They differ in how they build the
 * patch panels the tile consumes, which each says itself.
 */
abstract class VectorPackedConv implements FloatConvKernel {
  final int c;
  final int h;
  final int w;
  final int m;
  final int oh;
  final int ow;
  /** Reduction steps: {@code c * kH * kW}. */
  final int k;
  final Window2d win;
  final float[] bias;
  /** The register tile: mr channels by nv vectors (nr positions). */
  final int mr;
  final int nv;
  final int nr;
  /** The weights as {@code [blocks][k][mr]} ({@link VectorFloatGemm#packA}). */
  final float[] packed;
  /** Channel blocks of mr, the last one padded with zero weights. */
  final int blocks;

  VectorPackedConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias, VectorFloatGemm.Tile tile) {
    this.c = c;
    this.h = h;
    this.w = w;
    this.m = m;
    this.oh = oh;
    this.ow = ow;
    this.k = c * win.kernelH() * win.kernelW();
    this.win = win;
    this.bias = bias;
    this.mr = tile.mr();
    this.nv = tile.nv();
    this.nr = tile.nr();
    this.packed = VectorFloatGemm.packA(weights, m, k, mr);
    this.blocks = (m + mr - 1) / mr;
  }

  /** Work items are independent of each other's size: any split will do. */
  @Override
  public int grain() {
    return 1;
  }
}
