package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed float GEMM under {@link VectorFloatConv}, in the BLIS manner: {@code C[m][p] +=
 * A[m][k] * B[k][p]} with A (the weights) packed once into panels of {@link Tile#mr()} rows
 * interleaved along k, so one micro-kernel step broadcasts {@code mr} consecutive floats, and B
 * (the patch matrix) in panels of {@code nv} vectors of positions per k, so it loads {@code nv}
 * consecutive vectors. A micro-kernel keeps an {@code mr x nv}-vector tile of C in registers for a
 * slice of k and loads/stores it around the slice, so the caller may block k (a float store and
 * reload is exact: the result is the same as one pass over all of k).
 *
 * <p>Java has no arrays of registers, so each tile shape is a method written out unrolled, one
 * local variable per accumulator; {@link #micro} picks it. Each tile also has narrower variants
 * (fewer vectors) for the last, partial panel of positions.
 */
final class VectorFloatGemm {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;

  private VectorFloatGemm() {}

  /**
   * A register tile: {@code mr} output channels (broadcast weights) by {@code nv} vectors of
   * output positions. Accumulators are {@code mr * nv}; a step also holds {@code nv} patch
   * vectors and one broadcast, so the tile fits the register file when {@code mr * nv + nv + 1}
   * does not exceed it.
   */
  record Tile(int mr, int nv) {
    /** AVX2 (16 registers): 8 accumulators + 4 broadcasts + 2 patch vectors = 14. */
    static final Tile T4X2 = new Tile(4, 2);
    /** 9 accumulators + 3 + 3 = 15 registers: one more FMA chain, 24-position panels. */
    static final Tile T3X3 = new Tile(3, 3);
    /** AVX-512 (32 registers): 18 accumulators + 6 broadcasts + 3 patch vectors = 27. */
    static final Tile T6X3 = new Tile(6, 3);
    static final Tile[] ALL = {T4X2, T3X3, T6X3};

    /** Output positions of a full panel. */
    int nr() {
      return nv * L;
    }

    /**
     * The tile for a vector of {@code lanes} floats. x86 has 16 vector registers up to AVX2 and
     * 32 with AVX-512 (whose floats are 16 lanes); at least 8 independent FMA chains cover a
     * 4-cycle FMA latency on two pipes. C2 schedules all of a step's loads (the {@code mr}
     * broadcasts and {@code nv} patch vectors) before its FMAs, so a tile needs {@code mr * nv +
     * mr + nv} registers, not {@code mr * nv + nv + 1}: past the register file C2 spills an
     * accumulator to the stack, and the store-to-load latency in that chain halves the speed
     * (measured on AVX2, operands in L1: 4 x 2 runs at the FMA peak, 6 x 2 and 4 x 3, 20 and 19
     * registers, at 45%). So AVX2 gets 4 x 2 (8 chains, 14 registers, 16-position panels that
     * waste little on a 49-position layer), AVX-512 6 x 3 (18 chains, 27 registers).
     */
    static Tile forLanes(int lanes) {
      return lanes >= 16 ? T6X3 : T4X2;
    }
  }

  /**
   * The weights {@code [m][k]} as {@code ceil(m / mr)} panels {@code [k][mr]}: panel i holds
   * rows {@code i*mr ...}, rows past m are zero (their results are computed and dropped).
   */
  static float[] packA(float[] w, int m, int k, int mr) {
    int blocks = (m + mr - 1) / mr;
    float[] a = new float[Math.multiplyExact(Math.multiplyExact(blocks, mr), k)];
    for (int i = 0; i < blocks; i++) {
      int base = i * mr * k;
      for (int r = 0; r < mr && i * mr + r < m; r++) {
        int src = (i * mr + r) * k;
        for (int kk = 0; kk < k; kk++) {
          a[base + kk * mr + r] = w[src + kk];
        }
      }
    }
    return a;
  }

  /**
   * {@code kc} steps of an {@code mr x nv} tile: A panel from {@code ai} ({@code mr} floats a
   * step), B panel from {@code bi} ({@code nv * L} floats a step), C rows from {@code ci},
   * {@code ldc} apart, loaded first and stored last.
   */
  static void micro(int mr, int nv, float[] a, int ai, float[] b, int bi, int kc, float[] c,
      int ci, int ldc) {
    switch (mr * 4 + nv) {
      case 4 * 4 + 2 -> k4x2(a, ai, b, bi, kc, c, ci, ldc);
      case 4 * 4 + 1 -> k4x1(a, ai, b, bi, kc, c, ci, ldc);
      case 3 * 4 + 3 -> k3x3(a, ai, b, bi, kc, c, ci, ldc);
      case 3 * 4 + 2 -> k3x2(a, ai, b, bi, kc, c, ci, ldc);
      case 3 * 4 + 1 -> k3x1(a, ai, b, bi, kc, c, ci, ldc);
      case 6 * 4 + 3 -> k6x3(a, ai, b, bi, kc, c, ci, ldc);
      case 6 * 4 + 2 -> k6x2(a, ai, b, bi, kc, c, ci, ldc);
      case 6 * 4 + 1 -> k6x1(a, ai, b, bi, kc, c, ci, ldc);
      default -> throw new IllegalArgumentException("no " + mr + "x" + nv + " micro-kernel");
    }
  }

  /** 4 rows x 2 vectors: 8 accumulators. */
  static void k4x2(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
    FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 4;
      int bk = bi + kk * (2 * L);
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      c01 = b1.fma(v, c01);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      c11 = b1.fma(v, c11);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      c21 = b1.fma(v, c21);
      v = FloatVector.broadcast(S, a[ak + 3]);
      c30 = b0.fma(v, c30);
      c31 = b1.fma(v, c31);
    }
    c00.intoArray(c, ci);
    c01.intoArray(c, ci + L);
    c10.intoArray(c, ci + ldc);
    c11.intoArray(c, ci + ldc + L);
    c20.intoArray(c, ci + 2 * ldc);
    c21.intoArray(c, ci + 2 * ldc + L);
    c30.intoArray(c, ci + 3 * ldc);
    c31.intoArray(c, ci + 3 * ldc + L);
  }

  /** 4 rows x 1 vector: 4 accumulators. */
  static void k4x1(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 4;
      int bk = bi + kk * L;
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      v = FloatVector.broadcast(S, a[ak + 3]);
      c30 = b0.fma(v, c30);
    }
    c00.intoArray(c, ci);
    c10.intoArray(c, ci + ldc);
    c20.intoArray(c, ci + 2 * ldc);
    c30.intoArray(c, ci + 3 * ldc);
  }

  /** 3 rows x 3 vectors: 9 accumulators. */
  static void k3x3(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
    FloatVector c02 = FloatVector.fromArray(S, c, ci + 2 * L);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
    FloatVector c12 = FloatVector.fromArray(S, c, ci + ldc + 2 * L);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
    FloatVector c22 = FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 3;
      int bk = bi + kk * (3 * L);
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bk + 2 * L);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      c01 = b1.fma(v, c01);
      c02 = b2.fma(v, c02);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      c11 = b1.fma(v, c11);
      c12 = b2.fma(v, c12);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      c21 = b1.fma(v, c21);
      c22 = b2.fma(v, c22);
    }
    c00.intoArray(c, ci);
    c01.intoArray(c, ci + L);
    c02.intoArray(c, ci + 2 * L);
    c10.intoArray(c, ci + ldc);
    c11.intoArray(c, ci + ldc + L);
    c12.intoArray(c, ci + ldc + 2 * L);
    c20.intoArray(c, ci + 2 * ldc);
    c21.intoArray(c, ci + 2 * ldc + L);
    c22.intoArray(c, ci + 2 * ldc + 2 * L);
  }

  /** 3 rows x 2 vectors: 6 accumulators. */
  static void k3x2(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 3;
      int bk = bi + kk * (2 * L);
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      c01 = b1.fma(v, c01);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      c11 = b1.fma(v, c11);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      c21 = b1.fma(v, c21);
    }
    c00.intoArray(c, ci);
    c01.intoArray(c, ci + L);
    c10.intoArray(c, ci + ldc);
    c11.intoArray(c, ci + ldc + L);
    c20.intoArray(c, ci + 2 * ldc);
    c21.intoArray(c, ci + 2 * ldc + L);
  }

  /** 3 rows x 1 vector: 3 accumulators. */
  static void k3x1(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 3;
      int bk = bi + kk * L;
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
    }
    c00.intoArray(c, ci);
    c10.intoArray(c, ci + ldc);
    c20.intoArray(c, ci + 2 * ldc);
  }

  /** 6 rows x 3 vectors: 18 accumulators. */
  static void k6x3(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
    FloatVector c02 = FloatVector.fromArray(S, c, ci + 2 * L);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
    FloatVector c12 = FloatVector.fromArray(S, c, ci + ldc + 2 * L);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
    FloatVector c22 = FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * L);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
    FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
    FloatVector c32 = FloatVector.fromArray(S, c, ci + 3 * ldc + 2 * L);
    FloatVector c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
    FloatVector c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
    FloatVector c42 = FloatVector.fromArray(S, c, ci + 4 * ldc + 2 * L);
    FloatVector c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
    FloatVector c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
    FloatVector c52 = FloatVector.fromArray(S, c, ci + 5 * ldc + 2 * L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 6;
      int bk = bi + kk * (3 * L);
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bk + 2 * L);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      c01 = b1.fma(v, c01);
      c02 = b2.fma(v, c02);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      c11 = b1.fma(v, c11);
      c12 = b2.fma(v, c12);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      c21 = b1.fma(v, c21);
      c22 = b2.fma(v, c22);
      v = FloatVector.broadcast(S, a[ak + 3]);
      c30 = b0.fma(v, c30);
      c31 = b1.fma(v, c31);
      c32 = b2.fma(v, c32);
      v = FloatVector.broadcast(S, a[ak + 4]);
      c40 = b0.fma(v, c40);
      c41 = b1.fma(v, c41);
      c42 = b2.fma(v, c42);
      v = FloatVector.broadcast(S, a[ak + 5]);
      c50 = b0.fma(v, c50);
      c51 = b1.fma(v, c51);
      c52 = b2.fma(v, c52);
    }
    c00.intoArray(c, ci);
    c01.intoArray(c, ci + L);
    c02.intoArray(c, ci + 2 * L);
    c10.intoArray(c, ci + ldc);
    c11.intoArray(c, ci + ldc + L);
    c12.intoArray(c, ci + ldc + 2 * L);
    c20.intoArray(c, ci + 2 * ldc);
    c21.intoArray(c, ci + 2 * ldc + L);
    c22.intoArray(c, ci + 2 * ldc + 2 * L);
    c30.intoArray(c, ci + 3 * ldc);
    c31.intoArray(c, ci + 3 * ldc + L);
    c32.intoArray(c, ci + 3 * ldc + 2 * L);
    c40.intoArray(c, ci + 4 * ldc);
    c41.intoArray(c, ci + 4 * ldc + L);
    c42.intoArray(c, ci + 4 * ldc + 2 * L);
    c50.intoArray(c, ci + 5 * ldc);
    c51.intoArray(c, ci + 5 * ldc + L);
    c52.intoArray(c, ci + 5 * ldc + 2 * L);
  }

  /** 6 rows x 2 vectors: 12 accumulators. */
  static void k6x2(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
    FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
    FloatVector c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
    FloatVector c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
    FloatVector c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
    FloatVector c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 6;
      int bk = bi + kk * (2 * L);
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      c01 = b1.fma(v, c01);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      c11 = b1.fma(v, c11);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      c21 = b1.fma(v, c21);
      v = FloatVector.broadcast(S, a[ak + 3]);
      c30 = b0.fma(v, c30);
      c31 = b1.fma(v, c31);
      v = FloatVector.broadcast(S, a[ak + 4]);
      c40 = b0.fma(v, c40);
      c41 = b1.fma(v, c41);
      v = FloatVector.broadcast(S, a[ak + 5]);
      c50 = b0.fma(v, c50);
      c51 = b1.fma(v, c51);
    }
    c00.intoArray(c, ci);
    c01.intoArray(c, ci + L);
    c10.intoArray(c, ci + ldc);
    c11.intoArray(c, ci + ldc + L);
    c20.intoArray(c, ci + 2 * ldc);
    c21.intoArray(c, ci + 2 * ldc + L);
    c30.intoArray(c, ci + 3 * ldc);
    c31.intoArray(c, ci + 3 * ldc + L);
    c40.intoArray(c, ci + 4 * ldc);
    c41.intoArray(c, ci + 4 * ldc + L);
    c50.intoArray(c, ci + 5 * ldc);
    c51.intoArray(c, ci + 5 * ldc + L);
  }

  /** 6 rows x 1 vector: 6 accumulators. */
  static void k6x1(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
    FloatVector c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
    FloatVector c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 6;
      int bk = bi + kk * L;
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector v = FloatVector.broadcast(S, a[ak]);
      c00 = b0.fma(v, c00);
      v = FloatVector.broadcast(S, a[ak + 1]);
      c10 = b0.fma(v, c10);
      v = FloatVector.broadcast(S, a[ak + 2]);
      c20 = b0.fma(v, c20);
      v = FloatVector.broadcast(S, a[ak + 3]);
      c30 = b0.fma(v, c30);
      v = FloatVector.broadcast(S, a[ak + 4]);
      c40 = b0.fma(v, c40);
      v = FloatVector.broadcast(S, a[ak + 5]);
      c50 = b0.fma(v, c50);
    }
    c00.intoArray(c, ci);
    c10.intoArray(c, ci + ldc);
    c20.intoArray(c, ci + 2 * ldc);
    c30.intoArray(c, ci + 3 * ldc);
    c40.intoArray(c, ci + 4 * ldc);
    c50.intoArray(c, ci + 5 * ldc);
  }
}
