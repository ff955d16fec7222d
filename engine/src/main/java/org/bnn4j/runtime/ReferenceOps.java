package org.bnn4j.runtime;

import java.util.Arrays;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.attrs.AxisAttrs;
import org.bnn4j.format.graph.attrs.BatchNormAttrs;
import org.bnn4j.format.graph.attrs.ClipAttrs;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.attrs.GemmAttrs;
import org.bnn4j.format.graph.attrs.HardSigmoidAttrs;
import org.bnn4j.format.graph.attrs.ShrinkAttrs;
import org.bnn4j.format.graph.attrs.EluAttrs;
import org.bnn4j.format.graph.attrs.LeakyReluAttrs;
import org.bnn4j.format.graph.attrs.PadAttrs;
import org.bnn4j.format.graph.attrs.PoolAttrs;
import org.bnn4j.format.graph.attrs.ReshapeAttrs;
import org.bnn4j.format.graph.attrs.TransposeAttrs;
import org.bnn4j.format.graph.ElementType;
import org.bnn4j.kernels.reference.Activations;
import org.bnn4j.kernels.reference.Broadcast;
import org.bnn4j.kernels.reference.Broadcast.BinaryOp;
import org.bnn4j.kernels.reference.Convolution;
import org.bnn4j.kernels.reference.Gemm;
import org.bnn4j.kernels.reference.Layout;
import org.bnn4j.kernels.reference.Layout.PadMode;
import org.bnn4j.kernels.reference.MaskOps;
import org.bnn4j.kernels.reference.Normalization;
import org.bnn4j.kernels.reference.Pooling;
import org.bnn4j.kernels.reference.Softmax;
import org.bnn4j.kernels.Window2d;

/**
 * Builds every op of {@link OpType} on the scalar reference kernels (the binary ones through
 * {@link BinaryReferenceOps}). Attributes come from the op's record in {@code
 * org.bnn4j.format.graph.attrs}, which defaults and checks them; every output shape is
 * recomputed and checked against the graph's type.
 */
public final class ReferenceOps implements OpFactory {

  @Override
  public Op create(OpContext ctx) {
    OpNode node = ctx.node();
    Op body = switch (node.op()) {
      case CONV2D -> conv2d(OpShapes.conv(ctx));
      case GEMM -> gemm(OpShapes.gemm(ctx));
      case MAX_POOL2D -> pool2d(OpShapes.maxPool(ctx), true);
      case AVG_POOL2D -> pool2d(OpShapes.avgPool(ctx), false);
      case GLOBAL_AVG_POOL -> globalPool(ctx, true);
      case GLOBAL_MAX_POOL -> globalPool(ctx, false);
      case BATCH_NORM -> batchNorm(ctx);
      case ADD -> binary(ctx, BinaryOp.ADD);
      case SUB -> binary(ctx, BinaryOp.SUB);
      case MUL -> binary(ctx, BinaryOp.MUL);
      case DIV -> binary(ctx, BinaryOp.DIV);
      case PRELU -> prelu(ctx);
      case RELU -> unary(ctx, (x, xo, y, yo, n) -> Activations.relu(x, xo, y, yo, n));
      case LEAKY_RELU -> {
        float alpha = LeakyReluAttrs.of(node).alpha();
        yield unary(ctx, (x, xo, y, yo, n) -> Activations.leakyRelu(x, xo, y, yo, n, alpha));
      }
      case SIGMOID -> unary(ctx, (x, xo, y, yo, n) -> Activations.sigmoid(x, xo, y, yo, n));
      case TANH -> unary(ctx, (x, xo, y, yo, n) -> Activations.tanh(x, xo, y, yo, n));
      case HARD_SIGMOID -> {
        HardSigmoidAttrs a = HardSigmoidAttrs.of(node);
        float alpha = a.alpha();
        float beta = a.beta();
        yield unary(ctx,
            (x, xo, y, yo, n) -> Activations.hardSigmoid(x, xo, y, yo, n, alpha, beta));
      }
      case HARD_SWISH -> unary(ctx, (x, xo, y, yo, n) -> Activations.hardSwish(x, xo, y, yo, n));
      case SIGN -> unary(ctx, (x, xo, y, yo, n) -> Activations.sign(x, xo, y, yo, n));
      case BIPOLAR_SIGN ->
          unary(ctx, (x, xo, y, yo, n) -> MaskOps.bipolarSign(x, xo, y, yo, n));
      case LESS -> binary(ctx, BinaryOp.LESS);
      case GREATER -> binary(ctx, BinaryOp.GREATER);
      case WHERE -> MaskOpFactory.where(ctx);
      case LOG_SOFTMAX -> softmax(ctx, true);
      case SLICE -> MaskOpFactory.slice(ctx);
      case CLIP -> {
        ClipAttrs bounds = ClipAttrs.of(node);
        float min = bounds.min();
        float max = bounds.max();
        yield unary(ctx, (x, xo, y, yo, n) -> Activations.clip(x, xo, y, yo, n, min, max));
      }
      case IDENTITY -> identity(ctx);
      case SOFTMAX -> softmax(ctx);
      case CONCAT -> concat(ctx);
      case RESHAPE -> reshape(ctx);
      case TRANSPOSE -> transpose(ctx);
      case PAD -> pad(ctx);
      case BINARIZE -> BinaryReferenceOps.binarize(ctx);
      case BINARY_CONV2D -> BinaryReferenceOps.conv2d(ctx);
      case BINARY_DENSE -> BinaryReferenceOps.dense(ctx);
      case BIT_MAX_POOL2D -> BinaryReferenceOps.bitMaxPool(ctx);
      case ELU, SELU -> {
        EluAttrs a = EluAttrs.of(node);
        yield unary(ctx, (x, xo, y, yo, n) -> elu(x, xo, y, yo, n, a.alpha(), a.gamma()));
      }
      case SHRINK -> {
        ShrinkAttrs a = ShrinkAttrs.of(node);
        yield unary(ctx, (x, xo, y, yo, n) -> shrink(x, xo, y, yo, n, a.bias(), a.lambd()));
      }
    };
    return new NamedOp(node.where(), body);
  }

  /**
   * ONNX Elu (gamma 1) and Selu: {@code gamma * x} for x &gt; 0, else {@code gamma * alpha *
   * (exp(x) - 1)}, in double and rounded once; expm1 keeps small negative x exact, and
   * StrictMath gives the same bits on every call (as in sigmoid).
   */
  static void elu(float[] x, int xOff, float[] y, int yOff, int count, float alpha,
      float gamma) {
    for (int i = 0; i < count; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v > 0f ? (float) ((double) gamma * v)
          : (float) ((double) gamma * alpha * StrictMath.expm1(v));
    }
  }

  /**
   * ONNX Shrink: {@code x + bias} below -lambd, {@code x - bias} above lambd, else 0; one float
   * operation per element, as the ONNX reference computes it in float32.
   */
  static void shrink(float[] x, int xOff, float[] y, int yOff, int count, float bias,
      float lambd) {
    for (int i = 0; i < count; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v < -lambd ? v + bias : v > lambd ? v - bias : 0f;
    }
  }

  // ---- Convolution, dense and pooling (shapes checked by OpShapes) ----

  static ArenaOp conv2d(OpShapes.Conv s) {
    Operand x = s.x();
    Operand w = s.w();
    Operand b = s.b();
    Operand y = s.y();
    int[] xd = s.xd();
    int m = s.wd()[0];
    int group = s.group();
    Window2d win = s.win();
    int oh = s.yd()[2];
    int ow = s.yd()[3];
    return (arena, words) -> Convolution.conv2d(
        x.floats(arena), x.offset(), xd[0], xd[1], xd[2], xd[3],
        w.floats(arena), w.offset(), m, group,
        b == null ? null : b.floats(arena), b == null ? 0 : b.offset(),
        win,
        y.floats(arena), y.offset(), oh, ow);
  }

  static ArenaOp gemm(OpShapes.Dense s) {
    Operand a = s.a();
    Operand b = s.b();
    Operand c = s.c();
    Operand y = s.y();
    GemmAttrs g = s.attrs();
    int[] cDims = c == null ? null : c.dims();
    int m = s.m();
    int n = s.n();
    int k = s.k();
    return (arena, words) -> Gemm.gemm(
        a.floats(arena), a.offset(), g.transA(),
        b.floats(arena), b.offset(), g.transB(),
        c == null ? null : c.floats(arena), c == null ? 0 : c.offset(), cDims,
        g.alpha(), g.beta(),
        y.floats(arena), y.offset(), m, n, k);
  }

  /** MaxPool2d, or AveragePool2d when not {@code max}: the same operands and window. */
  static ArenaOp pool2d(OpShapes.Pool s, boolean max) {
    Operand x = s.x();
    Operand y = s.y();
    int[] xd = s.xd();
    int[] yd = s.yd();
    Window2d win = s.win();
    if (max) {
      return (arena, words) -> Pooling.maxPool2d(
          x.floats(arena), x.offset(), xd[0], xd[1], xd[2], xd[3], win,
          y.floats(arena), y.offset(), yd[2], yd[3]);
    }
    boolean countPad = s.attrs().countIncludePad();
    return (arena, words) -> Pooling.avgPool2d(
        x.floats(arena), x.offset(), xd[0], xd[1], xd[2], xd[3], win, countPad,
        y.floats(arena), y.offset(), yd[2], yd[3]);
  }

  static ArenaOp globalPool(OpContext ctx, boolean average) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    if (xd.length < 3) {
      throw ctx.error("input " + Arrays.toString(xd) + " needs rank 3 or more ([N, C, ...])");
    }
    int[] yd = new int[xd.length];
    Arrays.fill(yd, 1);
    yd[0] = xd[0];
    yd[1] = xd[1];
    ctx.expectDims(y, yd);
    int planes = xd[0] * xd[1];
    int spatial = x.size() / Math.max(planes, 1);
    if (spatial == 0) {
      throw ctx.error("input " + Arrays.toString(xd) + " has no spatial elements to pool");
    }
    if (average) {
      return (arena, words) -> Pooling.globalAvgPool(
          x.floats(arena), x.offset(), planes, spatial, y.floats(arena), y.offset());
    }
    return (arena, words) -> Pooling.globalMaxPool(
        x.floats(arena), x.offset(), planes, spatial, y.floats(arena), y.offset());
  }

  // ---- Normalisation and element-wise ----

  static ArenaOp batchNorm(OpContext ctx) {
    ctx.expectArity(5, 5, 1);
    Operand x = ctx.floatInput(0);
    Operand scale = ctx.floatInput(1);
    Operand bias = ctx.floatInput(2);
    Operand mean = ctx.floatInput(3);
    Operand var = ctx.floatInput(4);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    if (xd.length < 2) {
      throw ctx.error("input " + Arrays.toString(xd) + " needs rank 2 or more ([N, C, ...])");
    }
    int n = xd[0];
    int c = xd[1];
    for (Operand p : new Operand[] {scale, bias, mean, var}) {
      ctx.expectDims(p, new int[] {c});
    }
    ctx.expectDims(y, xd);
    float eps = BatchNormAttrs.of(ctx.node()).epsilon();
    int spatial = n * c == 0 ? 0 : x.size() / (n * c);
    return (arena, words) -> Normalization.batchNorm(
        x.floats(arena), x.offset(), n, c, spatial,
        scale.floats(arena), scale.offset(), bias.floats(arena), bias.offset(),
        mean.floats(arena), mean.offset(), var.floats(arena), var.offset(),
        eps, y.floats(arena), y.offset());
  }

  static ArenaOp binary(OpContext ctx, BinaryOp op) {
    ctx.expectArity(2, 2, 1);
    Operand a = ctx.floatInput(0);
    Operand b = ctx.floatInput(1);
    Operand y = ctx.floatOutput(0);
    int[] ad = a.dims();
    int[] bd = b.dims();
    int[] yd = broadcastOutput(ctx, y, ad, bd);
    return (arena, words) -> Broadcast.binary(op,
        a.floats(arena), a.offset(), ad, b.floats(arena), b.offset(), bd,
        y.floats(arena), y.offset(), yd);
  }

  static ArenaOp prelu(OpContext ctx) {
    ctx.expectArity(2, 2, 1);
    Operand x = ctx.floatInput(0);
    Operand slope = ctx.floatInput(1);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int[] sd = slope.dims();
    if (!Broadcast.broadcastsTo(sd, xd)) {
      throw ctx.error("slope " + Arrays.toString(sd) + " does not broadcast to "
          + Arrays.toString(xd));
    }
    checkBroadcastRank(ctx, xd);
    ctx.expectDims(y, xd);
    return (arena, words) -> Broadcast.prelu(x.floats(arena), x.offset(), xd,
        slope.floats(arena), slope.offset(), sd, y.floats(arena), y.offset());
  }

  /**
   * The shape the input shapes broadcast to together, left to right, which output {@code y} must
   * have.
   */
  static int[] broadcastOutput(OpContext ctx, Operand y, int[]... shapes) {
    int[] yd = shapes[0];
    try {
      for (int i = 1; i < shapes.length; i++) {
        yd = Broadcast.broadcastShape(yd, shapes[i]);
      }
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    checkBroadcastRank(ctx, yd);
    ctx.expectDims(y, yd);
    return yd;
  }

  /** The broadcasting kernels index up to {@link Broadcast#MAX_RANK} dims; more is declined. */
  static void checkBroadcastRank(OpContext ctx, int[] dims) {
    if (dims.length > Broadcast.MAX_RANK) {
      throw ctx.unsupported("rank " + dims.length + " is over " + Broadcast.MAX_RANK);
    }
  }

  /** A kernel over {@code count} contiguous floats. */
  @FunctionalInterface
  interface UnaryKernel {
    void apply(float[] x, int xOff, float[] y, int yOff, int count);
  }

  static ArenaOp unary(OpContext ctx, UnaryKernel kernel) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    return unary(ctx, x, y, x.dims(), kernel);
  }

  /** {@code kernel} over all of {@code x} into {@code y}, which must have {@code yd}. */
  private static ArenaOp unary(OpContext ctx, Operand x, Operand y, int[] yd,
      UnaryKernel kernel) {
    ctx.expectDims(y, yd);
    int count = x.size();
    return (arena, words) -> kernel.apply(x.floats(arena), x.offset(), y.floats(arena),
        y.offset(), count);
  }

  /** Identity copies floats, or words when the value is BITS. */
  static ArenaOp identity(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.input(0);
    if (x != null && x.type().type() == ElementType.BITS) {
      Operand y = ctx.output(0);
      if (y.isConstant() || !y.type().equals(x.type())) {
        throw ctx.error("output '" + y.name() + "' is " + y.type() + ", input is " + x.type());
      }
      int n = x.size();
      return (arena, words) -> System.arraycopy(x.words(words), x.offset(), y.words(words),
          y.offset(), n);
    }
    return unary(ctx, (xa, xo, ya, yo, n) -> Layout.copy(xa, xo, ya, yo, n));
  }

  static ArenaOp softmax(OpContext ctx) {
    return softmax(ctx, false);
  }

  /** Softmax, or LogSoftmax when {@code log}: the same operands, axis and reference loop. */
  static ArenaOp softmax(OpContext ctx, boolean log) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int axis = AxisAttrs.of(ctx.node()).axis();
    if (axis < 0 || axis >= xd.length) {
      throw ctx.error("axis " + axis + " is out of range for rank " + xd.length);
    }
    ctx.expectDims(y, xd);
    if (log) {
      return (arena, words) -> Softmax.logSoftmax(x.floats(arena), x.offset(), xd, axis,
          y.floats(arena), y.offset());
    }
    return (arena, words) -> Softmax.softmax(x.floats(arena), x.offset(), xd, axis,
        y.floats(arena), y.offset());
  }

  // ---- Data movement ----

  static ArenaOp concat(OpContext ctx) {
    int k = ctx.inputCount();
    ctx.expectArity(1, Integer.MAX_VALUE, 1);
    Operand y = ctx.floatOutput(0);
    Operand[] xs = new Operand[k];
    int[][] dims = new int[k][];
    for (int i = 0; i < k; i++) {
      xs[i] = ctx.floatInput(i);
      dims[i] = xs[i].dims();
    }
    int rank = dims[0].length;
    int axis = AxisAttrs.of(ctx.node()).axis();
    if (axis < 0 || axis >= rank) {
      throw ctx.error("axis " + axis + " is out of range for rank " + rank);
    }
    int[] yd = dims[0].clone();
    yd[axis] = 0;
    for (int i = 0; i < k; i++) {
      boolean same = dims[i].length == rank;
      for (int d = 0; same && d < rank; d++) {
        same = d == axis || dims[i][d] == dims[0][d];
      }
      if (!same) {
        throw ctx.error("input " + i + " " + Arrays.toString(dims[i])
            + " does not match input 0 " + Arrays.toString(dims[0]) + " off axis " + axis);
      }
      yd[axis] += dims[i][axis];
    }
    ctx.expectDims(y, yd);
    int[] starts = new int[k];
    for (int i = 1; i < k; i++) {
      starts[i] = starts[i - 1] + dims[i - 1][axis];
    }
    return (arena, words) -> {
      float[] ya = y.floats(arena);
      int yo = y.offset();
      for (int i = 0; i < k; i++) {
        Layout.concatPart(xs[i].floats(arena), xs[i].offset(), dims[i], axis, starts[i], ya, yo,
            yd);
      }
    };
  }

  static ArenaOp reshape(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] shape = ReshapeAttrs.of(ctx.node()).shape();
    long count = 1;
    for (int d : shape) {
      count *= d;
    }
    if (count != x.size()) {
      throw ctx.error("shape " + Arrays.toString(shape) + " holds " + count
          + " elements, input " + Arrays.toString(x.dims()) + " has " + x.size());
    }
    // The same floats in the same order: a copy, as Identity.
    return unary(ctx, x, y, shape, (xa, xo, ya, yo, n) -> Layout.copy(xa, xo, ya, yo, n));
  }

  static ArenaOp transpose(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int[] perm = TransposeAttrs.of(ctx.node(), xd.length).perm();
    int[] yd;
    try {
      yd = Layout.transposedDims(xd, perm);
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    ctx.expectDims(y, yd);
    return (arena, words) -> Layout.transpose(x.floats(arena), x.offset(), xd, perm,
        y.floats(arena), y.offset());
  }

  static ArenaOp pad(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    PadAttrs attrs = PadAttrs.of(ctx.node(), xd.length);
    int[] pads = attrs.pads();
    String modeName = attrs.mode();
    PadMode mode = PadMode.byName(modeName);
    float value = attrs.value();
    int[] yd;
    try {
      yd = Layout.paddedDims(xd, pads);
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    if (mode != PadMode.CONSTANT) {
      for (int i = 0; i < xd.length; i++) {
        if (xd[i] == 0 && yd[i] > 0) {
          throw ctx.error(modeName + " padding of the empty axis " + i);
        }
      }
    }
    ctx.expectDims(y, yd);
    return (arena, words) -> Layout.pad(x.floats(arena), x.offset(), xd, pads, mode, value,
        y.floats(arena), y.offset());
  }
}
