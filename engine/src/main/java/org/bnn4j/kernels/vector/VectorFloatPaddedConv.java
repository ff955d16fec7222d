package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.Window2d;

/**
 * A stride-1 or stride-2 float convolution whose patch panels are plain vector copies from a
 * zero-padded input, then the packed GEMM of {@link VectorFloatGemm}.
 *
 * <p>With stride 1, output position {@code (oy, ox)} and tap {@code (ic, ky, kx)} read padded
 * input {@code [ic][oy + ky*dilH][ox + kx*dilW]}. Numbering positions over the padded width
 * {@code wp} (virtual position {@code oy * wp + ox}; the columns {@code ox >= ow} are computed and
 * dropped), one tap's inputs for consecutive virtual positions are consecutive floats at a fixed
 * offset {@code off[kk]}: every row of every panel is {@code nv} whole-vector copies, with no
 * edge, padding or row-crossing cases. im2col's per-row bookkeeping cost a third of a 56x56x64
 * layer; this costs one copy of the input with its border plus {@code (wp - ow) / wp} wasted
 * columns (2 of 58 there). Results go to a worker's tile rows and are copied out row segment by
 * row segment.
 *
 * <p>Stride 2 becomes stride 1 by splitting each padded channel into its four phases (even or
 * odd rows by even or odd columns): tap {@code (ky, kx)} of output {@code (oy, ox)} is phase
 * {@code (ky*dilH % 2, kx*dilW % 2)} at {@code (oy + ky*dilH / 2, ox + kx*dilW / 2)}, so the 7x7/2
 * stem and the 1x1/2 and 3x3/2 downsamples need no im2col either. Each output adds its reduction steps in ascending order from the bias, one FMA
 * each, as in {@link VectorFloatConv}, so the bits do not depend on the thread split.
 */
final class VectorFloatPaddedConv extends VectorPackedConv {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;
  private static final int L = VectorConstants.FLOAT_LANES;
  /**
   * Reduction steps per slice: a group's packed slice (up to 4 x KC x nr floats, 128 KiB on
   * AVX2) stays in L2 while each channel block's weight slice (mr x KC) is reused from L1 by
   * every panel of the group. 512 measured a little faster than 256 and 1024 on AVX2.
   */
  static final int KC = 512;
  /**
   * Most panels per work item. A group shares each weight slice while it is in L1 (the weights
   * of a 7x7x512 layer, 9 MiB, stream from memory once per group, not once per panel), and its
   * patch rows are copied as one contiguous run per source row instead of once per panel.
   */
  static final int MAX_GROUP = 4;

  /** Strides, each 1 or 2: a padded channel is {@code sh * sw} phase planes. */
  private final int sh;
  private final int sw;
  /** One phase plane of the padded input: {@code hp} rows of {@code wp}. */
  private final int hp;
  private final int wp;
  /** Virtual positions ({@code oh * wp}) and their panels of nr. */
  private final int virtual;
  private final int panels;
  /** Panels per work item. */
  private final int group;
  /**
   * Channel-block ranges per group: 2 when there is only one group (a 7x7 layer's 4 panels), so
   * two workers still share the layer and each streams half the weights, once.
   */
  private final int parts;
  /** Per reduction step, the offset of its patch row in the padded input. */
  private final int[] off;
  /** Phases ({@code py * sw + px}) some tap reads; the others are never written or read. */
  private final boolean[] usedPhase;
  /** Floats of the padded input: the planes plus zeros the last panel may read past them. */
  private final int paddedFloats;

  /** Whether the window suits this kernel: stride 1 or 2 each way. */
  static boolean supports(Window2d win) {
    return (win.strideH() == 1 || win.strideH() == 2)
        && (win.strideW() == 1 || win.strideW() == 2);
  }

  VectorFloatPaddedConv(int c, int h, int w, int m, Window2d win, int oh, int ow,
      float[] weights, float[] bias) {
    this(c, h, w, m, win, oh, ow, weights, bias, VectorFloatGemm.Tile.forLanes(L));
  }

  /** With a given register tile (tests run every tile on any machine). */
  VectorFloatPaddedConv(int c, int h, int w, int m, Window2d win, int oh, int ow,
      float[] weights, float[] bias, VectorFloatGemm.Tile tile) {
    if (!supports(win)) {
      throw new IllegalArgumentException("stride " + win.strideH() + "x" + win.strideW());
    }
    super(c, h, w, m, win, oh, ow, weights, bias, tile);
    this.sh = win.strideH();
    this.sw = win.strideW();
    // Rows (columns) of a phase plane a tap reaches past the output's: (kernel span) / stride.
    int spanH = (win.kernelH() - 1) * win.dilationH() / sh;
    int spanW = (win.kernelW() - 1) * win.dilationW() / sw;
    this.hp = oh + spanH;
    this.wp = ow + spanW;
    this.virtual = Math.multiplyExact(oh, wp);
    this.panels = (virtual + nr - 1) / nr;
    this.group = Math.min(MAX_GROUP, panels);
    this.parts = (panels + group - 1) / group >= 2 ? 1 : Math.min(2, blocks);
    int plane = Math.multiplyExact(hp, wp);
    // The last panel reads up to panels * nr - virtual floats past the last plane's rows.
    this.paddedFloats = Math.addExact(Math.multiplyExact(c * sh * sw, plane),
        panels * nr - virtual + spanW);
    this.usedPhase = new boolean[sh * sw];
    this.off = new int[k];
    int kh = win.kernelH();
    int kw = win.kernelW();
    for (int ic = 0, kk = 0; ic < c; ic++) {
      for (int ky = 0; ky < kh; ky++) {
        for (int kx = 0; kx < kw; kx++, kk++) {
          int dy = ky * win.dilationH();
          int dx = kx * win.dilationW();
          off[kk] = ((ic * sh + dy % sh) * sw + dx % sw) * plane + dy / sh * wp + dx / sw;
          usedPhase[dy % sh * sw + dx % sw] = true;
        }
      }
    }
  }

  /** The padded input. */
  @Override
  public int sharedScratchFloats() {
    return paddedFloats;
  }

  /** A group's slice of patch panels and its tile rows of every channel block. */
  @Override
  public int workerScratchFloats() {
    return group * Math.min(KC, k) * nr + blocks * mr * group * nr;
  }

  @Override
  public int workItems() {
    return (panels + group - 1) / group * parts;
  }

  /** One item per input channel (the last also zeroes the tail past the planes). */
  @Override
  public int prepareItems() {
    return c;
  }

  @Override
  public void prepare(float[] x, int xOff, int b, float[] scratch, int sharedOff, int from,
      int to) {
    int plane = hp * wp;
    int pt = win.padTop();
    int pl = win.padLeft();
    for (int ic = from; ic < to; ic++) {
      int src = xOff + (b * c + ic) * h * w;
      for (int py = 0; py < sh; py++) {
        for (int px = 0; px < sw; px++) {
          if (!usedPhase[py * sw + px]) {
            continue; // a 1x1 stride-2 layer reads one phase of four
          }
          // Phase column q holds input column sw*q + px - pl: valid for q in [q0, q1).
          int q0 = Math.min(wp, Math.max(0, (pl - px + sw - 1) / sw));
          int q1 = Math.max(q0, Math.min(wp, Math.floorDiv(w - 1 + pl - px, sw) + 1));
          int dst = sharedOff + ((ic * sh + py) * sw + px) * plane;
          for (int r = 0; r < hp; r++, dst += wp) {
            int iy = sh * r + py - pt;
            if (iy < 0 || iy >= h || q1 == q0) {
              java.util.Arrays.fill(scratch, dst, dst + wp, 0f);
              continue;
            }
            java.util.Arrays.fill(scratch, dst, dst + q0, 0f);
            int row = src + iy * w + px - pl;
            if (sw == 1) {
              System.arraycopy(x, row + q0, scratch, dst + q0, q1 - q0);
            } else {
              for (int q = q0; q < q1; q++) {
                scratch[dst + q] = x[row + sw * q];
              }
            }
            java.util.Arrays.fill(scratch, dst + q1, dst + wp, 0f);
          }
        }
      }
      if (ic == c - 1) {
        java.util.Arrays.fill(scratch, sharedOff + c * sh * sw * plane, sharedOff + paddedFloats,
            0f);
      }
    }
  }

  @Override
  public void run(float[] x, int xOff, int b, float[] y, int yOff, float[] scratch,
      int sharedOff, int workerOff, int from, int to) {
    int yImage = yOff + b * m * oh * ow;
    int col = workerOff;
    int slice = Math.min(KC, k) * nr;
    int ldc = group * nr;
    int tile = workerOff + group * slice;
    for (int item = from; item < to; item++) {
      int g = item / parts;
      int blkFrom = item % parts * blocks / parts;
      int blkTo = (item % parts + 1) * blocks / parts;
      int j0 = g * group;
      int count = Math.min(panels, j0 + group) - j0;
      int span = count * nr;
      int src = sharedOff + j0 * nr;
      for (int mo = blkFrom * mr; mo < blkTo * mr; mo++) {
        FloatVector bv = FloatVector.broadcast(S, bias == null || mo >= m ? 0f : bias[mo]);
        for (int v = 0; v < span; v += L) {
          bv.intoArray(scratch, tile + mo * ldc + v);
        }
      }
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = Math.min(KC, k - k0);
        // Panel jj's rows of this slice go to col + jj * slice, [kc][nr].
        for (int kk = 0; kk < kc; kk++) {
          int s = src + off[k0 + kk];
          int d = col + kk * nr;
          for (int v = 0; v < span; v += L) {
            FloatVector.fromArray(S, scratch, s + v).intoArray(scratch,
                d + v / nr * slice + v % nr);
          }
        }
        for (int blk = blkFrom; blk < blkTo; blk++) {
          int ai = blk * mr * k + k0 * mr;
          int ci = tile + blk * mr * ldc;
          for (int jj = 0; jj < count; jj++) {
            VectorFloatGemm.micro(mr, nv, packed, ai, scratch, col + jj * slice, kc, scratch,
                ci + jj * nr, ldc);
          }
        }
      }
      scatter(scratch, tile, ldc, j0 * nr, Math.min(virtual, j0 * nr + span), blkFrom * mr,
          Math.min(m, blkTo * mr), y, yImage);
    }
  }

  /**
   * Virtual positions {@code [p0, p1)} of channels {@code [m0, m1)} from the tile rows ({@code
   * ldc} apart, starting at p0) to y, the real columns only.
   */
  private void scatter(float[] buf, int tile, int ldc, int p0, int p1, int m0, int m1,
      float[] y, int yImage) {
    int ohw = oh * ow;
    int p = p0;
    while (p < p1) {
      int oy = p / wp;
      int ox = p - oy * wp;
      int seg = Math.min(p1 - p, wp - ox);
      int len = Math.min(seg, ow - ox);
      if (len > 0) {
        int src = tile + (p - p0);
        int dst = yImage + oy * ow + ox;
        for (int mo = m0; mo < m1; mo++) {
          System.arraycopy(buf, src + mo * ldc, y, dst + mo * ohw, len);
        }
      }
      p += seg;
    }
  }
}
