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
    /** 16 AVX2 registers: 12 accumulators, 2 patch vectors, 1 broadcast. */
    static final Tile T6X2 = new Tile(6, 2);
    /** 12 accumulators with 3 patch vectors: fewer broadcasts per FMA, all 16 registers. */
    static final Tile T4X3 = new Tile(4, 3);
    /** 32 AVX-512 registers: 24 accumulators, 3 patch vectors, 1 broadcast. */
    static final Tile T8X3 = new Tile(8, 3);
    static final Tile[] ALL = {T6X2, T4X3, T8X3};

    /** Output positions of a full panel. */
    int nr() {
      return nv * L;
    }

    /**
     * The tile for a vector of {@code lanes} floats. x86 has 16 vector registers up to AVX2 and
     * 32 with AVX-512 (whose floats are 16 lanes), and at least 8 independent FMA chains are
     * needed to cover a 4-cycle FMA latency on two pipes. With 16 registers, 6 x 2 holds 12
     * chains and loads 8 values (6 broadcasts + 2 vectors) per 12 FMAs, fewer than 4 x 3 needs
     * per position; its 16-position panels also waste less on small layers (7x7 = 49
     * positions) than 24. With 32 registers 8 x 3 holds 24 chains: 11 loads per 24 FMAs.
     */
    static Tile forLanes(int lanes) {
      return lanes >= 16 ? T8X3 : T6X2;
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
      case 6 * 4 + 2 -> k6x2(a, ai, b, bi, kc, c, ci, ldc);
      case 6 * 4 + 1 -> k6x1(a, ai, b, bi, kc, c, ci, ldc);
      case 4 * 4 + 3 -> k4x3(a, ai, b, bi, kc, c, ci, ldc);
      case 4 * 4 + 2 -> k4x2(a, ai, b, bi, kc, c, ci, ldc);
      case 4 * 4 + 1 -> k4x1(a, ai, b, bi, kc, c, ci, ldc);
      case 8 * 4 + 3 -> k8x3(a, ai, b, bi, kc, c, ci, ldc);
      case 8 * 4 + 2 -> k8x2(a, ai, b, bi, kc, c, ci, ldc);
      case 8 * 4 + 1 -> k8x1(a, ai, b, bi, kc, c, ci, ldc);
      default -> throw new IllegalArgumentException("no " + mr + "x" + nv + " micro-kernel");
    }
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

  /** 4 rows x 3 vectors: 12 accumulators. */
  static void k4x3(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
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
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 4;
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
  }

  /** 8 rows x 1 vector: 8 accumulators. */
  static void k8x1(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, ci);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
    FloatVector c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
    FloatVector c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
    FloatVector c60 = FloatVector.fromArray(S, c, ci + 6 * ldc);
    FloatVector c70 = FloatVector.fromArray(S, c, ci + 7 * ldc);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 8;
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
      v = FloatVector.broadcast(S, a[ak + 6]);
      c60 = b0.fma(v, c60);
      v = FloatVector.broadcast(S, a[ak + 7]);
      c70 = b0.fma(v, c70);
    }
    c00.intoArray(c, ci);
    c10.intoArray(c, ci + ldc);
    c20.intoArray(c, ci + 2 * ldc);
    c30.intoArray(c, ci + 3 * ldc);
    c40.intoArray(c, ci + 4 * ldc);
    c50.intoArray(c, ci + 5 * ldc);
    c60.intoArray(c, ci + 6 * ldc);
    c70.intoArray(c, ci + 7 * ldc);
  }

  /** 8 rows x 2 vectors: 16 accumulators. */
  static void k8x2(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
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
    FloatVector c60 = FloatVector.fromArray(S, c, ci + 6 * ldc);
    FloatVector c61 = FloatVector.fromArray(S, c, ci + 6 * ldc + L);
    FloatVector c70 = FloatVector.fromArray(S, c, ci + 7 * ldc);
    FloatVector c71 = FloatVector.fromArray(S, c, ci + 7 * ldc + L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 8;
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
      v = FloatVector.broadcast(S, a[ak + 6]);
      c60 = b0.fma(v, c60);
      c61 = b1.fma(v, c61);
      v = FloatVector.broadcast(S, a[ak + 7]);
      c70 = b0.fma(v, c70);
      c71 = b1.fma(v, c71);
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
    c60.intoArray(c, ci + 6 * ldc);
    c61.intoArray(c, ci + 6 * ldc + L);
    c70.intoArray(c, ci + 7 * ldc);
    c71.intoArray(c, ci + 7 * ldc + L);
  }

  /** 8 rows x 3 vectors: 24 accumulators. */
  static void k8x3(float[] a, int ai, float[] b, int bi, int kc, float[] c, int ci,
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
    FloatVector c60 = FloatVector.fromArray(S, c, ci + 6 * ldc);
    FloatVector c61 = FloatVector.fromArray(S, c, ci + 6 * ldc + L);
    FloatVector c62 = FloatVector.fromArray(S, c, ci + 6 * ldc + 2 * L);
    FloatVector c70 = FloatVector.fromArray(S, c, ci + 7 * ldc);
    FloatVector c71 = FloatVector.fromArray(S, c, ci + 7 * ldc + L);
    FloatVector c72 = FloatVector.fromArray(S, c, ci + 7 * ldc + 2 * L);
    for (int kk = 0; kk < kc; kk++) {
      int ak = ai + kk * 8;
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
      v = FloatVector.broadcast(S, a[ak + 6]);
      c60 = b0.fma(v, c60);
      c61 = b1.fma(v, c61);
      c62 = b2.fma(v, c62);
      v = FloatVector.broadcast(S, a[ak + 7]);
      c70 = b0.fma(v, c70);
      c71 = b1.fma(v, c71);
      c72 = b2.fma(v, c72);
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
    c60.intoArray(c, ci + 6 * ldc);
    c61.intoArray(c, ci + 6 * ldc + L);
    c62.intoArray(c, ci + 6 * ldc + 2 * L);
    c70.intoArray(c, ci + 7 * ldc);
    c71.intoArray(c, ci + 7 * ldc + L);
    c72.intoArray(c, ci + 7 * ldc + 2 * L);
  }
}
