package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.Window2d;

/**
 * Float convolution as im2col + the packed GEMM of {@link VectorFloatGemm}: the weights are
 * packed once, here, into panels of {@code mr} output channels; the patch matrix is written in
 * panels of {@code nr} positions; an {@code mr x nr} register tile accumulates over slices of
 * {@link #KC} reduction steps. Output rows are NCHW planes, so interior tiles accumulate straight
 * into y; a tile on the edge (the last channels when m is not a multiple of mr, the last
 * positions when the plane is not a multiple of nr) runs all of k into a worker's tile buffer
 * and copies its real part out. Every output starts from its bias and adds the reduction steps
 * in ascending order, one FMA each, whatever the tile, schedule or thread split: the bits do
 * not depend on them.
 *
 * <p>Two schedules. When the weights fit in L2 (the stem, 1x1 downsamples, early layers with few
 * channels) each panel is packed right before all output channels consume it, by the worker
 * that owns it: the patch matrix never leaves L1/L2 and packing runs on every thread. Otherwise
 * the whole patch matrix is packed once and workers split the channel blocks, so the large
 * weights stream through the cache once per reduction slice instead of once per panel.
 */
final class VectorFloatConv extends VectorPackedConv {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;
  /** Weights up to this size are re-read from L2 for every panel (the fused schedule). */
  static final int FUSED_WEIGHT_BYTES = 256 * 1024;
  /** Reduction steps per slice: a panel's slice (KC x nr floats, 16 KiB on AVX2) stays in L1. */
  static final int KC = 256;
  /**
   * Bytes of patch-matrix slices the shared schedule keeps in L2 while one weight slice (mr x
   * KC) sits in L1: that many panels are swept per channel block before the next block.
   */
  static final int L2_PANEL_BYTES = 192 * 1024;

  private final int ohw;
  /** Per kernel column kx: the output columns whose input column lies inside the row. */
  private final int[] firstValidOx;
  private final int[] endValidOx;
  private final boolean fused;

  /** Channel blocks with mr real channels. */
  private final int fullBlocks;
  /** Position panels of nr, how many are full, and the last one's positions and width. */
  private final int panels;
  private final int fullPanels;
  private final int tailCnt;
  private final int tailNv;
  private final int tailWidth;
  /** Full panels the shared schedule sweeps per channel block (see {@link #L2_PANEL_BYTES}). */
  private final int panelsPerSweep;

  VectorFloatConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias) {
    this(c, h, w, m, win, oh, ow, weights, bias,
        4L * m * c * win.kernelH() * win.kernelW() <= FUSED_WEIGHT_BYTES);
  }

  VectorFloatConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias, boolean fused) {
    this(c, h, w, m, win, oh, ow, weights, bias, fused, VectorFloatGemm.Tile.forLanes(L));
  }

  /** With a given schedule and register tile (tests run every tile on any machine). */
  VectorFloatConv(int c, int h, int w, int m, Window2d win, int oh, int ow, float[] weights,
      float[] bias, boolean fused, VectorFloatGemm.Tile tile) {
    super(c, h, w, m, win, oh, ow, weights, bias, tile);
    this.fused = fused;
    this.ohw = oh * ow;
    this.fullBlocks = m / mr;
    this.panels = (ohw + nr - 1) / nr;
    this.fullPanels = ohw / nr;
    this.tailCnt = ohw - fullPanels * nr;
    this.tailNv = (tailCnt + L - 1) / L;
    this.tailWidth = tailNv * L;
    this.panelsPerSweep = Math.max(1, L2_PANEL_BYTES / (4 * KC * nr));
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

  /** The whole patch matrix, in the shared schedule. */
  @Override
  public int sharedScratchFloats() {
    return fused ? 0 : panels * k * nr;
  }

  /** One panel in the fused schedule, and an mr x nr tile buffer for edge tiles. */
  @Override
  public int workerScratchFloats() {
    return (fused ? k * nr : 0) + mr * nr;
  }

  @Override
  public int workItems() {
    return fused ? panels : blocks;
  }

  @Override
  public int prepareItems() {
    return fused ? 0 : panels;
  }

  @Override
  public void prepare(float[] x, int xOff, int b, float[] scratch, int sharedOff, int from,
      int to) {
    im2col(x, xOff, b, scratch, sharedOff + from * k * nr, from, to);
  }

  @Override
  public void run(float[] x, int xOff, int b, float[] y, int yOff, float[] scratch,
      int sharedOff, int workerOff, int from, int to) {
    int yImage = yOff + b * m * ohw;
    if (!fused) {
      sweep(scratch, sharedOff, y, yImage, scratch, workerOff, from, to);
      return;
    }
    int tile = workerOff + k * nr;
    for (int j = from; j < to; j++) {
      im2col(x, xOff, b, scratch, workerOff, j, j + 1);
      panel(scratch, workerOff, j, y, yImage, scratch, tile);
    }
  }

  /** All channel blocks of panel j, whose patch columns start at {@code cOff}. */
  private void panel(float[] col, int cOff, int j, float[] y, int yImage, float[] tb,
      int tile) {
    int p0 = j * nr;
    if (j >= fullPanels) {
      for (int blk = 0; blk < blocks; blk++) {
        edgeTile(col, cOff, blk, tailNv, p0, tailCnt, y, yImage, tb, tile);
      }
      return;
    }
    for (int mo = 0; mo < fullBlocks * mr; mo++) {
      fillBias(y, yImage + mo * ohw + p0, nr, mo);
    }
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      for (int blk = 0; blk < fullBlocks; blk++) {
        VectorFloatGemm.micro(mr, nv, packed, blk * mr * k + k0 * mr, col, cOff + k0 * nr, kc, y,
            yImage + blk * mr * ohw + p0, ohw);
      }
    }
    if (fullBlocks < blocks) {
      edgeTile(col, cOff, fullBlocks, nv, p0, nr, y, yImage, tb, tile);
    }
  }

  /**
   * Channel blocks {@code [from, to)} over the whole patch matrix (the shared schedule): for each
   * sweep of panels and slice of k, one block's weight slice stays in L1 while it meets every
   * panel's slice in L2.
   */
  private void sweep(float[] col, int sOff, float[] y, int yImage, float[] tb, int tile,
      int from, int to) {
    int panel = k * nr;
    int inner = Math.min(to, fullBlocks);
    for (int mo = from * mr; mo < inner * mr; mo++) {
      fillBias(y, yImage + mo * ohw, fullPanels * nr, mo);
    }
    for (int j0 = 0; j0 < fullPanels; j0 += panelsPerSweep) {
      int j1 = Math.min(fullPanels, j0 + panelsPerSweep);
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = Math.min(KC, k - k0);
        for (int blk = from; blk < inner; blk++) {
          int ai = blk * mr * k + k0 * mr;
          int yb = yImage + blk * mr * ohw;
          for (int j = j0; j < j1; j++) {
            VectorFloatGemm.micro(mr, nv, packed, ai, col, sOff + j * panel + k0 * nr, kc, y,
                yb + j * nr, ohw);
          }
        }
      }
    }
    for (int blk = from; blk < to; blk++) {
      if (blk >= fullBlocks) {
        for (int j = 0; j < fullPanels; j++) {
          edgeTile(col, sOff + j * panel, blk, nv, j * nr, nr, y, yImage, tb, tile);
        }
      }
      if (tailCnt > 0) {
        edgeTile(col, sOff + fullPanels * panel, blk, tailNv, fullPanels * nr, tailCnt, y,
            yImage, tb, tile);
      }
    }
  }

  /**
   * Channel block blk over the panel at {@code cOff} ({@code vecs} vectors wide, positions
   * {@code p0 ...} of which {@code cnt} are real): all of k into the tile buffer, started from
   * the bias (0 for channels past m), then the real channels and positions copied to y.
   */
  private void edgeTile(float[] col, int cOff, int blk, int vecs, int p0, int cnt, float[] y,
      int yImage, float[] tb, int tile) {
    int width = vecs * L;
    int mo = blk * mr;
    for (int r = 0; r < mr; r++) {
      fillBias(tb, tile + r * width, width, mo + r);
    }
    VectorFloatGemm.micro(mr, vecs, packed, mo * k, col, cOff, k, tb, tile, width);
    int rows = Math.min(mr, m - mo);
    for (int r = 0; r < rows; r++) {
      System.arraycopy(tb, tile + r * width, y, yImage + (mo + r) * ohw + p0, cnt);
    }
  }

  /** {@code len} floats (a multiple of L) of channel mo's bias, 0 past m or without bias. */
  private void fillBias(float[] y, int off, int len, int mo) {
    FloatVector v = FloatVector.broadcast(S, bias == null || mo >= m ? 0f : bias[mo]);
    for (int i = 0; i < len; i += L) {
      v.intoArray(y, off + i);
    }
  }

  /**
   * Writes panels {@code [jFrom, jTo)} of the patch matrix from {@code sOff} on: panel j holds
   * {@code [k][nr]} for positions {@code j*nr ...}, so the micro-kernel reads it contiguously;
   * the last, partial panel is {@code [k][tailWidth]} in the same slot, positions past the end
   * zero.
   */
  private void im2col(float[] x, int xOff, int b, float[] col, int sOff, int jFrom, int jTo) {
    int kh = win.kernelH();
    int kw = win.kernelW();
    int panel = k * nr;
    if (tailCnt > 0 && jTo == panels) {
      int last = sOff + (jTo - 1 - jFrom) * panel;
      java.util.Arrays.fill(col, last, last + k * tailWidth, 0f);
    }
    int sh = win.strideH();
    int sw = win.strideW();
    // Panel by panel so the writes are sequential; positions past ohw stay zero. Within a panel,
    // positions run along output rows: per row segment the valid input columns are one range.
    int dilH = win.dilationH();
    int dilW = win.dilationW();
    for (int j = jFrom; j < jTo; j++) {
      int p0 = j * nr;
      int cnt = Math.min(nr, ohw - p0);
      int pw = j < fullPanels ? nr : tailWidth;
      int oy0 = p0 / ow;
      int ox0 = p0 - oy0 * ow;
      int dst = sOff + (j - jFrom) * panel;
      if (cnt == nr && ox0 + nr <= ow) {
        panelInOneRow(x, xOff, b, col, dst, oy0, ox0);
        continue;
      }
      for (int ic = 0; ic < c; ic++) {
        int plane = xOff + (b * c + ic) * h * w;
        for (int ky = 0; ky < kh; ky++) {
          int dy = ky * dilH - win.padTop();
          for (int kx = 0; kx < kw; kx++, dst += pw) {
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
   * One panel whose nr positions lie on one output row (most panels of a wide layer): each
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
          java.util.Arrays.fill(col, dst, dst + kw * nr, 0f);
          dst += kw * nr;
          continue;
        }
        int rowBase = plane + iy * w + ox0 * sw - win.padLeft();
        for (int kx = 0; kx < kw; kx++, dst += nr) {
          int src = rowBase + kx * dilW;
          int a = Math.min(Math.max(firstValidOx[kx] - ox0, 0), nr);
          int e = Math.max(Math.min(endValidOx[kx] - ox0, nr), a);
          if (a == 0 && e == nr) {
            if (sw == 1) {
              for (int v = 0; v < nr; v += L) {
                FloatVector.fromArray(S, x, src + v).intoArray(col, dst + v);
              }
              continue;
            }
            if (sw == 2 && src + 2 * nr <= x.length) {
              copyEvenLanes(x, src, col, dst, nr);
              continue;
            }
          }
          for (int t = 0; t < a; t++) {
            col[dst + t] = 0f;
          }
          for (int t = a; t < e; t++) {
            col[dst + t] = x[src + t * sw];
          }
          for (int t = e; t < nr; t++) {
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
   * {@code col[d + t] = x[src + 2t]} for one panel row of nr positions: a stride-2 copy (the
   * stem's 7x7 stride 2 convolution) as two vector loads and a lane shuffle per vector, instead of
   * nr scalar copies.
   */
  private static void copyEvenLanes(float[] x, int src, float[] col, int d, int nr) {
    for (int v = 0; v < nr; v += L, src += 2 * L) {
      FloatVector lo = FloatVector.fromArray(S, x, src).rearrange(EVENS_LOW);
      FloatVector hi = FloatVector.fromArray(S, x, src + L).rearrange(EVENS_HIGH);
      lo.blend(hi, HIGH_HALF).intoArray(col, d + v);
    }
  }
}
