package org.bnn4j.kernels.vector;

import static jdk.incubator.vector.VectorOperators.BIT_COUNT;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.XOR;
import static org.bnn4j.kernels.vector.VectorBinaryConv.OCB;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernels of {@link VectorBinaryConv}: popcounts of XOR for a block of
 * output positions by one block of {@code OCB = 4 * lanes} output channels, over one flat loop of
 * (tap, word) steps. Each step loads four weight vectors (one word of {@code lanes} channels
 * each), broadcasts each position's input word (at a fixed offset {@code delta[i]} from the
 * position's window) and XORs, popcounts and accumulates it with the four.
 *
 * <p>Java has no register arrays, so each shape is written out in full: one accumulator
 * variable per (position, vector), which C2 keeps in vector registers when the register file
 * holds them. {@link #kernel3x4} fits AVX2's 16 registers; {@link #kernel6x4} fits AVX-512's 32
 * (24 accumulators; on AVX2 it is correct but spills). Window bases come in as the raw bits of
 * floats in the scratch, relative to {@code xOff} (non-negative and below 2^28, never a NaN
 * pattern), which the driver fills once per pass instead of dividing per block.
 *
 * <p>Results leave as {@code OCB} float dots per position in slot order (see {@link
 * VectorBinaryConvOutput#SLOT_CHANNEL}), {@code dotBase - 2 * count} as for an interior
 * position (the epilogue corrects border positions): counts fit in 32 bits, so two vectors pack
 * into one vector of ints with a shift and an OR, no lane shuffle, and the integer dots convert
 * exactly when {@code floats} (the layer's dots and corrections all below 2^24 in magnitude);
 * otherwise the integer dots are stored as raw int bits, for the epilogue to correct and
 * convert. The stores are written out in each kernel, not through a helper, so that C2 keeps the
 * accumulators in registers up to them.
 */
final class VectorBinaryConvMicroKernel {
  private static final VectorSpecies<Long> S = VectorConstants.LONGS;
  private static final int L = VectorConstants.LONG_LANES;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  /** Ints per packed vector: two long vectors' counts. */
  private static final int FL = 2 * L;

  private VectorBinaryConvMicroKernel() {}

  /**
   * 3 positions x 4 vectors: 12 accumulators, 4 weight vectors and one broadcast live at once
   * (17 vector registers, which AVX2's 16 hold with the weights as memory operands).
   */
  static void kernel3x4(long[] wp, int wi, int[] delta, long[] x, float[] bases, int bOff,
      int xOff, int[] dotBase, int dOff, boolean floats, float[] scratch, int sOff) {
    int baseA = xOff + Float.floatToRawIntBits(bases[bOff]);
    int baseB = xOff + Float.floatToRawIntBits(bases[bOff + 1]);
    int baseC = xOff + Float.floatToRawIntBits(bases[bOff + 2]);
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
    int steps = delta.length;
    for (int i = 0; i < steps; i++, wi += OCB) {
      int d = delta[i];
      LongVector w0 = LongVector.fromArray(S, wp, wi);
      LongVector w1 = LongVector.fromArray(S, wp, wi + L);
      LongVector w2 = LongVector.fromArray(S, wp, wi + 2 * L);
      LongVector w3 = LongVector.fromArray(S, wp, wi + 3 * L);
      LongVector xa = LongVector.broadcast(S, x[baseA + d]);
      a0 = a0.add(xa.lanewise(XOR, w0).lanewise(BIT_COUNT));
      a1 = a1.add(xa.lanewise(XOR, w1).lanewise(BIT_COUNT));
      a2 = a2.add(xa.lanewise(XOR, w2).lanewise(BIT_COUNT));
      a3 = a3.add(xa.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xb = LongVector.broadcast(S, x[baseB + d]);
      b0 = b0.add(xb.lanewise(XOR, w0).lanewise(BIT_COUNT));
      b1 = b1.add(xb.lanewise(XOR, w1).lanewise(BIT_COUNT));
      b2 = b2.add(xb.lanewise(XOR, w2).lanewise(BIT_COUNT));
      b3 = b3.add(xb.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xc = LongVector.broadcast(S, x[baseC + d]);
      c0 = c0.add(xc.lanewise(XOR, w0).lanewise(BIT_COUNT));
      c1 = c1.add(xc.lanewise(XOR, w1).lanewise(BIT_COUNT));
      c2 = c2.add(xc.lanewise(XOR, w2).lanewise(BIT_COUNT));
      c3 = c3.add(xc.lanewise(XOR, w3).lanewise(BIT_COUNT));
    }
    IntVector base0 = IntVector.fromArray(I, dotBase, dOff);
    IntVector base1 = IntVector.fromArray(I, dotBase, dOff + FL);
    if (floats) {
      base0.sub(a0.or(a1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff);
      base1.sub(a2.or(a3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + FL);
      base0.sub(b0.or(b1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + OCB);
      base1.sub(b2.or(b3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + OCB + FL);
      base0.sub(c0.or(c1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB);
      base1.sub(c2.or(c3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + FL);
    } else {
      base0.sub(a0.or(a1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff);
      base1.sub(a2.or(a3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + FL);
      base0.sub(b0.or(b1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + OCB);
      base1.sub(b2.or(b3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + OCB + FL);
      base0.sub(c0.or(c1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB);
      base1.sub(c2.or(c3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + FL);
    }
  }

  /**
   * 6 positions x 4 vectors: 24 accumulators, 4 weight vectors and one broadcast live at once
   * (29 vector registers, for AVX-512's 32).
   */
  static void kernel6x4(long[] wp, int wi, int[] delta, long[] x, float[] bases, int bOff,
      int xOff, int[] dotBase, int dOff, boolean floats, float[] scratch, int sOff) {
    int baseA = xOff + Float.floatToRawIntBits(bases[bOff]);
    int baseB = xOff + Float.floatToRawIntBits(bases[bOff + 1]);
    int baseC = xOff + Float.floatToRawIntBits(bases[bOff + 2]);
    int baseD = xOff + Float.floatToRawIntBits(bases[bOff + 3]);
    int baseE = xOff + Float.floatToRawIntBits(bases[bOff + 4]);
    int baseF = xOff + Float.floatToRawIntBits(bases[bOff + 5]);
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
    LongVector d0 = a0;
    LongVector d1 = a0;
    LongVector d2 = a0;
    LongVector d3 = a0;
    LongVector e0 = a0;
    LongVector e1 = a0;
    LongVector e2 = a0;
    LongVector e3 = a0;
    LongVector f0 = a0;
    LongVector f1 = a0;
    LongVector f2 = a0;
    LongVector f3 = a0;
    int steps = delta.length;
    for (int i = 0; i < steps; i++, wi += OCB) {
      int d = delta[i];
      LongVector w0 = LongVector.fromArray(S, wp, wi);
      LongVector w1 = LongVector.fromArray(S, wp, wi + L);
      LongVector w2 = LongVector.fromArray(S, wp, wi + 2 * L);
      LongVector w3 = LongVector.fromArray(S, wp, wi + 3 * L);
      LongVector xa = LongVector.broadcast(S, x[baseA + d]);
      a0 = a0.add(xa.lanewise(XOR, w0).lanewise(BIT_COUNT));
      a1 = a1.add(xa.lanewise(XOR, w1).lanewise(BIT_COUNT));
      a2 = a2.add(xa.lanewise(XOR, w2).lanewise(BIT_COUNT));
      a3 = a3.add(xa.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xb = LongVector.broadcast(S, x[baseB + d]);
      b0 = b0.add(xb.lanewise(XOR, w0).lanewise(BIT_COUNT));
      b1 = b1.add(xb.lanewise(XOR, w1).lanewise(BIT_COUNT));
      b2 = b2.add(xb.lanewise(XOR, w2).lanewise(BIT_COUNT));
      b3 = b3.add(xb.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xc = LongVector.broadcast(S, x[baseC + d]);
      c0 = c0.add(xc.lanewise(XOR, w0).lanewise(BIT_COUNT));
      c1 = c1.add(xc.lanewise(XOR, w1).lanewise(BIT_COUNT));
      c2 = c2.add(xc.lanewise(XOR, w2).lanewise(BIT_COUNT));
      c3 = c3.add(xc.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xd = LongVector.broadcast(S, x[baseD + d]);
      d0 = d0.add(xd.lanewise(XOR, w0).lanewise(BIT_COUNT));
      d1 = d1.add(xd.lanewise(XOR, w1).lanewise(BIT_COUNT));
      d2 = d2.add(xd.lanewise(XOR, w2).lanewise(BIT_COUNT));
      d3 = d3.add(xd.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xe = LongVector.broadcast(S, x[baseE + d]);
      e0 = e0.add(xe.lanewise(XOR, w0).lanewise(BIT_COUNT));
      e1 = e1.add(xe.lanewise(XOR, w1).lanewise(BIT_COUNT));
      e2 = e2.add(xe.lanewise(XOR, w2).lanewise(BIT_COUNT));
      e3 = e3.add(xe.lanewise(XOR, w3).lanewise(BIT_COUNT));
      LongVector xf = LongVector.broadcast(S, x[baseF + d]);
      f0 = f0.add(xf.lanewise(XOR, w0).lanewise(BIT_COUNT));
      f1 = f1.add(xf.lanewise(XOR, w1).lanewise(BIT_COUNT));
      f2 = f2.add(xf.lanewise(XOR, w2).lanewise(BIT_COUNT));
      f3 = f3.add(xf.lanewise(XOR, w3).lanewise(BIT_COUNT));
    }
    IntVector base0 = IntVector.fromArray(I, dotBase, dOff);
    IntVector base1 = IntVector.fromArray(I, dotBase, dOff + FL);
    if (floats) {
      base0.sub(a0.or(a1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff);
      base1.sub(a2.or(a3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + FL);
      base0.sub(b0.or(b1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + OCB);
      base1.sub(b2.or(b3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + OCB + FL);
      base0.sub(c0.or(c1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB);
      base1.sub(c2.or(c3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + FL);
      base0.sub(d0.or(d1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 3 * OCB);
      base1.sub(d2.or(d3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 3 * OCB + FL);
      base0.sub(e0.or(e1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB);
      base1.sub(e2.or(e3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB + FL);
      base0.sub(f0.or(f1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 5 * OCB);
      base1.sub(f2.or(f3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .convert(I2F, 0).reinterpretAsFloats().intoArray(scratch, sOff + 5 * OCB + FL);
    } else {
      base0.sub(a0.or(a1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff);
      base1.sub(a2.or(a3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + FL);
      base0.sub(b0.or(b1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + OCB);
      base1.sub(b2.or(b3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + OCB + FL);
      base0.sub(c0.or(c1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB);
      base1.sub(c2.or(c3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 2 * OCB + FL);
      base0.sub(d0.or(d1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 3 * OCB);
      base1.sub(d2.or(d3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 3 * OCB + FL);
      base0.sub(e0.or(e1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB);
      base1.sub(e2.or(e3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 4 * OCB + FL);
      base0.sub(f0.or(f1.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 5 * OCB);
      base1.sub(f2.or(f3.lanewise(LSHL, 32)).reinterpretAsInts().lanewise(LSHL, 1))
          .reinterpretAsFloats().intoArray(scratch, sOff + 5 * OCB + FL);
    }
  }
}
