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
 * position's input words in place, at fixed offsets from the position's window. A padded layer
 * first copies its input into a staging buffer with a halo of zero words ({@link
 * #stageInput}), so every window lies inside and border positions take the same kernel as the
 * interior (before, a slower per-tap bounds-checked kernel took 14% of Bi-Real ResNet-18). A
 * tap in the halo reads zero words (bit 0, +1), which adds the tap's weight popcount; the
 * epilogue subtracts that exactly for border positions. The output transform is fused into
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
  private final int n;
  private final int pb;
  private final int pr;
  /** Rows and columns of the input the kernel reads: with the zero halo when staged. */
  private final int readH;
  private final int readW;
  private final boolean staged;
  private final int blocksPerGroup;
  /** Weights as [group * blocksPerGroup][taps][kWords][OCB], zero past the group's channels. */
  private final long[] packed;
  /** Popcount of each (output channel, tap) weight row: the contribution of a padded tap. */
  private final int[] tapPopcount;
  /** (int) tap_bias[oc, tap] or null, and its sum over all taps per channel. */
  private final int[] tapBias;
  private final int[] tapBiasTotal;
  /** Word offset of each (tap, word) from a position's first tap, for interior positions. */
  private final int[] tapWordDelta;
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

  /** Larger staged inputs (2 GiB) are left to the reference kernel. */
  static final long MAX_STAGED_WORDS = 1L << 28;

  static boolean supports(BinaryConvSpec s) {
    Window2d win = s.win();
    // Every window must lie inside the (zero-haloed) input, as the output size implies.
    boolean inside = (s.oh() - 1) * win.strideH() + (win.kernelH() - 1) * win.dilationH()
        < s.h() + win.padTop() + win.padBottom()
        && (s.ow() - 1) * win.strideW() + (win.kernelW() - 1) * win.dilationW()
        < s.w() + win.padLeft() + win.padRight();
    long stagedWords = (long) s.n() * (s.h() + win.padTop() + win.padBottom())
        * (s.w() + win.padLeft() + win.padRight()) * ((s.c() + 63) >>> 6);
    return inside && stagedWords <= MAX_STAGED_WORDS
        && (s.group() == 1 || (s.c() / s.group()) % 64 == 0);
  }

  @Override
  public int stagedInputWords() {
    return staged ? n * readH * readW * xWords : 0;
  }

  @Override
  public void stageInput(long[] x, int xOff, long[] staging, int stagingOff) {
    java.util.Arrays.fill(staging, stagingOff, stagingOff + stagedInputWords(), 0L);
    int row = w * xWords;
    for (int b = 0; b < n; b++) {
      for (int iy = 0; iy < h; iy++) {
        System.arraycopy(x, xOff + (b * h + iy) * row, staging,
            stagingOff + ((b * readH + iy + pt) * readW + pl) * xWords, row);
      }
    }
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
    this.n = s.n();
    this.pb = win.padBottom();
    this.pr = win.padRight();
    this.staged = pt != 0 || pl != 0 || pb != 0 || pr != 0;
    this.readH = staged ? h + pt + pb : h;
    this.readW = staged ? w + pl + pr : w;
    this.blocksPerGroup = (mpg + OCB - 1) / OCB;
    this.tapWordDelta = new int[taps * kWords];
    for (int ky = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        for (int k = 0; k < kWords; k++) {
          tapWordDelta[(ky * kw + kx) * kWords + k] = (ky * dh * readW + kx * dw) * xWords + k;
        }
      }
    }

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
      // Interior: three positions on one output row whose windows need no padding, so the
      // epilogue takes its fast path. The micro-kernel itself never checks: windows read the
      // zero halo of the staged input.
      int b = q / hw;
      int r = q - b * hw;
      int oy = r / ow;
      int ox = r - oy * ow;
      int iy0 = oy * sh - pt;
      int ix0 = ox * sw - pl;
      boolean interior = cnt == P && ox + P - 1 < ow && iy0 >= 0 && iy0 + (kh - 1) * dh < h
          && ix0 >= 0 && ix0 + (P - 1) * sw + (kw - 1) * dw < w;
      int baseA = windowBase(xOff, q);
      int baseB = windowBase(xOff, qb);
      int baseC = windowBase(xOff, qc);
      for (int g = 0; g < group; g++) {
        for (int blk = 0; blk < blocksPerGroup; blk++) {
          microKernel(x, baseA + g * kWords, baseB + g * kWords, baseC + g * kWords,
              g * blocksPerGroup + blk, scratch, scratchOff);
          epilogue(q, cnt, interior, b, r, g * mpg + blk * OCB, Math.min(OCB, mpg - blk * OCB),
              residual, residualOff, yFloats, yWords, yOff, scratch, scratchOff);
        }
      }
    }
  }

  /** Word offset of position q's window (its first tap) in the input the kernel reads. */
  private int windowBase(int xOff, int q) {
    int b = q / hw;
    int r = q - b * hw;
    int oy = r / ow;
    int ox = r - oy * ow;
    return xOff + ((b * readH + oy * sh) * readW + ox * sw) * xWords;
  }

  /**
   * Popcounts of XOR for three positions (windows at {@code baseA/B/C}) and one block of output
   * channels, into scratch: one flat loop over (tap, word), the input words at fixed offsets from
   * each window's first word.
   */
  private void microKernel(long[] x, int baseA, int baseB, int baseC, int block,
      float[] scratch, int sOff) {
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
    int wi = block * steps * OCB;
    for (int i = 0; i < steps; i++, wi += OCB) {
      int d = delta[i];
      LongVector w0 = LongVector.fromArray(S, wp, wi);
      LongVector w1 = LongVector.fromArray(S, wp, wi + L);
      LongVector w2 = LongVector.fromArray(S, wp, wi + 2 * L);
      LongVector w3 = LongVector.fromArray(S, wp, wi + 3 * L);
      LongVector xa = LongVector.broadcast(S, x[baseA + d]);
      a0 = a0.add(xa.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      a1 = a1.add(xa.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      a2 = a2.add(xa.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      a3 = a3.add(xa.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
      LongVector xb = LongVector.broadcast(S, x[baseB + d]);
      b0 = b0.add(xb.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      b1 = b1.add(xb.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      b2 = b2.add(xb.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      b3 = b3.add(xb.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
      LongVector xc = LongVector.broadcast(S, x[baseC + d]);
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
