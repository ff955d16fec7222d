package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.reference.Window2d;

/**
 * Float convolution as im2col + GEMM with a 4 x (2 * lanes) FMA micro-kernel: four output
 * channels' weights broadcast, two vectors of patch-matrix columns (output positions) loaded,
 * eight accumulators. The patch matrix is written in panels of 2 * lanes positions so the
 * micro-kernel reads it contiguously; output rows are NCHW planes, so results go straight to y.
 */
final class VectorFloatConv implements FloatConvKernel {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;
  static final int MR = 4;

  private final int c;
  private final int h;
  private final int w;
  private final int m;
  private final int oh;
  private final int ow;
  private final int ohw;
  private final int k;
  private final Window2d win;
  private final float[] weights;
  private final float[] bias;

  VectorFloatConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias) {
    this.c = c;
    this.h = h;
    this.w = w;
    this.m = m;
    this.oh = oh;
    this.ow = ow;
    this.ohw = oh * ow;
    this.k = c * win.kernelH() * win.kernelW();
    this.win = win;
    this.weights = weights;
    this.bias = bias;
  }

  /** Output positions per panel: two vectors. */
  static final int NR = 2 * L;

  private int panels() {
    return (ohw + NR - 1) / NR;
  }

  /**
   * The panels, then, when the last panel is partial, one row of NR floats per output channel:
   * the tail kernels store whole vectors there and copy the real positions out (masked stores
   * are not intrinsified on every CPU and would allocate). Each channel has its own row, so
   * workers on different channels never share one.
   */
  @Override
  public int scratchFloats() {
    return panels() * k * NR + (ohw % NR != 0 ? m * NR : 0);
  }

  @Override
  public int channelBlock() {
    return MR;
  }

  /**
   * Writes the patch matrix in panels of {@code NR} positions: panel j holds {@code
   * [k][NR]} for positions {@code j*NR ...}, so the micro-kernel reads it contiguously; positions
   * past the end are zero.
   */
  @Override
  public void im2col(float[] x, int xOff, int b, float[] col, int sOff) {
    int kh = win.kernelH();
    int kw = win.kernelW();
    int panel = k * NR;
    if (ohw % NR != 0) {
      int last = sOff + (panels() - 1) * panel;
      java.util.Arrays.fill(col, last, last + panel, 0f);
    }
    int sh = win.strideH();
    int sw = win.strideW();
    int np = panels();
    // Panel by panel so the writes are sequential; positions past ohw stay zero. Within a panel,
    // positions run along output rows: per row segment the valid input columns are one range.
    int dilH = win.dilationH();
    int dilW = win.dilationW();
    for (int j = 0; j < np; j++) {
      int p0 = j * NR;
      int cnt = Math.min(NR, ohw - p0);
      int oy0 = p0 / ow;
      int ox0 = p0 - oy0 * ow;
      int dst = sOff + j * panel;
      for (int ic = 0; ic < c; ic++) {
        int plane = xOff + (b * c + ic) * h * w;
        for (int ky = 0; ky < kh; ky++) {
          int dy = ky * dilH - win.padTop();
          for (int kx = 0; kx < kw; kx++, dst += NR) {
            int dx = kx * dilW - win.padLeft();
            // output columns whose input column ox * sw + dx lies in [0, w)
            int lo = dx >= 0 ? 0 : (-dx + sw - 1) / sw;
            int hi = w - 1 - dx < 0 ? -1 : (w - 1 - dx) / sw;
            int i = 0;
            int oy = oy0;
            int ox = ox0;
            while (i < cnt) {
              int seg = Math.min(cnt - i, ow - ox);
              int iy = oy * sh + dy;
              int d = dst + i;
              if (iy < 0 || iy >= h) {
                java.util.Arrays.fill(col, d, d + seg, 0f);
              } else {
                int a = Math.min(Math.max(lo - ox, 0), seg); // first valid offset in the segment
                int e = Math.max(Math.min(hi - ox + 1, seg), a); // end of the valid offsets
                for (int t = 0; t < a; t++) {
                  col[d + t] = 0f;
                }
                int src = plane + iy * w + ox * sw + dx;
                for (int t = a; t < e; t++) {
                  col[d + t] = x[src + t * sw];
                }
                for (int t = e; t < seg; t++) {
                  col[d + t] = 0f;
                }
              }
              i += seg;
              ox = 0;
              oy++;
            }
          }
        }
      }
    }
  }

  /** Reduction steps per pass: a panel's slice (KC x NR floats) stays in L1. */
  static final int KC = 256;

  @Override
  public void gemm(float[] col, int sOff, float[] y, int yOff, int b, int mFrom, int mTo) {
    int panel = k * NR;
    int np = ohw / NR; // full panels; a partial last panel is done in scalar code below
    int pVec = np * NR;
    // Accumulate into y, zeroed first: the micro-kernel has no first/last-pass branches, whose
    // changing profile (per layer) made C2 deoptimise it over and over.
    for (int mo = mFrom; mo < mTo; mo++) {
      int row = yOff + (b * m + mo) * ohw;
      java.util.Arrays.fill(y, row, row + pVec, 0f);
    }
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      int mo = mFrom;
      for (; mo + MR <= mTo; mo += MR) {
        for (int j = 0; j < np; j++) {
          micro(col, sOff + j * panel, mo, y, yOff + (b * m + mo) * ohw + j * NR, ohw, k0,
              k1);
        }
      }
      for (; mo < mTo; mo++) {
        for (int j = 0; j < np; j++) {
          row(col, sOff + j * panel, mo, y, yOff + (b * m + mo) * ohw + j * NR, k0, k1);
        }
      }
    }
    for (int mo = mFrom; mo < mTo; mo++) {
      int row = yOff + (b * m + mo) * ohw;
      if (bias != null) {
        float bv = bias[mo];
        for (int p = 0; p < pVec; p++) {
          y[row + p] += bv;
        }
      }
    }
    if (pVec < ohw) {
      // The last, partial panel (zero-padded by im2col): whole vectors into this block's tail
      // rows, all reduction steps at once, then the real positions copied out.
      int cnt = ohw - pVec;
      int cBase = sOff + np * panel;
      int tail = sOff + panels() * panel;
      java.util.Arrays.fill(col, tail + mFrom * NR, tail + mTo * NR, 0f);
      int mo = mFrom;
      for (; mo + MR <= mTo; mo += MR) {
        micro(col, cBase, mo, col, tail + mo * NR, NR, 0, k);
      }
      for (; mo < mTo; mo++) {
        row(col, cBase, mo, col, tail + mo * NR, 0, k);
      }
      for (mo = mFrom; mo < mTo; mo++) {
        int t = tail + mo * NR;
        if (bias != null) {
          for (int p = 0; p < cnt; p++) {
            col[t + p] += bias[mo];
          }
        }
        System.arraycopy(col, t, y, yOff + (b * m + mo) * ohw + pVec, cnt);
      }
    }
  }

  /**
   * Four output channels over one full panel, reduction steps {@code [k0, k1)}, accumulated
   * into y, whose rows are {@code stride} apart.
   */
  private void micro(float[] col, int cBase, int mo, float[] y, int yBase, int stride, int k0,
      int k1) {
    FloatVector a00 = FloatVector.fromArray(S, y, yBase);
    FloatVector a01 = FloatVector.fromArray(S, y, yBase + L);
    FloatVector a10 = FloatVector.fromArray(S, y, yBase + stride);
    FloatVector a11 = FloatVector.fromArray(S, y, yBase + stride + L);
    FloatVector a20 = FloatVector.fromArray(S, y, yBase + 2 * stride);
    FloatVector a21 = FloatVector.fromArray(S, y, yBase + 2 * stride + L);
    FloatVector a30 = FloatVector.fromArray(S, y, yBase + 3 * stride);
    FloatVector a31 = FloatVector.fromArray(S, y, yBase + 3 * stride + L);
    float[] wt = weights;
    int w0 = mo * k;
    int w1 = w0 + k;
    int w2 = w1 + k;
    int w3 = w2 + k;
    int ci = cBase + k0 * NR;
    for (int kk = k0; kk < k1; kk++, ci += NR) {
      FloatVector c0 = FloatVector.fromArray(S, col, ci);
      FloatVector c1 = FloatVector.fromArray(S, col, ci + L);
      FloatVector v = FloatVector.broadcast(S, wt[w0 + kk]);
      a00 = c0.fma(v, a00);
      a01 = c1.fma(v, a01);
      v = FloatVector.broadcast(S, wt[w1 + kk]);
      a10 = c0.fma(v, a10);
      a11 = c1.fma(v, a11);
      v = FloatVector.broadcast(S, wt[w2 + kk]);
      a20 = c0.fma(v, a20);
      a21 = c1.fma(v, a21);
      v = FloatVector.broadcast(S, wt[w3 + kk]);
      a30 = c0.fma(v, a30);
      a31 = c1.fma(v, a31);
    }
    a00.intoArray(y, yBase);
    a01.intoArray(y, yBase + L);
    a10.intoArray(y, yBase + stride);
    a11.intoArray(y, yBase + stride + L);
    a20.intoArray(y, yBase + 2 * stride);
    a21.intoArray(y, yBase + 2 * stride + L);
    a30.intoArray(y, yBase + 3 * stride);
    a31.intoArray(y, yBase + 3 * stride + L);
  }

  /** One output channel over one full panel, reduction steps {@code [k0, k1)}, into y. */
  private void row(float[] col, int cBase, int mo, float[] y, int yBase, int k0, int k1) {
    FloatVector a0 = FloatVector.fromArray(S, y, yBase);
    FloatVector a1 = FloatVector.fromArray(S, y, yBase + L);
    int wb = mo * k;
    int ci = cBase + k0 * NR;
    for (int kk = k0; kk < k1; kk++, ci += NR) {
      FloatVector v = FloatVector.broadcast(S, weights[wb + kk]);
      a0 = FloatVector.fromArray(S, col, ci).fma(v, a0);
      a1 = FloatVector.fromArray(S, col, ci + L).fma(v, a1);
    }
    a0.intoArray(y, yBase);
    a1.intoArray(y, yBase + L);
  }
}
