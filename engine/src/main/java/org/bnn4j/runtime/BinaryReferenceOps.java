package org.bnn4j.runtime;

import org.bnn4j.format.graph.attrs.BinaryOutputAttrs;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.attrs.PoolAttrs;
import org.bnn4j.format.graph.ElementType;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.reference.BinaryOutputTransform;
import org.bnn4j.kernels.reference.BinaryReference;
import org.bnn4j.kernels.Window2d;

/**
 * Binds the binary ops to the reference bit kernels. Shapes and transform inputs were checked by
 * the graph validator (BinaryShapes); here operands are resolved and scratch is requested.
 */
final class BinaryReferenceOps {
  private BinaryReferenceOps() {}

  /** Dots are kept in floats, exact only below 2^24. */
  private static final int MAX_EXACT_DOT = 1 << 24;

  static ArenaOp binarize(OpContext ctx) {
    Operand x = ctx.floatInput(0);
    Operand y = bitsOutput(ctx);
    float[] thr = ctx.input(1).constantFloats();
    int[] src = sourceChannels(ctx);
    int[] d = x.dims();
    int hw = d.length == 4 ? d[2] * d[3] : 1;
    int cout = thr.length;
    if (y.mayHoldZeros()) {
      return (arena, words) -> {
        float[] xa = x.floats(arena);
        long[] ya = y.words(words);
        BinaryReference.binarize(xa, x.offset(), d[0], d[1], hw, thr, src, cout, ya,
            y.offset());
        for (int b = 0; b < d[0]; b++) {
          ya[y.zeroFlagOffset() + b] = BinaryReference.zeroMask(xa, x.offset(), d[1], hw, thr,
              src, cout, ya, y.zeroMaskOffset(), b) ? 1L : 0L;
        }
      };
    }
    return (arena, words) -> BinaryReference.binarize(x.floats(arena), x.offset(), d[0], d[1],
        hw, thr, src, cout, y.words(words), y.offset());
  }

  /**
   * Binarize's optional input 2, the input channel each output channel reads, as ints; null
   * (output channel j reads {@code j % c}) when the node has none.
   */
  static int[] sourceChannels(OpContext ctx) {
    if (!ctx.node().hasInput(2)) {
      return null;
    }
    long[] s = ctx.input(2).words(null);
    int[] source = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      source[i] = (int) s[i];
    }
    return source;
  }

  /** True when image {@code b} of a value that may hold zeros met one in this inference. */
  static boolean hasZeros(Operand o, long[] words, int b) {
    return o.mayHoldZeros() && words[o.zeroFlagOffset() + b] != 0L;
  }

  static ArenaOp bitMaxPool(OpContext ctx) {
    Operand x = bitsInput(ctx, 0);
    Operand y = bitsOutput(ctx);
    Window2d win = OpShapes.window(ctx, PoolAttrs.of(ctx.node()));
    int[] xd = x.dims();
    int[] yd = y.dims();
    if (x.mayHoldZeros() != y.mayHoldZeros()) {
      throw ctx.error("input and output disagree on holding zeros");
    }
    if (x.mayHoldZeros()) {
      int inImage = xd[2] * xd[3] * Bitpack.words(xd[1]);
      int outImage = yd[2] * yd[3] * Bitpack.words(xd[1]);
      return (arena, words) -> {
        long[] xa = x.words(words);
        long[] ya = y.words(words);
        BinaryReference.bitMaxPool2d(xa, x.offset(), xd[0], xd[1], xd[2], xd[3], win, ya,
            y.offset(), yd[2], yd[3]);
        for (int b = 0; b < xd[0]; b++) {
          boolean zeros = hasZeros(x, xa, b);
          if (zeros) {
            BinaryReference.bitMaxPool2dZeros(xa, x.offset() + b * inImage,
                x.zeroMaskOffset() + b * inImage, 1, xd[1], xd[2], xd[3], win, ya,
                y.offset() + b * outImage, y.zeroMaskOffset() + b * outImage, yd[2], yd[3]);
          }
          ya[y.zeroFlagOffset() + b] = zeros ? 1L : 0L;
        }
      };
    }
    return (arena, words) -> BinaryReference.bitMaxPool2d(x.words(words), x.offset(), xd[0],
        xd[1], xd[2], xd[3], win, y.words(words), y.offset(), yd[2], yd[3]);
  }

  static ArenaOp conv2d(OpContext ctx) {
    Operand x = bitsInput(ctx, 0);
    long[] w = ctx.input(1).words(null);
    int[] wd = ctx.input(1).dims();
    int[] xd = x.dims();
    Operand y = ctx.output(0);
    int[] yd = y.dims();
    Conv2dAttrs attrs = Conv2dAttrs.of(ctx.node());
    int group = attrs.group();
    Window2d win = OpShapes.window(ctx, attrs, wd[1], wd[2]);
    checkDotRange(ctx, (long) wd[1] * wd[2] * wd[3]);
    Operand dots = ctx.scratchFloats(Math.toIntExact((long) yd[0] * yd[1] * yd[2] * yd[3]));
    Transform t = transform(ctx, 4);
    return (arena, words) -> {
      float[] da = dots.floats(arena);
      long[] xa = x.words(words);
      int inImage = xd[2] * xd[3] * Bitpack.words(xd[1]);
      int outImage = wd[0] * yd[2] * yd[3];
      for (int b = 0; b < xd[0]; b++) {
        BinaryReference.conv2dDots(xa, x.offset() + b * inImage,
            hasZeros(x, xa, b) ? x.zeroMaskOffset() + b * inImage : -1, 1, xd[1], xd[2], xd[3],
            w, wd[0], group, win, yd[2], yd[3], da, dots.offset() + b * outImage);
      }
      if (t.tapBias != null) {
        BinaryReference.addTapBias(t.tapBias, xd[0], xd[2], xd[3], wd[0], win, yd[2], yd[3],
            da, dots.offset());
      }
      t.apply(da, dots.offset(), yd[0], yd[1], yd[2] * yd[3], arena, words);
    };
  }

  static ArenaOp dense(OpContext ctx) {
    Operand x = bitsInput(ctx, 0);
    long[] w = ctx.input(1).words(null);
    int[] wd = ctx.input(1).dims();
    int[] xd = x.dims();
    checkDotRange(ctx, wd[1]);
    Operand dots = ctx.scratchFloats(Math.toIntExact((long) xd[0] * wd[0]));
    Transform t = transform(ctx, 2);
    return (arena, words) -> {
      float[] da = dots.floats(arena);
      long[] xa = x.words(words);
      int row = Bitpack.words(xd[1]);
      for (int b = 0; b < xd[0]; b++) {
        BinaryReference.denseDots(xa, x.offset() + b * row,
            hasZeros(x, xa, b) ? x.zeroMaskOffset() + b * row : -1, 1, xd[1], w, wd[0], da,
            dots.offset() + b * wd[0]);
      }
      if (t.tapBias != null) {
        for (int b = 0; b < xd[0]; b++) {
          for (int m = 0; m < wd[0]; m++) {
            da[dots.offset() + b * wd[0] + m] += t.tapBias[m];
          }
        }
      }
      t.apply(da, dots.offset(), xd[0], wd[0], 1, arena, words);
    };
  }

  /** The output transform of a binary conv or dense node, resolved once. */
  record Transform(Operand y, boolean bits, float[] multiplier, float[] bias,
      Operand residual, float[] slope, float[] postBias, long[] threshold, long[] flip,
      float[] tapBias) {

    void apply(float[] dots, int dOff, int n, int m, int hw, float[] arena, long[] words) {
      if (bits) {
        BinaryOutputTransform.toBits(dots, dOff, n, m, hw, threshold, flip, y.words(words),
            y.offset());
      } else {
        BinaryOutputTransform.toFloat(dots, dOff, n, m, hw, multiplier, bias,
            residual == null ? null : residual.floats(arena),
            residual == null ? 0 : residual.offset(), slope, postBias, y.floats(arena),
            y.offset());
      }
    }
  }

  static Transform transform(OpContext ctx, int rank) {
    Operand y = ctx.output(0);
    if (y.rank() != rank) {
      throw ctx.error("output has rank " + y.rank() + ", expected " + rank);
    }
    if (BinaryOutputAttrs.of(ctx.node()).bits()) {
      if (y.type().type() != ElementType.BITS || y.isConstant()) {
        throw ctx.error("output '" + y.name() + "' must be a bits value");
      }
      return new Transform(y, true, null, null, null, null, null, ctx.input(2).words(null),
          ctx.input(3).words(null), constFloats(ctx, 4));
    }
    Operand out = ctx.floatOutput(0);
    return new Transform(out, false, constFloats(ctx, 2), constFloats(ctx, 3),
        ctx.node().hasInput(4) ? ctx.floatInput(4) : null, constFloats(ctx, 5),
        constFloats(ctx, 6), null, null, constFloats(ctx, 7));
  }

  private static float[] constFloats(OpContext ctx, int i) {
    return ctx.node().hasInput(i) ? ctx.input(i).constantFloats() : null;
  }

  static Operand bitsInput(OpContext ctx, int i) {
    Operand o = ctx.input(i);
    if (o == null || o.type().type() != ElementType.BITS || o.isConstant()) {
      throw ctx.error("input " + i + " must be a bits activation");
    }
    return o;
  }

  private static Operand bitsOutput(OpContext ctx) {
    Operand o = ctx.output(0);
    if (o.type().type() != ElementType.BITS || o.isConstant()) {
      throw ctx.error("output '" + o.name() + "' must be a bits value");
    }
    return o;
  }

  static void checkDotRange(OpContext ctx, long k) {
    if (k >= MAX_EXACT_DOT) {
      throw ctx.unsupported("reduction length " + k + " is over " + MAX_EXACT_DOT);
    }
  }
}
