package org.bnn4j.kernels.vector;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.reference.Window2d;

/**
 * Binary convolution (and dense, as a 1x1 convolution) on packed NHWC bits with a
 * register-blocked outer-product micro-kernel: {@value #P} output positions by {@code 4 * lanes}
 * output channels. Weights are interleaved at load so one {@code LongVector} load yields one
 * K-word of {@code lanes} output channels; each position's input word is broadcast and XORed
 * with four such vectors, and the popcounts accumulate in {@code 3 x 4} vector registers.
 *
 * <p>The patch matrix is never built (implicit im2col): for each tap the micro-kernel reads each
 * position's input words in place. A tap in the zero padding reads a row of zero words instead
 * (bit 0, +1), which adds the tap's weight popcount; the epilogue subtracts that exactly for
 * border positions, so the interior runs without branches. The output transform is fused into
 * the epilogue with the reference's float operations in the same order, so results are
 * bit-identical to {@code BinaryReference} + {@code BinaryOutputTransform}.
 *
 * <p>Groups are supported when each group's channels start on a word (channels per group a
 * multiple of 64); other grouped layers are declined.
 */
final class VectorBinaryConv implements BinaryConvKernel {
  private static final VectorSpecies<Long> S = VectorConstants.LONGS;
  private static final int L = VectorConstants.LONG_LANES;
  /** Output channels per block: four vectors. */
  static final int OCB = 4 * L;
  /** Output positions per block. */
  static final int P = 3;

  private final int m;
  private final int group;
  private final int h;
  private final int w;
  private final int ow;
  private final int hw;
  private final int cpg;
  private final int mpg;
  private final int kWords;
  private final int xWords;
  private final int outWords;
  private final int kh;
  private final int kw;
  private final int taps;
  private final int sh;
  private final int sw;
  private final int pt;
  private final int pl;
  private final int dh;
  private final int dw;
  private final int blocksPerGroup;
  /** Weights as [group * blocksPerGroup][taps][kWords][OCB], zero past the group's channels. */
  private final long[] packed;
  /** Popcount of each (output channel, tap) weight row: the contribution of a padded tap. */
  private final int[] tapPopcount;
  /** (int) tap_bias[oc, tap] or null, and its sum over all taps per channel. */
  private final int[] tapBias;
  private final int[] tapBiasTotal;
  private final long[] zeros;
  /** Word offset of each (tap, word) from a position's first tap, for interior positions. */
  private final int[] tapWordDelta;
  /** Words between horizontally adjacent output positions. */
  private final int xStep;
  /** BinaryDense adds its tap bias as a float, not summed as integers. */
  private final float[] denseTapBias;

  private final boolean bits;
  private final float[] multiplier;
  private final float[] bias;
  private final boolean hasResidual;
  private final float[] slope;
  private final float[] postBias;
  private final long[] threshold;
  private final long[] flip;

  static boolean supports(BinaryConvSpec s) {
    return s.group() == 1 || (s.c() / s.group()) % 64 == 0;
  }

  VectorBinaryConv(BinaryConvSpec s) {
    Window2d win = s.win();
    this.m = s.m();
    this.group = s.group();
    this.h = s.h();
    this.w = s.w();
    this.ow = s.ow();
    this.hw = s.oh() * s.ow();
    this.cpg = s.c() / group;
    this.mpg = m / group;
    this.kWords = (cpg + 63) >>> 6;
    this.xWords = (s.c() + 63) >>> 6;
    this.outWords = (m + 63) >>> 6;
    this.kh = win.kernelH();
    this.kw = win.kernelW();
    this.taps = kh * kw;
    this.sh = win.strideH();
    this.sw = win.strideW();
    this.pt = win.padTop();
    this.pl = win.padLeft();
    this.dh = win.dilationH();
    this.dw = win.dilationW();
    this.blocksPerGroup = (mpg + OCB - 1) / OCB;
    this.zeros = new long[kWords];
    this.tapWordDelta = new int[taps * kWords];
    for (int ky = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        for (int k = 0; k < kWords; k++) {
          tapWordDelta[(ky * kw + kx) * kWords + k] = (ky * dh * w + kx * dw) * xWords + k;
        }
      }
    }
    this.xStep = sw * xWords;

    long lastMask = (cpg & 63) == 0 ? -1L : (1L << (cpg & 63)) - 1;
    long[] wt = s.weights();
    packed = new long[group * blocksPerGroup * taps * kWords * OCB];
    tapPopcount = new int[m * taps];
    for (int g = 0; g < group; g++) {
      for (int blk = 0; blk < blocksPerGroup; blk++) {
        for (int j = 0; j < OCB; j++) {
          int local = blk * OCB + j;
          if (local >= mpg) {
            continue;
          }
          int oc = g * mpg + local;
          for (int t = 0; t < taps; t++) {
            int pc = 0;
            for (int k = 0; k < kWords; k++) {
              long v = wt[(oc * taps + t) * kWords + k];
              if (k == kWords - 1) {
                v &= lastMask;
              }
              packed[((((g * blocksPerGroup + blk) * taps + t) * kWords + k) * OCB) + j] = v;
              pc += Long.bitCount(v);
            }
            tapPopcount[oc * taps + t] = pc;
          }
        }
      }
    }
    this.denseTapBias = s.denseTapBias() ? s.tapBias() : null;
    if (s.tapBias() != null && !s.denseTapBias()) {
      tapBias = new int[m * taps];
      tapBiasTotal = new int[m];
      for (int i = 0; i < m * taps; i++) {
        tapBias[i] = (int) s.tapBias()[i];
        tapBiasTotal[i / taps] += tapBias[i];
      }
    } else {
      tapBias = null;
      tapBiasTotal = null;
    }
    this.bits = s.bitsOutput();
    this.multiplier = s.multiplier();
    this.bias = s.bias();
    this.hasResidual = s.hasResidual();
    this.slope = s.slope();
    this.postBias = s.postBias();
    this.threshold = s.threshold();
    this.flip = s.flip();
  }

  @Override
  public int scratchFloats() {
    return P * OCB * 2;
  }

  @Override
  public int pixelBlock() {
    return P;
  }

  @Override
  public void run(long[] x, int xOff, float[] residual, int residualOff, float[] yFloats,
      long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom, int pixelTo) {
    for (int q = pixelFrom; q < pixelTo; q += P) {
      int cnt = Math.min(P, pixelTo - q);
      int qb = cnt > 1 ? q + 1 : q;
      int qc = cnt > 2 ? q + 2 : q;
      if (bits) {
        int o = yOff + q * outWords;
        for (int i = 0; i < cnt * outWords; i++) {
          yWords[o + i] = 0L;
        }
      }
      // Three positions on one output row, all windows inside the input: no padding checks.
      int b = q / hw;
      int r = q - b * hw;
      int oy = r / ow;
      int ox = r - oy * ow;
      int iy0 = oy * sh - pt;
      int ix0 = ox * sw - pl;
      boolean interior = cnt == P && ox + P - 1 < ow && iy0 >= 0 && iy0 + (kh - 1) * dh < h
          && ix0 >= 0 && ix0 + (P - 1) * sw + (kw - 1) * dw < w;
      int base = xOff + ((b * h + iy0) * w + ix0) * xWords;
      for (int g = 0; g < group; g++) {
        for (int blk = 0; blk < blocksPerGroup; blk++) {
          if (interior) {
            microInterior(x, base + g * kWords, g * blocksPerGroup + blk, scratch, scratchOff);
          } else {
            micro(x, xOff + g * kWords, q, qb, qc, g * blocksPerGroup + blk, scratch,
                scratchOff);
          }
          epilogue(q, cnt, interior, b, r, g * mpg + blk * OCB, Math.min(OCB, mpg - blk * OCB),
              residual, residualOff, yFloats, yWords, yOff, scratch, scratchOff);
        }
      }
    }
  }

  /**
   * {@link #micro} for three adjacent interior positions: one flat loop over (tap, word), the
   * input words at fixed offsets from the first position's window.
   */
  private void microInterior(long[] x, int base, int block, float[] scratch, int sOff) {
    LongVector a0 = LongVector.zero(S);
    LongVector a1 = a0;
    LongVector a2 = a0;
    LongVector a3 = a0;
    LongVector b0 = a0;
    LongVector b1 = a0;
    LongVector b2 = a0;
    LongVector b3 = a0;
    LongVector c0 = a0;
    LongVector c1 = a0;
    LongVector c2 = a0;
    LongVector c3 = a0;
    long[] wp = packed;
    int[] delta = tapWordDelta;
    int steps = delta.length;
    int step1 = xStep;
    int step2 = 2 * xStep;
    int wi = block * steps * OCB;
    for (int i = 0; i < steps; i++, wi += OCB) {
      int o = base + delta[i];
      LongVector w0 = LongVector.fromArray(S, wp, wi);
      LongVector w1 = LongVector.fromArray(S, wp, wi + L);
      LongVector w2 = LongVector.fromArray(S, wp, wi + 2 * L);
      LongVector w3 = LongVector.fromArray(S, wp, wi + 3 * L);
      LongVector xa = LongVector.broadcast(S, x[o]);
      a0 = a0.add(xa.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      a1 = a1.add(xa.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      a2 = a2.add(xa.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      a3 = a3.add(xa.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
      LongVector xb = LongVector.broadcast(S, x[o + step1]);
      b0 = b0.add(xb.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      b1 = b1.add(xb.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      b2 = b2.add(xb.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      b3 = b3.add(xb.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
      LongVector xc = LongVector.broadcast(S, x[o + step2]);
      c0 = c0.add(xc.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      c1 = c1.add(xc.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      c2 = c2.add(xc.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      c3 = c3.add(xc.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
    }
    store(a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, scratch, sOff);
  }

  private static void store(LongVector a0, LongVector a1, LongVector a2, LongVector a3,
      LongVector b0, LongVector b1, LongVector b2, LongVector b3, LongVector c0, LongVector c1,
      LongVector c2, LongVector c3, float[] scratch, int sOff) {
    // Counts fit in 32 bits: store the raw lane bits through the float scratch (low half of
    // lane j at float 2j); the epilogue reads them back with floatToRawIntBits.
    a0.reinterpretAsFloats().intoArray(scratch, sOff);
    a1.reinterpretAsFloats().intoArray(scratch, sOff + 2 * L);
    a2.reinterpretAsFloats().intoArray(scratch, sOff + 4 * L);
    a3.reinterpretAsFloats().intoArray(scratch, sOff + 6 * L);
    b0.reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB);
    b1.reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + 2 * L);
    b2.reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + 4 * L);
    b3.reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + 6 * L);
    c0.reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB);
    c1.reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB + 2 * L);
    c2.reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB + 4 * L);
    c3.reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB + 6 * L);
  }

  /** Popcounts of XOR for positions qa, qb, qc and one block of channels, into scratch. */
  private void micro(long[] x, int xBase, int qa, int qb, int qc, int block, float[] scratch,
      int sOff) {
    int ba = qa / hw;
    int ra = qa - ba * hw;
    int oya = ra / ow;
    int iya0 = oya * sh - pt;
    int ixa0 = (ra - oya * ow) * sw - pl;
    int rowa = ba * h;
    int bb = qb / hw;
    int rb = qb - bb * hw;
    int oyb = rb / ow;
    int iyb0 = oyb * sh - pt;
    int ixb0 = (rb - oyb * ow) * sw - pl;
    int rowb = bb * h;
    int bc = qc / hw;
    int rc = qc - bc * hw;
    int oyc = rc / ow;
    int iyc0 = oyc * sh - pt;
    int ixc0 = (rc - oyc * ow) * sw - pl;
    int rowc = bc * h;

    LongVector a0 = LongVector.zero(S);
    LongVector a1 = a0;
    LongVector a2 = a0;
    LongVector a3 = a0;
    LongVector b0 = a0;
    LongVector b1 = a0;
    LongVector b2 = a0;
    LongVector b3 = a0;
    LongVector c0 = a0;
    LongVector c1 = a0;
    LongVector c2 = a0;
    LongVector c3 = a0;
    long[] zero = zeros;
    long[] wp = packed;
    int wi = block * taps * kWords * OCB;
    for (int ky = 0; ky < kh; ky++) {
      int iya = iya0 + ky * dh;
      int iyb = iyb0 + ky * dh;
      int iyc = iyc0 + ky * dh;
      boolean ya = iya >= 0 && iya < h;
      boolean yb = iyb >= 0 && iyb < h;
      boolean yc = iyc >= 0 && iyc < h;
      for (int kx = 0; kx < kw; kx++) {
        int ixa = ixa0 + kx * dw;
        int ixb = ixb0 + kx * dw;
        int ixc = ixc0 + kx * dw;
        boolean va = ya && ixa >= 0 && ixa < w;
        boolean vb = yb && ixb >= 0 && ixb < w;
        boolean vc = yc && ixc >= 0 && ixc < w;
        long[] sa = va ? x : zero;
        long[] sb = vb ? x : zero;
        long[] sc = vc ? x : zero;
        int oa = va ? xBase + ((rowa + iya) * w + ixa) * xWords : 0;
        int ob = vb ? xBase + ((rowb + iyb) * w + ixb) * xWords : 0;
        int oc = vc ? xBase + ((rowc + iyc) * w + ixc) * xWords : 0;
        for (int k = 0; k < kWords; k++, wi += OCB) {
          LongVector w0 = LongVector.fromArray(S, wp, wi);
          LongVector w1 = LongVector.fromArray(S, wp, wi + L);
          LongVector w2 = LongVector.fromArray(S, wp, wi + 2 * L);
          LongVector w3 = LongVector.fromArray(S, wp, wi + 3 * L);
          LongVector xa = LongVector.broadcast(S, sa[oa + k]);
          a0 = a0.add(xa.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
          a1 = a1.add(xa.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
          a2 = a2.add(xa.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
          a3 = a3.add(xa.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
          LongVector xb = LongVector.broadcast(S, sb[ob + k]);
          b0 = b0.add(xb.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
          b1 = b1.add(xb.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
          b2 = b2.add(xb.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
          b3 = b3.add(xb.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
          LongVector xc = LongVector.broadcast(S, sc[oc + k]);
          c0 = c0.add(xc.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
          c1 = c1.add(xc.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
          c2 = c2.add(xc.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
          c3 = c3.add(xc.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
        }
      }
    }
    store(a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, scratch, sOff);
  }

  /**
   * Dots from the popcounts, corrected for padded taps, then the output transform. When {@code
   * allInterior}, the positions are {@code r0, r0 + 1, ...} of batch {@code b0} and no tap is
   * padded.
   */
  private void epilogue(int q0, int cnt, boolean allInterior, int b0, int r0, int ocBase,
      int ocCount, float[] residual, int residualOff, float[] yFloats, long[] yWords, int yOff,
      float[] scratch, int sOff) {
    int full = taps * cpg;
    for (int i = 0; i < cnt; i++) {
      int q = q0 + i;
      int b;
      int r;
      int iy0 = 0;
      int ix0 = 0;
      boolean interior;
      if (allInterior) {
        b = b0;
        r = r0 + i;
        interior = true;
      } else {
        b = q / hw;
        r = q - b * hw;
        int oy = r / ow;
        iy0 = oy * sh - pt;
        ix0 = (r - oy * ow) * sw - pl;
        interior = iy0 >= 0 && iy0 + (kh - 1) * dh < h && ix0 >= 0 && ix0 + (kw - 1) * dw < w;
      }
      int sBase = sOff + i * OCB * 2;
      if (interior && !bits && denseTapBias == null) {
        // The common case, float output at an interior position: all taps valid.
        int yBase = yOff + (b * m + ocBase) * hw + r;
        int resBase = residualOff + (b * m + ocBase) * hw + r;
        for (int j = 0; j < ocCount; j++) {
          int oc = ocBase + j;
          int tb = tapBiasTotal == null ? 0 : tapBiasTotal[oc];
          float d = full - 2 * Float.floatToRawIntBits(scratch[sBase + 2 * j]) + tb;
          float v = d * multiplier[oc] + bias[oc];
          if (hasResidual) {
            v += residual[resBase + j * hw];
          }
          if (slope != null && v < 0f) {
            v *= slope[oc];
          }
          if (postBias != null) {
            v += postBias[oc];
          }
          yFloats[yBase + j * hw] = v;
        }
        continue;
      }
      // Border position: which taps fall in the padding (a mask when there are at most 64).
      int valid = taps;
      long padMask = 0L;
      if (!interior && taps <= 64) {
        for (int ky = 0; ky < kh; ky++) {
          int iy = iy0 + ky * dh;
          boolean rowOk = iy >= 0 && iy < h;
          for (int kx = 0; kx < kw; kx++) {
            int ix = ix0 + kx * dw;
            if (!(rowOk && ix >= 0 && ix < w)) {
              padMask |= 1L << (ky * kw + kx);
              valid--;
            }
          }
        }
      }
      int bitsWord = -1;
      long bitsAcc = 0L;
      int bitsBase = yOff + q * outWords;
      for (int j = 0; j < ocCount; j++) {
        int oc = ocBase + j;
        int pc = Float.floatToRawIntBits(scratch[sBase + 2 * j]);
        int dot;
        int tb = 0;
        if (interior) {
          dot = full - 2 * pc;
          if (tapBias != null) {
            tb = tapBiasTotal[oc];
          }
        } else if (taps <= 64) {
          int corr = 0;
          if (tapBias != null) {
            tb = tapBiasTotal[oc];
          }
          for (long mm = padMask; mm != 0; mm &= mm - 1) {
            int t = Long.numberOfTrailingZeros(mm);
            corr += tapPopcount[oc * taps + t];
            if (tapBias != null) {
              tb -= tapBias[oc * taps + t];
            }
          }
          dot = valid * cpg - 2 * (pc - corr);
        } else {
          int validTaps = 0;
          int corr = 0;
          for (int ky = 0; ky < kh; ky++) {
            int iy = iy0 + ky * dh;
            boolean rowOk = iy >= 0 && iy < h;
            for (int kx = 0; kx < kw; kx++) {
              int ix = ix0 + kx * dw;
              int t = ky * kw + kx;
              if (rowOk && ix >= 0 && ix < w) {
                validTaps++;
                if (tapBias != null) {
                  tb += tapBias[oc * taps + t];
                }
              } else {
                corr += tapPopcount[oc * taps + t];
              }
            }
          }
          dot = validTaps * cpg - 2 * (pc - corr);
        }
        float d = dot;
        if (tapBias != null) {
          d += tb;
        } else if (denseTapBias != null) {
          d += denseTapBias[oc];
        }
        if (bits) {
          // Collect the block's bits in a register: the comparison is data-dependent, so no
          // branch on it, and one store per word.
          int word = oc >>> 6;
          if (word != bitsWord) {
            if (bitsWord >= 0) {
              yWords[bitsBase + bitsWord] |= bitsAcc;
            }
            bitsWord = word;
            bitsAcc = 0L;
          }
          long neg = (d < threshold[oc]) != (flip[oc] != 0) ? 1L : 0L;
          bitsAcc |= neg << (oc & 63);
        } else {
          int idx = (b * m + oc) * hw + r;
          float v = d * multiplier[oc] + bias[oc];
          if (hasResidual) {
            v += residual[residualOff + idx];
          }
          if (slope != null && v < 0f) {
            v *= slope[oc];
          }
          if (postBias != null) {
            v += postBias[oc];
          }
          yFloats[yOff + idx] = v;
        }
      }
      if (bitsWord >= 0) {
        yWords[bitsBase + bitsWord] |= bitsAcc;
      }
    }
  }
}
