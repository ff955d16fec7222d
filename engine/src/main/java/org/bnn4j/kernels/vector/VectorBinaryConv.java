package org.bnn4j.kernels.vector;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.Window2d;

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
 * interior (a per-tap bounds-checked kernel for them took 14% of Bi-Real ResNet-18). A tap in the
 * halo reads zero words (bit 0, +1), which adds the tap's weight popcount; the epilogue subtracts
 * that exactly for border positions.
 *
 * <p>The epilogue runs once per {@value #CHUNK} positions and block of channels, vectorised: the
 * counts become integer dots (tap bias and padding corrections included, from tables built at
 * load), then float dots; for float output an in-register transpose makes them channel-major,
 * so that the output transform runs along positions, which is NCHW order, with contiguous
 * residual loads and output stores. The transform uses the reference's float operations in the
 * same order, so results are bit-identical to {@code BinaryReference} + {@code
 * BinaryOutputTransform}.
 *
 * <p>Groups are supported when each group's channels start on a word (channels per group a
 * multiple of 64); other grouped layers, and tap biases too large to sum exactly as integers, go
 * to the scalar kernel (see {@link VectorBinaryConvLayout#supports}).
 */
final class VectorBinaryConv implements BinaryConvKernel {
  private static final VectorSpecies<Long> S = VectorConstants.LONGS;
  private static final int L = VectorConstants.LONG_LANES;
  /** Output channels per block: four vectors. */
  static final int OCB = 4 * L;
  /** Output positions per block. */
  static final int P = 3;
  /**
   * Output positions per epilogue pass, a multiple of 8 for {@link #transpose8}: long runs per
   * channel, because each channel's outputs lie a plane apart (NCHW), and a run of 96 costs far
   * less per output in page and cache-line misses than the micro-kernel's three.
   */
  static final int CHUNK = 32 * P;
  private static final VectorSpecies<Float> F = VectorConstants.FLOATS;
  private static final int FL = VectorConstants.FLOAT_LANES;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  /**
   * Channel (within the block) of each count slot: {@link #store} packs lane k of the first and
   * second vector into slots 2k and 2k + 1, of the third and fourth into 2L + 2k and 2L + 2k + 1
   * (little-endian: the unshifted count is the low int).
   */
  private static final int[] SLOT_CHANNEL = new int[OCB];
  /** Inverse of {@link #SLOT_CHANNEL}. */
  private static final int[] CHANNEL_SLOT = new int[OCB];

  static {
    for (int k = 0; k < L; k++) {
      SLOT_CHANNEL[2 * k] = k;
      SLOT_CHANNEL[2 * k + 1] = L + k;
      SLOT_CHANNEL[2 * L + 2 * k] = 2 * L + k;
      SLOT_CHANNEL[2 * L + 2 * k + 1] = 3 * L + k;
    }
    for (int slot = 0; slot < OCB; slot++) {
      CHANNEL_SLOT[SLOT_CHANNEL[slot]] = slot;
    }
  }

  /** {@link #transpose8}'s lane swaps, l to l ^ k, and lanes with bit k set (8 lanes only). */
  private static final VectorShuffle<Float> SWAP4 = laneXor(4);
  private static final VectorShuffle<Float> SWAP2 = laneXor(2);
  private static final VectorShuffle<Float> SWAP1 = laneXor(1);
  private static final VectorMask<Float> HIGH4 = VectorMask.fromLong(F, 0xf0);
  private static final VectorMask<Float> HIGH2 = VectorMask.fromLong(F, 0xcc);
  private static final VectorMask<Float> HIGH1 = VectorMask.fromLong(F, 0xaa);
  private static final long EVEN_BITS = 0x5555555555555555L;
  private static final long ODD_BITS = 0xaaaaaaaaaaaaaaaaL;

  private final int m;
  private final int group;
  private final int h;
  private final int w;
  private final int oh;
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
  private final int batch;
  private final int pb;
  private final int pr;
  /** Rows and columns of the input the kernel reads: with the zero halo when staged. */
  private final int readH;
  private final int readW;
  private final boolean staged;
  /** Word offset of each (tap, word) from a position's first tap, for interior positions. */
  private final int[] tapWordDelta;
  /**
   * Per block in slot order ({@code [block][OCB]}): the integer dot of an interior position is
   * {@code slotDotBase - 2 * popcount}, the full reduction length plus the tap-bias total.
   */
  private final int[] slotDotBase;
  /**
   * Padding class of each output row and column: which kernel rows (columns) fall inside the
   * input. A position's class is {@code rowClass[oy] * colClasses + colClass[ox]}.
   */
  private final int[] rowClass;
  private final int[] colClass;
  private final int colClasses;
  /** The class with every tap inside the input. */
  private final int interiorClass;
  /**
   * Per (class, block, slot): what a position of that class adds to the interior dot. The
   * padded taps read zero words, bit 0 as +1, so their weight popcounts went into the count;
   * they also drop out of the reduction length and of the tap bias.
   */
  private final int[] slotBorderDelta;
  /** BinaryDense's tap bias per block in slot order, added to the float dot; null otherwise. */
  private final float[] slotDenseBias;

  private final boolean bits;
  private final float[] multiplier;
  private final float[] bias;
  private final boolean hasResidual;
  private final float[] slope;
  private final float[] postBias;
  /** Bit output: per block in slot order, the threshold as the float the comparison uses. */
  private final float[] slotThreshold;
  private final boolean[] slotFlip;

  /** Lane l to l ^ k; wrapped to the species' lanes so that other widths can load the class. */
  private static VectorShuffle<Float> laneXor(int k) {
    return VectorShuffle.fromOp(F, l -> (l ^ k) & (FL - 1));
  }

  VectorBinaryConv(BinaryConvSpec s) {
    Window2d win = s.win();
    this.m = s.m();
    this.group = s.group();
    this.h = s.h();
    this.w = s.w();
    this.oh = s.oh();
    this.ow = s.ow();
    this.hw = s.oh() * s.ow();
    this.cpg = s.c() / group;
    this.mpg = m / group;
    this.kWords = Bitpack.words(cpg);
    this.xWords = Bitpack.words(s.c());
    this.outWords = Bitpack.words(m);
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
    this.batch = s.n();
    this.pb = win.padBottom();
    this.pr = win.padRight();
    this.staged = pt != 0 || pl != 0 || pb != 0 || pr != 0;
    this.readH = staged ? h + pt + pb : h;
    this.readW = staged ? w + pl + pr : w;
    this.tapWordDelta = new int[taps * kWords];
    for (int ky = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        for (int k = 0; k < kWords; k++) {
          tapWordDelta[(ky * kw + kx) * kWords + k] = (ky * dh * readW + kx * dw) * xWords + k;
        }
      }
    }

    int[] tapPopcount = new int[m * taps];
    packed = VectorBinaryConvLayout.packWeights(s.weights(), group, mpg, blocksPerGroup, taps,
        kWords, cpg, tapPopcount);
    int[] tapBias = new int[m * taps];
    if (s.tapBias() != null && !s.denseTapBias()) {
      for (int i = 0; i < m * taps; i++) {
        tapBias[i] = (int) s.tapBias()[i];
      }
    }

    this.rowClass = new int[oh];
    this.colClass = new int[ow];
    int[] rowRanges = VectorBinaryConvLayout.paddingClasses(oh, kh, sh, pt, dh, h, rowClass);
    int[] colRanges = VectorBinaryConvLayout.paddingClasses(ow, kw, sw, pl, dw, w, colClass);
    int rowClasses = rowRanges.length / 2;
    this.colClasses = colRanges.length / 2;
    int interiorRow = -1;
    for (int c = 0; c < rowClasses; c++) {
      if (rowRanges[2 * c] == 0 && rowRanges[2 * c + 1] == kh - 1) {
        interiorRow = c;
      }
    }
    int interiorCol = -1;
    for (int c = 0; c < colClasses; c++) {
      if (colRanges[2 * c] == 0 && colRanges[2 * c + 1] == kw - 1) {
        interiorCol = c;
      }
    }
    this.interiorClass = interiorRow < 0 || interiorCol < 0 ? -1
        : interiorRow * colClasses + interiorCol;
    int blocks = group * blocksPerGroup;
    this.slotDotBase = new int[blocks * OCB];
    this.slotDenseBias = s.denseTapBias() && s.tapBias() != null ? new float[blocks * OCB] : null;
    this.bits = s.bitsOutput();
    this.slotThreshold = bits ? new float[blocks * OCB] : null;
    this.slotFlip = bits ? new boolean[blocks * OCB] : null;
    this.slotBorderDelta = new int[rowClasses * colClasses * blocks * OCB];
    for (int block = 0; block < blocks; block++) {
      for (int slot = 0; slot < OCB; slot++) {
        int local = block % blocksPerGroup * OCB + SLOT_CHANNEL[slot];
        if (local >= mpg) {
          continue;
        }
        int oc = block / blocksPerGroup * mpg + local;
        int biasTotal = 0;
        for (int t = 0; t < taps; t++) {
          biasTotal += tapBias[oc * taps + t];
        }
        slotDotBase[block * OCB + slot] = taps * cpg + biasTotal;
        if (slotDenseBias != null) {
          slotDenseBias[block * OCB + slot] = s.tapBias()[oc];
        }
        if (bits) {
          // d < threshold compares as floats: the long threshold converts to float.
          slotThreshold[block * OCB + slot] = s.threshold()[oc];
          slotFlip[block * OCB + slot] = s.flip()[oc] != 0;
        }
        for (int rc = 0; rc < rowClasses; rc++) {
          for (int cc = 0; cc < colClasses; cc++) {
            int delta = 0;
            for (int ky = 0; ky < kh; ky++) {
              for (int kx = 0; kx < kw; kx++) {
                boolean inside = ky >= rowRanges[2 * rc] && ky <= rowRanges[2 * rc + 1]
                    && kx >= colRanges[2 * cc] && kx <= colRanges[2 * cc + 1];
                if (!inside) {
                  int t = ky * kw + kx;
                  delta += 2 * tapPopcount[oc * taps + t] - cpg - tapBias[oc * taps + t];
                }
              }
            }
            slotBorderDelta[((rc * colClasses + cc) * blocks + block) * OCB + slot] = delta;
          }
        }
      }
    }
    this.multiplier = s.multiplier();
    this.bias = s.bias();
    this.hasResidual = s.hasResidual();
    this.slope = s.slope();
    this.postBias = s.postBias();
  }

  @Override
  public int stagedInputWords() {
    return staged ? batch * readH * readW * xWords : 0;
  }

  @Override
  public void stageInput(long[] x, int xOff, long[] staging, int stagingOff) {
    Arrays.fill(staging, stagingOff, stagingOff + stagedInputWords(), 0L);
    int row = w * xWords;
    for (int b = 0; b < batch; b++) {
      for (int iy = 0; iy < h; iy++) {
        System.arraycopy(x, xOff + (b * h + iy) * row, staging,
            stagingOff + ((b * readH + iy + pt) * readW + pl) * xWords, row);
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

  @Override
  public int scratchFloats() {
    return 2 * CHUNK * OCB; // counts, then channel-major dots
  }

  @Override
  public int pixelBlock() {
    return P;
  }

  @Override
  public void run(long[] x, int xOff, float[] residual, int residualOff, float[] yFloats,
      long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom, int pixelTo) {
    runCorrected(x, xOff, residual, residualOff, yFloats, yWords, yOff, scratch, scratchOff,
        pixelFrom, pixelTo, null, 0);
  }

  /** Corrections are laid out as the epilogue reads dots: per position, blocks in slot order. */
  @Override
  public int correctionStride() {
    return group * blocksPerGroup * OCB;
  }

  @Override
  public int correctionIndex(int channel) {
    int g = channel / mpg;
    int local = channel - g * mpg;
    return (g * blocksPerGroup + local / OCB) * OCB + CHANNEL_SLOT[local % OCB];
  }

  @Override
  public void runCorrected(long[] x, int xOff, float[] residual, int residualOff,
      float[] yFloats, long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom,
      int pixelTo, float[] correction, int correctionOff) {
    for (int q0 = pixelFrom; q0 < pixelTo; q0 += CHUNK) {
      int q1 = Math.min(q0 + CHUNK, pixelTo);
      if (bits) {
        int o = yOff + q0 * outWords;
        for (int i = 0; i < (q1 - q0) * outWords; i++) {
          yWords[o + i] = 0L;
        }
      }
      for (int g = 0; g < group; g++) {
        for (int blk = 0; blk < blocksPerGroup; blk++) {
          int block = g * blocksPerGroup + blk;
          for (int q = q0; q < q1; q += P) {
            int cnt = Math.min(P, q1 - q);
            int countsOff = scratchOff + (q - q0) * OCB;
            // Windows never need checks: padded layers read the zero-haloed staged input.
            int qb = cnt > 1 ? q + 1 : q;
            int qc = cnt > 2 ? q + 2 : q;
            int gw = g * kWords;
            microKernel(x, windowBase(xOff, q) + gw, windowBase(xOff, qb) + gw,
                windowBase(xOff, qc) + gw, block, scratch, countsOff);
          }
          int ocBase = g * mpg + blk * OCB;
          int ocCount = Math.min(OCB, mpg - blk * OCB);
          dots(q0, q1 - q0, block, scratch, scratchOff, correction, correctionOff);
          if (bits) {
            toBits(q0, q1 - q0, block, ocBase, ocCount, yWords, yOff, scratch, scratchOff);
          } else {
            toFloat(q0, q1 - q0, ocBase, ocCount, residual, residualOff, yFloats, yOff,
                scratch, scratchOff);
          }
        }
      }
    }
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

  /**
   * Each position's counts as {@code OCB} ints (raw bits in the float scratch) in slot order
   * (see {@link #SLOT_CHANNEL}): counts fit in 32 bits, so two vectors pack into one with a shift
   * and an OR, no lane shuffle. Written out in full, not through a helper, so that C2 inlines it
   * whole and keeps the vectors in registers.
   */
  private static void store(LongVector a0, LongVector a1, LongVector a2, LongVector a3,
      LongVector b0, LongVector b1, LongVector b2, LongVector b3, LongVector c0, LongVector c1,
      LongVector c2, LongVector c3, float[] scratch, int sOff) {
    a0.or(a1.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats().intoArray(scratch, sOff);
    a2.or(a3.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats()
        .intoArray(scratch, sOff + 2 * L);
    b0.or(b1.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats()
        .intoArray(scratch, sOff + OCB);
    b2.or(b3.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats()
        .intoArray(scratch, sOff + OCB + 2 * L);
    c0.or(c1.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats()
        .intoArray(scratch, sOff + 2 * OCB);
    c2.or(c3.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats()
        .intoArray(scratch, sOff + 2 * OCB + 2 * L);
  }

  /**
   * Epilogue pass 1: turns the counts of {@code n} positions from {@code q0}, in place, into
   * the float dots that the reference transforms: integer dots with the tap bias and, at border
   * positions, the padding correction, converted, plus the zero correction when given (exact:
   * both are integers below 2^24), plus a dense layer's tap bias. For float output they are then
   * copied channel-major, {@code [slot][CHUNK]} after the counts.
   */
  private void dots(int q0, int n, int block, float[] scratch, int off, float[] corr,
      int corrOff) {
    int cStride = group * blocksPerGroup * OCB;
    // OCB is two vectors of ints.
    IntVector base0 = IntVector.fromArray(I, slotDotBase, block * OCB);
    IntVector base1 = IntVector.fromArray(I, slotDotBase, block * OCB + FL);
    int blocks = group * blocksPerGroup;
    int b = q0 / hw;
    int r = q0 - b * hw;
    int oy = r / ow;
    int ox = r - oy * ow;
    for (int i = 0; i < n; i++) {
      int pOff = off + i * OCB;
      IntVector count0 = FloatVector.fromArray(F, scratch, pOff).reinterpretAsInts();
      IntVector count1 = FloatVector.fromArray(F, scratch, pOff + FL).reinterpretAsInts();
      IntVector dot0 = base0.sub(count0.lanewise(VectorOperators.LSHL, 1));
      IntVector dot1 = base1.sub(count1.lanewise(VectorOperators.LSHL, 1));
      int cls = rowClass[oy] * colClasses + colClass[ox];
      if (cls != interiorClass) {
        int deltaOff = (cls * blocks + block) * OCB;
        dot0 = dot0.add(IntVector.fromArray(I, slotBorderDelta, deltaOff));
        dot1 = dot1.add(IntVector.fromArray(I, slotBorderDelta, deltaOff + FL));
      }
      FloatVector d0 = (FloatVector) dot0.convert(VectorOperators.I2F, 0);
      FloatVector d1 = (FloatVector) dot1.convert(VectorOperators.I2F, 0);
      if (corr != null) {
        int cb = corrOff + (q0 + i) * cStride + block * OCB;
        d0 = d0.add(FloatVector.fromArray(F, corr, cb));
        d1 = d1.add(FloatVector.fromArray(F, corr, cb + FL));
      }
      if (slotDenseBias != null) {
        d0 = d0.add(FloatVector.fromArray(F, slotDenseBias, block * OCB));
        d1 = d1.add(FloatVector.fromArray(F, slotDenseBias, block * OCB + FL));
      }
      d0.intoArray(scratch, pOff);
      d1.intoArray(scratch, pOff + FL);
      if (++ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
        }
      }
    }
    if (bits) {
      return;
    }
    int tOff = off + CHUNK * OCB;
    if (FL == 8) {
      // Past n the tiles read stale scratch, which no output uses.
      for (int i0 = 0; i0 < n; i0 += 8) {
        transpose8(scratch, off + i0 * OCB, tOff + i0);
        transpose8(scratch, off + i0 * OCB + 8, tOff + 8 * CHUNK + i0);
      }
    } else {
      // Other vector widths (tested with -XX:MaxVectorSize=16): a plain copy.
      for (int i = 0; i < n; i++) {
        for (int slot = 0; slot < OCB; slot++) {
          scratch[tOff + slot * CHUNK + i] = scratch[off + i * OCB + slot];
        }
      }
    }
  }

  /**
   * Transposes 8 positions x 8 slots of dots (rows {@code OCB} apart from {@code from}) into 8
   * slots x 8 positions (rows {@code CHUNK} apart from {@code to}), in registers: three rounds
   * that each swap the off-diagonal blocks of 4, 2, then 1 lanes.
   */
  private static void transpose8(float[] a, int from, int to) {
    FloatVector r0 = FloatVector.fromArray(F, a, from);
    FloatVector r1 = FloatVector.fromArray(F, a, from + OCB);
    FloatVector r2 = FloatVector.fromArray(F, a, from + 2 * OCB);
    FloatVector r3 = FloatVector.fromArray(F, a, from + 3 * OCB);
    FloatVector r4 = FloatVector.fromArray(F, a, from + 4 * OCB);
    FloatVector r5 = FloatVector.fromArray(F, a, from + 5 * OCB);
    FloatVector r6 = FloatVector.fromArray(F, a, from + 6 * OCB);
    FloatVector r7 = FloatVector.fromArray(F, a, from + 7 * OCB);
    // Round k: row i takes lanes l with bit k set from row i + k, lane l - k, and row i + k
    // takes the others from row i, lane l + k.
    FloatVector t0 = r0.blend(r4.rearrange(SWAP4), HIGH4);
    FloatVector t4 = r0.rearrange(SWAP4).blend(r4, HIGH4);
    FloatVector t1 = r1.blend(r5.rearrange(SWAP4), HIGH4);
    FloatVector t5 = r1.rearrange(SWAP4).blend(r5, HIGH4);
    FloatVector t2 = r2.blend(r6.rearrange(SWAP4), HIGH4);
    FloatVector t6 = r2.rearrange(SWAP4).blend(r6, HIGH4);
    FloatVector t3 = r3.blend(r7.rearrange(SWAP4), HIGH4);
    FloatVector t7 = r3.rearrange(SWAP4).blend(r7, HIGH4);
    r0 = t0.blend(t2.rearrange(SWAP2), HIGH2);
    r2 = t0.rearrange(SWAP2).blend(t2, HIGH2);
    r1 = t1.blend(t3.rearrange(SWAP2), HIGH2);
    r3 = t1.rearrange(SWAP2).blend(t3, HIGH2);
    r4 = t4.blend(t6.rearrange(SWAP2), HIGH2);
    r6 = t4.rearrange(SWAP2).blend(t6, HIGH2);
    r5 = t5.blend(t7.rearrange(SWAP2), HIGH2);
    r7 = t5.rearrange(SWAP2).blend(t7, HIGH2);
    r0.blend(r1.rearrange(SWAP1), HIGH1).intoArray(a, to);
    r0.rearrange(SWAP1).blend(r1, HIGH1).intoArray(a, to + CHUNK);
    r2.blend(r3.rearrange(SWAP1), HIGH1).intoArray(a, to + 2 * CHUNK);
    r2.rearrange(SWAP1).blend(r3, HIGH1).intoArray(a, to + 3 * CHUNK);
    r4.blend(r5.rearrange(SWAP1), HIGH1).intoArray(a, to + 4 * CHUNK);
    r4.rearrange(SWAP1).blend(r5, HIGH1).intoArray(a, to + 5 * CHUNK);
    r6.blend(r7.rearrange(SWAP1), HIGH1).intoArray(a, to + 6 * CHUNK);
    r6.rearrange(SWAP1).blend(r7, HIGH1).intoArray(a, to + 7 * CHUNK);
  }

  /**
   * Epilogue pass 2, float output: the reference's transform of the dots from {@link #dots},
   * channel by channel along runs of positions in one image, which are contiguous in NCHW.
   * Multiply and add stay separate operations, in the reference's order (a fused multiply-add
   * would round differently).
   */
  private void toFloat(int q0, int n, int ocBase, int ocCount, float[] residual,
      int residualOff, float[] y, int yOff, float[] scratch, int off) {
    for (int q = q0; q < q0 + n; ) {
      int b = q / hw;
      int r = q - b * hw;
      int len = Math.min(q0 + n - q, hw - r);
      int dOff = off + CHUNK * OCB + (q - q0);
      for (int j = 0; j < ocCount; j++) {
        int oc = ocBase + j;
        int idx = (b * m + oc) * hw + r;
        int sOff = dOff + CHANNEL_SLOT[j] * CHUNK;
        int resOff = residualOff + idx;
        int outOff = yOff + idx;
        float mul = multiplier[oc];
        float add = bias[oc];
        float neg = slope == null ? 1f : slope[oc];
        float post = postBias == null ? 0f : postBias[oc];
        int i = 0;
        for (; i <= len - FL; i += FL) {
          FloatVector v = FloatVector.fromArray(F, scratch, sOff + i).mul(mul).add(add);
          if (hasResidual) {
            v = v.add(FloatVector.fromArray(F, residual, resOff + i));
          }
          if (slope != null) {
            v = v.blend(v.mul(neg), v.lt(0f));
          }
          if (postBias != null) {
            v = v.add(post);
          }
          v.intoArray(y, outOff + i);
        }
        for (; i < len; i++) {
          float v = scratch[sOff + i] * mul + add;
          if (hasResidual) {
            v += residual[resOff + i];
          }
          if (slope != null && v < 0f) {
            v *= neg;
          }
          if (postBias != null) {
            v += post;
          }
          y[outOff + i] = v;
        }
      }
      q += len;
    }
  }

  /**
   * Epilogue pass 2, bit output: each position's channel bits, {@code (d < threshold) != flip},
   * compared a vector of slots at a time; the slot bits are put in channel order by taking the
   * even and odd ones apart (see {@link #SLOT_CHANNEL}).
   */
  private void toBits(int q0, int n, int block, int ocBase, int ocCount, long[] yWords,
      int yOff, float[] scratch, int off) {
    FloatVector threshold0 = FloatVector.fromArray(F, slotThreshold, block * OCB);
    FloatVector threshold1 = FloatVector.fromArray(F, slotThreshold, block * OCB + FL);
    VectorMask<Float> flip0 = VectorMask.fromArray(F, slotFlip, block * OCB);
    VectorMask<Float> flip1 = VectorMask.fromArray(F, slotFlip, block * OCB + FL);
    long valid = -1L >>> (64 - ocCount);
    int word = ocBase >>> 6;
    int shift = ocBase & 63;
    for (int i = 0; i < n; i++) {
      int pOff = off + i * OCB;
      long slots0 = FloatVector.fromArray(F, scratch, pOff).lt(threshold0).xor(flip0).toLong();
      long slots1 =
          FloatVector.fromArray(F, scratch, pOff + FL).lt(threshold1).xor(flip1).toLong();
      long channels = Long.compress(slots0, EVEN_BITS) | Long.compress(slots0, ODD_BITS) << L
          | Long.compress(slots1, EVEN_BITS) << 2 * L | Long.compress(slots1, ODD_BITS) << 3 * L;
      channels &= valid;
      int o = yOff + (q0 + i) * outWords + word;
      yWords[o] |= channels << shift;
      if (shift + ocCount > 64) {
        // A group's block can straddle a word.
        yWords[o + 1] |= channels >>> (64 - shift);
      }
    }
  }
}
