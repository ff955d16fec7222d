package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.Window2d;

/**
 * Float convolution as im2col + GEMM with a 4 x (2 * lanes) FMA micro-kernel: four output
 * channels' weights broadcast, two vectors of patch-matrix columns (output positions) loaded,
 * eight accumulators. The patch matrix is written in panels of 2 * lanes positions so the
 * micro-kernel reads it contiguously; output rows are NCHW planes, so results go straight to y.
 *
 * <p>Two schedules. When the weights fit in L2 (the stem, 1x1 downsamples, early layers with few
 * channels) each panel is packed right before all output channels consume it, by the worker
 * that owns it: the patch matrix never leaves L1/L2 and packing runs on every thread. Otherwise
 * the whole patch matrix is packed once and workers split the output channels, so the large
 * weights stream through the cache once per reduction slab instead of once per panel.
 */
final class VectorFloatConv implements FloatConvKernel {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;
  /**
   * Most output channels per micro-kernel block: five rows of two vectors are ten accumulators,
   * enough to cover the FMA latency on two pipes, and with the two panel vectors and a broadcast
   * they still fit in 16 registers (six rows spilled).
   */
  static final int MR = 5;
  /** Weights up to this size are re-read from L2 for every panel (the fused schedule). */
  static final int FUSED_WEIGHT_BYTES = 256 * 1024;

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
  /** Per kernel column kx: the output columns whose input column lies inside the row. */
  private final int[] firstValidOx;
  private final int[] endValidOx;
  private final boolean fused;
  /** Output channel blocks: block i is channels {@code [blockStart[i], blockStart[i + 1])}. */
  private final int[] blockStart;

  VectorFloatConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias) {
    this(c, h, w, m, win, oh, ow, weights, bias,
        4L * m * c * win.kernelH() * win.kernelW() <= FUSED_WEIGHT_BYTES);
  }

  VectorFloatConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias, boolean fused) {
    this.fused = fused;
    this.blockStart = channelBlocks(m);
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
    // Hoisted out of im2col: two integer divisions per (panel, tap) cost as much as the copy.
    int kw = win.kernelW();
    firstValidOx = new int[kw];
    endValidOx = new int[kw];
    for (int kx = 0; kx < kw; kx++) {
      int dx = kx * win.dilationW() - win.padLeft();
      int sw = win.strideW();
      int lo = dx >= 0 ? 0 : (-dx + sw - 1) / sw;
      int hi = w - 1 - dx < 0 ? -1 : (w - 1 - dx) / sw;
      firstValidOx[kx] = Math.min(lo, ow);
      endValidOx[kx] = Math.max(Math.min(hi + 1, ow), firstValidOx[kx]);
    }
  }

  /**
   * Blocks of five channels, then of four (every m from 12 on is a sum of fives and fours), then
   * single rows for what is left of a small m.
   */
  static int[] channelBlocks(int m) {
    int fours = 0;
    while (4 * fours <= m && (m - 4 * fours) % 5 != 0) {
      fours++;
    }
    int fives;
    if (4 * fours <= m) {
      fives = (m - 4 * fours) / 5;
    } else {
      fives = m / 5;
      fours = 0;
    }
    int singles = m - 5 * fives - 4 * fours;
    int[] start = new int[fives + fours + singles + 1];
    int i = 0;
    for (int f = 0; f < fives; f++, i++) {
      start[i + 1] = start[i] + 5;
    }
    for (int f = 0; f < fours; f++, i++) {
      start[i + 1] = start[i] + 4;
    }
    for (int f = 0; f < singles; f++, i++) {
      start[i + 1] = start[i] + 1;
    }
    return start;
  }

  /** Output positions per panel: two vectors. */
  static final int NR = 2 * L;

  private int panels() {
    return (ohw + NR - 1) / NR;
  }

  private boolean partialPanel() {
    return ohw % NR != 0;
  }

  /** The whole patch matrix, in the channel-split schedule. */
  @Override
  public int sharedScratchFloats() {
    return fused ? 0 : panels() * k * NR;
  }

  /**
   * One panel in the fused schedule, and MR rows of NR floats for a partial last panel: the tail
   * kernels store whole vectors there and copy the real positions out (masked stores are not
   * intrinsified on every CPU and would allocate).
   */
  @Override
  public int workerScratchFloats() {
    return (fused ? k * NR : 0) + (partialPanel() ? MR * NR : 0);
  }

  @Override
  public int workItems() {
    return fused ? panels() : blockStart.length - 1;
  }

  @Override
  public int grain() {
    return 1;
  }

  @Override
  public int prepareItems() {
    return fused ? 0 : panels();
  }

  @Override
  public void prepare(float[] x, int xOff, int b, float[] scratch, int sharedOff, int from,
      int to) {
    im2col(x, xOff, b, scratch, sharedOff + from * k * NR, from, to);
  }

  @Override
  public void run(float[] x, int xOff, int b, float[] y, int yOff, float[] scratch,
      int sharedOff, int workerOff, int from, int to) {
    int tail = workerOff + (fused ? k * NR : 0);
    if (!fused) {
      gemm(scratch, sharedOff, y, yOff, b, from, to);
      if (partialPanel()) {
        tailPanel(scratch, sharedOff + (panels() - 1) * k * NR, scratch, tail, y, yOff, b, from,
            to);
      }
      return;
    }
    int full = ohw / NR;
    for (int j = from; j < to; j++) {
      im2col(x, xOff, b, scratch, workerOff, j, j + 1);
      if (j < full) {
        panelGemm(scratch, workerOff, y, yOff + (b * m) * ohw + j * NR);
      } else {
        tailPanel(scratch, workerOff, scratch, tail, y, yOff, b, 0, blockStart.length - 1);
      }
    }
  }

  /** All output channels of one full panel: accumulators start from the bias. */
  private void panelGemm(float[] col, int cOff, float[] y, int yBase) {
    // Two vector stores per row: Arrays.fill on 16 floats cost 3% of Bi-Real ResNet-18.
    for (int mo = 0; mo < m; mo++) {
      int row = yBase + mo * ohw;
      FloatVector start = FloatVector.broadcast(S, bias == null ? 0f : bias[mo]);
      start.intoArray(y, row);
      start.intoArray(y, row + L);
    }
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      for (int blk = 0; blk + 1 < blockStart.length; blk++) {
        int mo = blockStart[blk];
        block(col, cOff, mo, blockStart[blk + 1] - mo, y, yBase + mo * ohw, ohw, k0, k1);
      }
    }
  }

  /**
   * Writes panels {@code [jFrom, jTo)} of the patch matrix from {@code sOff} on: panel j holds
   * {@code [k][NR]} for positions {@code j*NR ...}, so the micro-kernel reads it contiguously;
   * positions past the end are zero.
   */
  private void im2col(float[] x, int xOff, int b, float[] col, int sOff, int jFrom, int jTo) {
    int kh = win.kernelH();
    int kw = win.kernelW();
    int panel = k * NR;
    if (partialPanel() && jTo == panels()) {
      int last = sOff + (jTo - 1 - jFrom) * panel;
      java.util.Arrays.fill(col, last, last + panel, 0f);
    }
    int sh = win.strideH();
    int sw = win.strideW();
    // Panel by panel so the writes are sequential; positions past ohw stay zero. Within a panel,
    // positions run along output rows: per row segment the valid input columns are one range.
    int dilH = win.dilationH();
    int dilW = win.dilationW();
    for (int j = jFrom; j < jTo; j++) {
      int p0 = j * NR;
      int cnt = Math.min(NR, ohw - p0);
      int oy0 = p0 / ow;
      int ox0 = p0 - oy0 * ow;
      int dst = sOff + (j - jFrom) * panel;
      if (cnt == NR && ox0 + NR <= ow) {
        panelInOneRow(x, xOff, b, col, dst, oy0, ox0);
        continue;
      }
      for (int ic = 0; ic < c; ic++) {
        int plane = xOff + (b * c + ic) * h * w;
        for (int ky = 0; ky < kh; ky++) {
          int dy = ky * dilH - win.padTop();
          for (int kx = 0; kx < kw; kx++, dst += NR) {
            int dx = kx * dilW - win.padLeft();
            int lo = firstValidOx[kx];
            int hi = endValidOx[kx];
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
                int e = Math.max(Math.min(hi - ox, seg), a); // end of the valid offsets
                for (int t = 0; t < a; t++) {
                  col[d + t] = 0f;
                }
                int src = plane + iy * w + ox * sw + dx;
                if (sw == 1) {
                  if (e > a) { // an empty range may start past the end of x
                    System.arraycopy(x, src + a, col, d + a, e - a);
                  }
                } else {
                  for (int t = a; t < e; t++) {
                    col[d + t] = x[src + t * sw];
                  }
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

  /**
   * One panel whose NR positions lie on one output row (most panels of a wide layer): each
   * (channel, tap) row is one input row segment, copied whole when all its columns are inside.
   */
  private void panelInOneRow(float[] x, int xOff, int b, float[] col, int dst, int oy, int ox0) {
    int kh = win.kernelH();
    int kw = win.kernelW();
    int sh = win.strideH();
    int sw = win.strideW();
    int dilH = win.dilationH();
    int dilW = win.dilationW();
    for (int ic = 0; ic < c; ic++) {
      int plane = xOff + (b * c + ic) * h * w;
      for (int ky = 0; ky < kh; ky++) {
        int iy = oy * sh + ky * dilH - win.padTop();
        if (iy < 0 || iy >= h) {
          java.util.Arrays.fill(col, dst, dst + kw * NR, 0f);
          dst += kw * NR;
          continue;
        }
        int rowBase = plane + iy * w + ox0 * sw - win.padLeft();
        for (int kx = 0; kx < kw; kx++, dst += NR) {
          int src = rowBase + kx * dilW;
          int a = Math.min(Math.max(firstValidOx[kx] - ox0, 0), NR);
          int e = Math.max(Math.min(endValidOx[kx] - ox0, NR), a);
          if (a == 0 && e == NR) {
            if (sw == 1) {
              FloatVector.fromArray(S, x, src).intoArray(col, dst);
              FloatVector.fromArray(S, x, src + L).intoArray(col, dst + L);
              continue;
            }
            if (sw == 2 && src + 2 * NR <= x.length) {
              copyEvenLanes(x, src, col, dst);
              continue;
            }
          }
          for (int t = 0; t < a; t++) {
            col[dst + t] = 0f;
          }
          for (int t = a; t < e; t++) {
            col[dst + t] = x[src + t * sw];
          }
          for (int t = e; t < NR; t++) {
            col[dst + t] = 0f;
          }
        }
      }
    }
  }

  private static final VectorShuffle<Float> EVENS_LOW = VectorConstants.EVENS_LOW;
  private static final VectorShuffle<Float> EVENS_HIGH = VectorConstants.EVENS_HIGH;
  private static final VectorMask<Float> HIGH_HALF = VectorConstants.HIGH_HALF;

  /**
   * {@code col[d + t] = x[src + 2t]} for one panel row of NR positions: a stride-2 copy (the
   * stem's 7x7 stride 2 convolution) as two vector loads and a lane shuffle per vector, instead of
   * NR scalar copies.
   */
  private static void copyEvenLanes(float[] x, int src, float[] col, int d) {
    for (int v = 0; v < NR; v += L, src += 2 * L) {
      FloatVector lo = FloatVector.fromArray(S, x, src).rearrange(EVENS_LOW);
      FloatVector hi = FloatVector.fromArray(S, x, src + L).rearrange(EVENS_HIGH);
      lo.blend(hi, HIGH_HALF).intoArray(col, d + v);
    }
  }

  /** Reduction steps per pass: a panel's slice (KC x NR floats) stays in L1. */
  static final int KC = 256;

  /** Channel blocks {@code [from, to)} over the full panels of the whole patch matrix. */
  private void gemm(float[] col, int sOff, float[] y, int yOff, int b, int from, int to) {
    int mFrom = blockStart[from];
    int mTo = blockStart[to];
    int panel = k * NR;
    int np = ohw / NR; // full panels; a partial last panel goes through tailPanel
    int pVec = np * NR;
    // Accumulate into y, zeroed first: the micro-kernel has no first/last-pass branches, whose
    // changing profile (per layer) made C2 deoptimise it over and over.
    for (int mo = mFrom; mo < mTo; mo++) {
      int row = yOff + (b * m + mo) * ohw;
      java.util.Arrays.fill(y, row, row + pVec, 0f);
    }
    for (int k0 = 0; k0 < k; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      for (int blk = from; blk < to; blk++) {
        int mo = blockStart[blk];
        int rows = blockStart[blk + 1] - mo;
        for (int j = 0; j < np; j++) {
          block(col, sOff + j * panel, mo, rows, y, yOff + (b * m + mo) * ohw + j * NR, ohw, k0,
              k1);
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
  }

  /**
   * Channel blocks {@code [from, to)} of the last, partial panel (zero-padded by im2col): whole
   * vectors into the worker's tail rows, all reduction steps at once, then the real positions
   * copied out.
   */
  private void tailPanel(float[] col, int cBase, float[] scratch, int tail, float[] y, int yOff,
      int b, int from, int to) {
    int pVec = ohw / NR * NR;
    int cnt = ohw - pVec;
    for (int blk = from; blk < to; blk++) {
      int mo = blockStart[blk];
      int rows = blockStart[blk + 1] - mo;
      java.util.Arrays.fill(scratch, tail, tail + MR * NR, 0f);
      block(col, cBase, mo, rows, scratch, tail, NR, 0, k);
      for (int r = 0; r < rows; r++) {
        int t = tail + r * NR;
        if (bias != null) {
          for (int p = 0; p < cnt; p++) {
            scratch[t + p] += bias[mo + r];
          }
        }
        System.arraycopy(scratch, t, y, yOff + (b * m + mo + r) * ohw + pVec, cnt);
      }
    }
  }

  /** One channel block over one full panel (see {@link #micro}). */
  private void block(float[] col, int cBase, int mo, int rows, float[] y, int yBase, int stride,
      int k0, int k1) {
    if (rows == 5) {
      micro5(col, cBase, mo, y, yBase, stride, k0, k1);
    } else if (rows == 4) {
      micro(col, cBase, mo, y, yBase, stride, k0, k1);
    } else {
      for (int r = 0; r < rows; r++) {
        row(col, cBase, mo + r, y, yBase + r * stride, k0, k1);
      }
    }
  }

  /** {@link #micro} for five output channels. */
  private void micro5(float[] col, int cBase, int mo, float[] y, int yBase, int stride, int k0,
      int k1) {
    FloatVector a00 = FloatVector.fromArray(S, y, yBase);
    FloatVector a01 = FloatVector.fromArray(S, y, yBase + L);
    FloatVector a10 = FloatVector.fromArray(S, y, yBase + stride);
    FloatVector a11 = FloatVector.fromArray(S, y, yBase + stride + L);
    FloatVector a20 = FloatVector.fromArray(S, y, yBase + 2 * stride);
    FloatVector a21 = FloatVector.fromArray(S, y, yBase + 2 * stride + L);
    FloatVector a30 = FloatVector.fromArray(S, y, yBase + 3 * stride);
    FloatVector a31 = FloatVector.fromArray(S, y, yBase + 3 * stride + L);
    FloatVector a40 = FloatVector.fromArray(S, y, yBase + 4 * stride);
    FloatVector a41 = FloatVector.fromArray(S, y, yBase + 4 * stride + L);
    float[] wt = weights;
    int w0 = mo * k;
    int w1 = w0 + k;
    int w2 = w1 + k;
    int w3 = w2 + k;
    int w4 = w3 + k;
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
      v = FloatVector.broadcast(S, wt[w4 + kk]);
      a40 = c0.fma(v, a40);
      a41 = c1.fma(v, a41);
    }
    a00.intoArray(y, yBase);
    a01.intoArray(y, yBase + L);
    a10.intoArray(y, yBase + stride);
    a11.intoArray(y, yBase + stride + L);
    a20.intoArray(y, yBase + 2 * stride);
    a21.intoArray(y, yBase + 2 * stride + L);
    a30.intoArray(y, yBase + 3 * stride);
    a31.intoArray(y, yBase + 3 * stride + L);
    a40.intoArray(y, yBase + 4 * stride);
    a41.intoArray(y, yBase + 4 * stride + L);
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
