package org.bnn4j.kernels.vector;

import static org.bnn4j.kernels.vector.VectorBinaryConv.CHUNK;
import static org.bnn4j.kernels.vector.VectorBinaryConv.OCB;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.Window2d;

/**
 * The output transform of {@link VectorBinaryConv}: its load-time tables (dot bases, padding
 * classes and their corrections, thresholds) and its epilogue, which turns the micro-kernels'
 * dots of one pass ({@value VectorBinaryConv#CHUNK} positions by one block of {@code OCB}
 * channels) into the layer's outputs.
 *
 * <p>The micro-kernels already wrote each position's dots as for an interior position; a pass
 * over the positions corrects only what needs it (border positions, zero-state corrections, a
 * dense layer's tap bias). For float output an in-register transpose makes the dots
 * channel-major, so that the transform runs along positions, which is NCHW order, with
 * contiguous residual loads and output stores; bit output compares a vector of slots at a time.
 * The transform uses the reference's float operations in the same order, so results are
 * bit-identical to {@code BinaryReference} + {@code BinaryOutputTransform}.
 */
final class VectorBinaryConvOutput {
  private static final int L = VectorConstants.LONG_LANES;
  private static final VectorSpecies<Float> F = VectorConstants.FLOATS;
  private static final int FL = VectorConstants.FLOAT_LANES;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  /**
   * Channel (within the block) of each count slot: the micro-kernels pack lane k of the first and
   * second vector into slots 2k and 2k + 1, of the third and fourth into 2L + 2k and 2L + 2k + 1
   * (little-endian: the unshifted count is the low int).
   */
  static final int[] SLOT_CHANNEL = new int[OCB];
  /** Inverse of {@link #SLOT_CHANNEL}. */
  static final int[] CHANNEL_SLOT = new int[OCB];

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
  private final int oh;
  private final int ow;
  private final int hw;
  private final int outWords;
  private final int blocks;
  /**
   * True when every interior dot and every padding correction is at most 2^24 in magnitude, so
   * that the micro-kernels may convert the interior dots to floats and the epilogue add the
   * correction as a float, both exactly: the sum is then the exact dot rounded once, as the
   * integer sum converted would be. (Always so for real layers; otherwise integer dots.)
   */
  final boolean exactFloats;
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

  /**
   * The tables of layer {@code s}, whose weights have {@code tapPopcount[oc * taps + t]} bits
   * set per tap (padding bits excluded).
   */
  VectorBinaryConvOutput(BinaryConvSpec s, int blocksPerGroup, int[] tapPopcount) {
    Window2d win = s.win();
    int group = s.group();
    this.m = s.m();
    this.oh = s.oh();
    this.ow = s.ow();
    this.hw = oh * ow;
    this.outWords = Bitpack.words(m);
    int mpg = m / group;
    int cpg = s.c() / group;
    int kh = win.kernelH();
    int kw = win.kernelW();
    int taps = kh * kw;
    int[] tapBias = new int[m * taps];
    if (s.tapBias() != null && !s.denseTapBias()) {
      for (int i = 0; i < m * taps; i++) {
        tapBias[i] = (int) s.tapBias()[i];
      }
    }
    long worst = 0;
    for (int oc = 0; oc < m; oc++) {
      long magnitude = (long) taps * cpg;
      for (int t = 0; t < taps; t++) {
        magnitude += Math.abs((long) tapBias[oc * taps + t]);
      }
      worst = Math.max(worst, magnitude);
    }
    this.exactFloats = worst <= 1 << 24;
    this.rowClass = new int[oh];
    this.colClass = new int[ow];
    int[] rowRanges = VectorBinaryConvLayout.paddingClasses(oh, kh, win.strideH(),
        win.padTop(), win.dilationH(), s.h(), rowClass);
    int[] colRanges = VectorBinaryConvLayout.paddingClasses(ow, kw, win.strideW(),
        win.padLeft(), win.dilationW(), s.w(), colClass);
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
    this.blocks = group * blocksPerGroup;
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

  /** The class of position (oy, ox) plus one, or 0 when every tap lies inside the input. */
  int borderTag(int oy, int ox) {
    int cls = rowClass[oy] * colClasses + colClass[ox];
    return cls == interiorClass ? 0 : cls + 1;
  }

  /** True for bit output. */
  boolean bitsOutput() {
    return bits;
  }

  /** Slot-ordered interior dot bases, {@code [block][OCB]}, for the micro-kernels. */
  int[] slotDotBase() {
    return slotDotBase;
  }

  /**
   * The epilogue of one pass: the micro-kernels' dots of {@code n} positions from {@code q0} (at
   * {@code off} in the scratch, {@code OCB} per position, as for interior positions) for block
   * {@code block}, whose channels are {@code ocBase} to {@code ocBase + ocCount - 1}; the pass's
   * {@code borders} border positions at {@code borderOff}, in increasing order as pairs (index
   * in the pass, {@link #borderTag}) of raw float bits; {@code corr} (or null) holds zero-state
   * corrections.
   */
  void apply(int q0, int n, int block, int ocBase, int ocCount, float[] residual,
      int residualOff, float[] yFloats, long[] yWords, int yOff, float[] scratch, int off,
      int borderOff, int borders, float[] corr, int corrOff) {
    if (!exactFloats || borders > 0 || corr != null || slotDenseBias != null) {
      fixDots(q0, n, block, scratch, off, borderOff, borders, corr, corrOff);
    }
    if (bits) {
      toBits(q0, n, block, ocBase, ocCount, yWords, yOff, scratch, off);
    } else {
      channelMajor(n, scratch, off);
      toFloat(q0, n, ocBase, ocCount, residual, residualOff, yFloats, yOff, scratch, off);
    }
  }

  /**
   * Adds to the dots what the interior formula left out, all exact integer (or, for a dense
   * layer's tap bias, the reference's float) additions: the padding correction at border
   * positions, the zero-state correction when given, a dense layer's tap bias. Without {@link
   * #exactFloats} the micro-kernels stored integer dots, converted here after the padding
   * correction.
   */
  private void fixDots(int q0, int n, int block, float[] scratch, int off, int borderOff,
      int borders, float[] corr, int corrOff) {
    int cStride = blocks * OCB;
    // Only the border positions when the interior dots are final; else every position.
    boolean onlyBorders = exactFloats && corr == null && slotDenseBias == null;
    int count = onlyBorders ? borders : n;
    int next = 0;
    for (int k = 0; k < count; k++) {
      int i = k;
      int tag = 0;
      if (onlyBorders) {
        i = Float.floatToRawIntBits(scratch[borderOff + 2 * k]);
        tag = Float.floatToRawIntBits(scratch[borderOff + 2 * k + 1]);
      } else if (next < borders && Float.floatToRawIntBits(scratch[borderOff + 2 * next]) == i) {
        tag = Float.floatToRawIntBits(scratch[borderOff + 2 * next + 1]);
        next++;
      }
      int pOff = off + i * OCB;
      int deltaOff = ((tag - 1) * blocks + block) * OCB;
      FloatVector d0;
      FloatVector d1;
      if (exactFloats) {
        d0 = FloatVector.fromArray(F, scratch, pOff);
        d1 = FloatVector.fromArray(F, scratch, pOff + FL);
        if (tag != 0) {
          d0 = d0.add((FloatVector) IntVector.fromArray(I, slotBorderDelta, deltaOff)
              .convert(VectorOperators.I2F, 0));
          d1 = d1.add((FloatVector) IntVector.fromArray(I, slotBorderDelta, deltaOff + FL)
              .convert(VectorOperators.I2F, 0));
        }
      } else {
        // Integer dots: corrected as integers, then converted (rounded) once.
        IntVector i0 = FloatVector.fromArray(F, scratch, pOff).reinterpretAsInts();
        IntVector i1 = FloatVector.fromArray(F, scratch, pOff + FL).reinterpretAsInts();
        if (tag != 0) {
          i0 = i0.add(IntVector.fromArray(I, slotBorderDelta, deltaOff));
          i1 = i1.add(IntVector.fromArray(I, slotBorderDelta, deltaOff + FL));
        }
        d0 = (FloatVector) i0.convert(VectorOperators.I2F, 0);
        d1 = (FloatVector) i1.convert(VectorOperators.I2F, 0);
      }
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
    }
  }

  /** Copies the dots channel-major, {@code [slot][CHUNK]} after the position-major ones. */
  private static void channelMajor(int n, float[] scratch, int off) {
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
   * Epilogue pass 2, float output: the reference's transform of the dots from {@link #fixDots},
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
