package org.bnn4j.runtime;

import java.util.Arrays;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.attrs.GemmAttrs;
import org.bnn4j.format.graph.attrs.PoolAttrs;
import org.bnn4j.kernels.reference.Broadcast;
import org.bnn4j.kernels.PoolSpec;
import org.bnn4j.kernels.Window2d;

/**
 * The operands and geometry of the ops that both factories build (Conv2d, Gemm and the pools),
 * resolved from the node's attribute record and checked against the graph's types once: {@link
 * FastOps} binds a fast kernel to the result, or hands it to {@link ReferenceOps}, so no op is
 * built only to validate a node.
 */
final class OpShapes {
  private OpShapes() {}

  /** A float Conv2d: X[n,c,h,w], W[m,c/group,kH,kW], optional B[m], Y[n,m,oh,ow]. */
  record Conv(Operand x, Operand w, Operand b, Operand y, int[] xd, int[] wd, int[] yd,
      int group, Window2d win) {}

  /** A Gemm: Y[m,n] = alpha * A' * B' + beta * C, with A' [m,k] and B' [k,n]. */
  record Dense(Operand a, Operand b, Operand c, Operand y, GemmAttrs attrs, int m, int n, int k) {
    /**
     * Whether this Gemm is PyTorch's Linear with constant parameters: A times constant B
     * transposed, plus nothing or a constant bias vector ([n] or [1, n]), alpha and beta 1.
     */
    boolean isConstantLinear() {
      boolean plain = !attrs.transA() && attrs.transB() && attrs.alpha() == 1f
          && (c == null || attrs.beta() == 1f);
      boolean biasVector = c == null || (c.isConstant() && c.dims().length >= 1
          && c.dims()[c.dims().length - 1] == n && (c.dims().length == 1 || c.dims()[0] == 1));
      return plain && b.isConstant() && biasVector;
    }
  }

  /** A 2-D max or average pool over X[n,c,h,w] to Y[n,c,oh,ow]. */
  record Pool(Operand x, Operand y, int[] xd, int[] yd, PoolAttrs attrs, Window2d win) {
    /** One plane's geometry as the pooling kernels take it (a max pool ignores countIncludePad). */
    PoolSpec spec() {
      return new PoolSpec(xd[2], xd[3], win, yd[2], yd[3], attrs.countIncludePad());
    }
  }

  /** Conv2d's and Gemm's operands: X and W of one rank, an optional bias, one output. */
  private record Weighted(Operand x, Operand w, Operand b, Operand y) {
    static Weighted of(OpContext ctx, int rank) {
      ctx.expectArity(2, 3, 1);
      Weighted o = new Weighted(ctx.floatInput(0), ctx.floatInput(1),
          ctx.optionalFloatInput(2), ctx.floatOutput(0));
      ctx.expectRank(o.x, rank);
      ctx.expectRank(o.w, rank);
      return o;
    }
  }

  static Conv conv(OpContext ctx) {
    Weighted o = Weighted.of(ctx, 4);
    int[] xd = o.x().dims();
    int n = xd[0];
    int c = xd[1];
    int h = xd[2];
    int wd = xd[3];
    int[] wDims = o.w().dims();
    int m = wDims[0];
    Conv2dAttrs attrs = Conv2dAttrs.of(ctx.node());
    int group = attrs.group();
    if (c % group != 0 || m % group != 0) {
      throw ctx.error("group " + group + " must divide input channels " + c
          + " and output channels " + m);
    }
    if (wDims[1] != c / group) {
      throw ctx.error("weights " + Arrays.toString(wDims) + " need " + c / group
          + " channels per group (input has " + c + " channels, group " + group + ")");
    }
    if (o.b() != null) {
      ctx.expectDims(o.b(), new int[] {m});
    }
    Window2d win = window(ctx, attrs, wDims[2], wDims[3]);
    int oh = win.outH(h, false);
    int ow = win.outW(wd, false);
    if (oh <= 0 || ow <= 0) {
      throw ctx.error("the " + win.extentH() + "x" + win.extentW()
          + " (dilated) kernel does not fit the padded " + h + "x" + wd + " input");
    }
    int[] yd = {n, m, oh, ow};
    ctx.expectDims(o.y(), yd);
    return new Conv(o.x(), o.w(), o.b(), o.y(), xd, wDims, yd, group, win);
  }

  static Dense gemm(OpContext ctx) {
    Weighted o = Weighted.of(ctx, 2);
    int[] ad = o.x().dims();
    int[] bd = o.w().dims();
    GemmAttrs attrs = GemmAttrs.of(ctx.node());
    boolean transA = attrs.transA();
    boolean transB = attrs.transB();
    int m = transA ? ad[1] : ad[0];
    int k = transA ? ad[0] : ad[1];
    int kb = transB ? bd[1] : bd[0];
    int n = transB ? bd[0] : bd[1];
    if (k != kb) {
      throw ctx.error("A " + Arrays.toString(ad) + (transA ? "^T" : "") + " and B "
          + Arrays.toString(bd) + (transB ? "^T" : "") + " disagree on K: " + k + " vs " + kb);
    }
    int[] cDims = o.b() == null ? null : o.b().dims();
    if (cDims != null && (cDims.length > 2 || !Broadcast.broadcastsTo(cDims, new int[] {m, n}))) {
      throw ctx.error("C " + Arrays.toString(cDims) + " does not broadcast to [" + m + ", " + n
          + "]");
    }
    ctx.expectDims(o.y(), new int[] {m, n});
    return new Dense(o.x(), o.w(), o.b(), o.y(), attrs, m, n, k);
  }

  static Pool maxPool(OpContext ctx) {
    return pool(ctx, true);
  }

  static Pool avgPool(OpContext ctx) {
    return pool(ctx, false);
  }

  private static Pool pool(OpContext ctx, boolean max) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    ctx.expectRank(x, 4);
    ctx.expectRank(y, 4);
    PoolAttrs attrs = PoolAttrs.of(ctx.node());
    int[] dil = attrs.dilations();
    if (!max && (dil[0] != 1 || dil[1] != 1)) {
      throw ctx.unsupported("dilated average pooling " + Arrays.toString(dil));
    }
    Window2d win = window(ctx, attrs);
    int[] xd = x.dims();
    int[] yd = y.dims();
    checkPoolOutput(ctx, xd, yd, win, attrs.ceilMode());
    return new Pool(x, y, xd, yd, attrs, win);
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

  /** A convolution's window: its kernel (from the weights) placed by its attributes. */
  static Window2d window(OpContext ctx, Conv2dAttrs attrs, int kernelH, int kernelW) {
    return window(ctx, new int[] {kernelH, kernelW}, attrs.strides(), attrs.pads(),
        attrs.dilations());
  }

  /** A pooling window (an average pool has no dilations: it is declined before this). */
  static Window2d window(OpContext ctx, PoolAttrs attrs) {
    return window(ctx, attrs.kernel(), attrs.strides(), attrs.pads(), attrs.dilations());
  }

  private static Window2d window(OpContext ctx, int[] kernel, int[] strides, int[] pads,
      int[] dilations) {
    try {
      return Window2d.of(kernel, strides, pads, dilations);
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
  }
}
