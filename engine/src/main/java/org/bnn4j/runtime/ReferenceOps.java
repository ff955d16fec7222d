package org.bnn4j.runtime;

import java.util.Arrays;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.OpType;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.proto.DataType;
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
import org.bnn4j.kernels.reference.Window2d;

/**
 * Builds every op of {@link OpType} on the scalar reference kernels. Attributes are parsed
 * and checked once, here, with the defaults of ONNX where one is absent; every output shape is
 * recomputed and checked against the graph's type. The binary ops (Binarize, BinaryConv2d,
 * BinaryDense, BitMaxPool2d) are bound to the reference bit kernels by {@code
 * BinaryReferenceOps}.
 */
public class ReferenceOps implements OpFactory {

  @Override
  public Op create(OpContext ctx) {
    OpNode node = ctx.node();
    Op body = switch (node.op()) {
      case CONV2D -> conv2d(ctx);
      case GEMM -> gemm(ctx);
      case MAX_POOL2D -> maxPool2d(ctx);
      case AVG_POOL2D -> avgPool2d(ctx);
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
        float alpha = node.getFloat("alpha", 0.01f);
        yield unary(ctx, (x, xo, y, yo, n) -> Activations.leakyRelu(x, xo, y, yo, n, alpha));
      }
      case SIGMOID -> unary(ctx, (x, xo, y, yo, n) -> Activations.sigmoid(x, xo, y, yo, n));
      case TANH -> unary(ctx, (x, xo, y, yo, n) -> Activations.tanh(x, xo, y, yo, n));
      case HARD_SIGMOID -> {
        float alpha = node.getFloat("alpha", 0.2f);
        float beta = node.getFloat("beta", 0.5f);
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
        float min = node.getFloat("min", Float.NEGATIVE_INFINITY);
        float max = node.getFloat("max", Float.POSITIVE_INFINITY);
        if (Float.isNaN(min) || Float.isNaN(max)) {
          throw ctx.error("min and max must not be NaN");
        }
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
    };
    return new NamedOp(node.where(), body);
  }

  /** An op that names its node, for stack traces and debugging. */
  record NamedOp(String where, Op body) implements Op {
    @Override
    public void run(float[] arena, long[] words) {
      body.run(arena, words);
    }

    @Override
    public String toString() {
      return where;
    }
  }

  // ---- Convolution and dense ----

  static Op conv2d(OpContext ctx) {
    ctx.expectArity(2, 3, 1);
    OpNode node = ctx.node();
    Operand x = ctx.floatInput(0);
    Operand w = ctx.floatInput(1);
    Operand b = ctx.optionalFloatInput(2);
    Operand y = ctx.floatOutput(0);
    ctx.expectRank(x, 4);
    ctx.expectRank(w, 4);
    int n = x.dims()[0];
    int c = x.dims()[1];
    int h = x.dims()[2];
    int wd = x.dims()[3];
    int[] wDims = w.dims();
    int m = wDims[0];
    int group = node.getInt("group", 1);
    if (group < 1 || c % group != 0 || m % group != 0) {
      throw ctx.error("group " + group + " must divide input channels " + c
          + " and output channels " + m);
    }
    if (wDims[1] != c / group) {
      throw ctx.error("weights " + Arrays.toString(wDims) + " need " + c / group
          + " channels per group (input has " + c + " channels, group " + group + ")");
    }
    if (b != null) {
      ctx.expectDims(b, new int[] {m});
    }
    int[] kernel = {wDims[2], wDims[3]};
    if (node.has("kernel") && !Arrays.equals(node.getInts("kernel", 2, null), kernel)) {
      throw ctx.error("attribute 'kernel' " + Arrays.toString(node.getInts("kernel", 2, null))
          + " disagrees with the weights " + Arrays.toString(wDims));
    }
    Window2d win = window(ctx, kernel, true);
    int oh = win.outH(h, false);
    int ow = win.outW(wd, false);
    if (oh <= 0 || ow <= 0) {
      throw ctx.error("the " + win.extentH() + "x" + win.extentW()
          + " (dilated) kernel does not fit the padded " + h + "x" + wd + " input");
    }
    ctx.expectDims(y, new int[] {n, m, oh, ow});
    return (arena, words) -> Convolution.conv2d(
        x.floats(arena), x.offset(), n, c, h, wd,
        w.floats(arena), w.offset(), m, group,
        b == null ? null : b.floats(arena), b == null ? 0 : b.offset(),
        win,
        y.floats(arena), y.offset(), oh, ow);
  }

  static Op gemm(OpContext ctx) {
    ctx.expectArity(2, 3, 1);
    OpNode node = ctx.node();
    Operand a = ctx.floatInput(0);
    Operand b = ctx.floatInput(1);
    Operand c = ctx.optionalFloatInput(2);
    Operand y = ctx.floatOutput(0);
    ctx.expectRank(a, 2);
    ctx.expectRank(b, 2);
    boolean transA = flag(ctx, "transA");
    boolean transB = flag(ctx, "transB");
    float alpha = node.getFloat("alpha", 1f);
    float beta = node.getFloat("beta", 1f);
    int m = transA ? a.dims()[1] : a.dims()[0];
    int k = transA ? a.dims()[0] : a.dims()[1];
    int kb = transB ? b.dims()[1] : b.dims()[0];
    int n = transB ? b.dims()[0] : b.dims()[1];
    if (k != kb) {
      throw ctx.error("A " + Arrays.toString(a.dims()) + (transA ? "^T" : "") + " and B "
          + Arrays.toString(b.dims()) + (transB ? "^T" : "") + " disagree on K: " + k + " vs "
          + kb);
    }
    int[] cDims = c == null ? null : c.dims();
    if (c != null && (cDims.length > 2 || !Broadcast.broadcastsTo(cDims, new int[] {m, n}))) {
      throw ctx.error("C " + Arrays.toString(cDims) + " does not broadcast to [" + m + ", " + n
          + "]");
    }
    ctx.expectDims(y, new int[] {m, n});
    return (arena, words) -> Gemm.gemm(
        a.floats(arena), a.offset(), transA,
        b.floats(arena), b.offset(), transB,
        c == null ? null : c.floats(arena), c == null ? 0 : c.offset(), cDims,
        alpha, beta,
        y.floats(arena), y.offset(), m, n, k);
  }

  // ---- Pooling ----

  static Op maxPool2d(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    ctx.expectRank(x, 4);
    ctx.expectRank(y, 4);
    Window2d win = window(ctx, ctx.node().getInts("kernel", 2, null), true);
    boolean ceil = flag(ctx, "ceil_mode");
    int[] xd = x.dims();
    int[] yd = y.dims();
    checkPoolOutput(ctx, xd, yd, win, ceil);
    return (arena, words) -> Pooling.maxPool2d(
        x.floats(arena), x.offset(), xd[0], xd[1], xd[2], xd[3], win,
        y.floats(arena), y.offset(), yd[2], yd[3]);
  }

  static Op avgPool2d(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    ctx.expectRank(x, 4);
    ctx.expectRank(y, 4);
    int[] dil = ctx.node().getInts("dilations", 2, new int[] {1, 1});
    if (dil[0] != 1 || dil[1] != 1) {
      throw ctx.unsupported("dilated average pooling " + Arrays.toString(dil));
    }
    Window2d win = window(ctx, ctx.node().getInts("kernel", 2, null), false);
    boolean ceil = flag(ctx, "ceil_mode");
    boolean countPad = flag(ctx, "count_include_pad");
    int[] xd = x.dims();
    int[] yd = y.dims();
    checkPoolOutput(ctx, xd, yd, win, ceil);
    return (arena, words) -> Pooling.avgPool2d(
        x.floats(arena), x.offset(), xd[0], xd[1], xd[2], xd[3], win, countPad,
        y.floats(arena), y.offset(), yd[2], yd[3]);
  }

  /**
   * The output shape comes from the graph. Floor mode must match exactly; ceil mode accepts the
   * PyTorch/ONNX Runtime size (a last window starting in the end padding is dropped) or the plain
   * ceiling.
   */
  private static void checkPoolOutput(OpContext ctx, int[] xd, int[] yd, Window2d win,
      boolean ceil) {
    int[][] ok = {
        {win.outH(xd[2], ceil), rawCeil(xd[2], win.padTop(), win.padBottom(), win.extentH(),
            win.strideH(), ceil)},
        {win.outW(xd[3], ceil), rawCeil(xd[3], win.padLeft(), win.padRight(), win.extentW(),
            win.strideW(), ceil)}};
    boolean fits = yd[0] == xd[0] && yd[1] == xd[1];
    for (int i = 0; i < 2; i++) {
      int got = yd[2 + i];
      fits &= ok[i][0] > 0 && (got == ok[i][0] || got == ok[i][1]);
    }
    if (!fits) {
      throw ctx.error("output shape " + Arrays.toString(yd) + " does not follow from input "
          + Arrays.toString(xd) + " with " + win + (ceil ? " in ceil mode" : "") + "; expected ["
          + xd[0] + ", " + xd[1] + ", " + ok[0][0] + ", " + ok[1][0] + "]");
    }
  }

  private static int rawCeil(int in, int padBegin, int padEnd, int extent, int stride,
      boolean ceil) {
    long span = (long) in + padBegin + padEnd - extent;
    if (span < 0) {
      return 0;
    }
    return (int) (ceil ? (span + stride - 1) / stride + 1 : span / stride + 1);
  }

  static Op globalPool(OpContext ctx, boolean average) {
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

  static Op batchNorm(OpContext ctx) {
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
    float eps = ctx.node().getFloat("epsilon", 1e-5f);
    int spatial = n * c == 0 ? 0 : x.size() / (n * c);
    return (arena, words) -> Normalization.batchNorm(
        x.floats(arena), x.offset(), n, c, spatial,
        scale.floats(arena), scale.offset(), bias.floats(arena), bias.offset(),
        mean.floats(arena), mean.offset(), var.floats(arena), var.offset(),
        eps, y.floats(arena), y.offset());
  }

  static Op binary(OpContext ctx, BinaryOp op) {
    ctx.expectArity(2, 2, 1);
    Operand a = ctx.floatInput(0);
    Operand b = ctx.floatInput(1);
    Operand y = ctx.floatOutput(0);
    int[] ad = a.dims();
    int[] bd = b.dims();
    int[] yd;
    try {
      yd = Broadcast.broadcastShape(ad, bd);
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    if (yd.length > Broadcast.MAX_RANK) {
      throw ctx.unsupported("rank " + yd.length + " is over " + Broadcast.MAX_RANK);
    }
    ctx.expectDims(y, yd);
    return (arena, words) -> Broadcast.binary(op,
        a.floats(arena), a.offset(), ad, b.floats(arena), b.offset(), bd,
        y.floats(arena), y.offset(), yd);
  }

  static Op prelu(OpContext ctx) {
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
    if (xd.length > Broadcast.MAX_RANK) {
      throw ctx.unsupported("rank " + xd.length + " is over " + Broadcast.MAX_RANK);
    }
    ctx.expectDims(y, xd);
    return (arena, words) -> Broadcast.prelu(x.floats(arena), x.offset(), xd,
        slope.floats(arena), slope.offset(), sd, y.floats(arena), y.offset());
  }

  /** A kernel over {@code count} contiguous floats. */
  @FunctionalInterface
  interface UnaryKernel {
    void apply(float[] x, int xOff, float[] y, int yOff, int count);
  }

  static Op unary(OpContext ctx, UnaryKernel kernel) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    ctx.expectDims(y, x.dims());
    int count = x.size();
    return (arena, words) -> kernel.apply(x.floats(arena), x.offset(), y.floats(arena),
        y.offset(), count);
  }

  /** Identity copies floats, or words when the value is BITS. */
  static Op identity(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.input(0);
    if (x != null && x.type().type() == DataType.BITS) {
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

  static Op softmax(OpContext ctx) {
    return softmax(ctx, false);
  }

  /** Softmax, or LogSoftmax when {@code log}: the same operands, axis and reference loop. */
  static Op softmax(OpContext ctx, boolean log) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int axis = ctx.node().getInt("axis", xd.length - 1);
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

  static Op concat(OpContext ctx) {
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
    int axis = ctx.node().requireInt("axis");
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

  static Op reshape(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] shape = ctx.node().getInts("shape", -1, null);
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw ctx.error("shape " + Arrays.toString(shape) + " is not fully resolved");
      }
      count *= d;
    }
    if (count != x.size()) {
      throw ctx.error("shape " + Arrays.toString(shape) + " holds " + count
          + " elements, input " + Arrays.toString(x.dims()) + " has " + x.size());
    }
    ctx.expectDims(y, shape);
    int n = x.size();
    return (arena, words) -> Layout.copy(x.floats(arena), x.offset(), y.floats(arena),
        y.offset(), n);
  }

  static Op transpose(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int[] reversed = new int[xd.length];
    for (int i = 0; i < xd.length; i++) {
      reversed[i] = xd.length - 1 - i;
    }
    int[] perm = ctx.node().getInts("perm", xd.length, reversed);
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

  static Op pad(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int[] pads = ctx.node().getInts("pads", 2 * xd.length, null);
    String modeName = ctx.node().getString("mode", "constant");
    PadMode mode = PadMode.byName(modeName);
    if (mode == null) {
      throw ctx.error("mode '" + modeName + "' is not constant, reflect or edge");
    }
    float value = ctx.node().getFloat("value", 0f);
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

  // ---- Attribute helpers ----

  /** A 0/1 int attribute, 0 when absent. */
  private static boolean flag(OpContext ctx, String key) {
    int v = ctx.node().getInt(key, 0);
    if (v != 0 && v != 1) {
      throw ctx.error("attribute '" + key + "' is " + v + ", expected 0 or 1");
    }
    return v == 1;
  }

  /** Window from the kernel and the node's strides, pads and (optionally) dilations. */
  static Window2d window(OpContext ctx, int[] kernel, boolean dilations) {
    OpNode node = ctx.node();
    int[] strides = node.getInts("strides", 2, new int[] {1, 1});
    int[] pads = node.getInts("pads", 4, new int[] {0, 0, 0, 0});
    int[] dil = dilations ? node.getInts("dilations", 2, new int[] {1, 1}) : new int[] {1, 1};
    try {
      return Window2d.of(kernel, strides, pads, dil);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(node.where() + ": " + e.getMessage());
    }
  }
}
