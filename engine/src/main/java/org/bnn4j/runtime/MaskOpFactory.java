package org.bnn4j.runtime;

import java.util.Arrays;
import org.bnn4j.format.graph.attrs.SliceAttrs;
import org.bnn4j.kernels.reference.MaskOps;

/** Builds Where and Slice on the reference kernels of {@link MaskOps}. */
final class MaskOpFactory {
  private MaskOpFactory() {}

  static ArenaOp where(OpContext ctx) {
    ctx.expectArity(3, 3, 1);
    Operand c = ctx.floatInput(0);
    Operand a = ctx.floatInput(1);
    Operand b = ctx.floatInput(2);
    Operand y = ctx.floatOutput(0);
    int[] cd = c.dims();
    int[] ad = a.dims();
    int[] bd = b.dims();
    int[] yd = ReferenceOps.broadcastOutput(ctx, y, cd, ad, bd);
    return (arena, words) -> MaskOps.where(c.floats(arena), c.offset(), cd,
        a.floats(arena), a.offset(), ad, b.floats(arena), b.offset(), bd,
        y.floats(arena), y.offset(), yd);
  }

  static ArenaOp slice(OpContext ctx) {
    ctx.expectArity(1, 1, 1);
    Operand x = ctx.floatInput(0);
    Operand y = ctx.floatOutput(0);
    int[] xd = x.dims();
    int r = xd.length;
    SliceAttrs attrs = SliceAttrs.of(ctx.node(), r);
    int[] starts = ints(ctx, SliceAttrs.STARTS, attrs.starts());
    int[] steps = ints(ctx, SliceAttrs.STEPS, attrs.steps());
    int[] yd = ints(ctx, SliceAttrs.DIMS, attrs.dims());
    for (int d = 0; d < r; d++) {
      long last = starts[d] + (long) (yd[d] - 1) * steps[d];
      if (yd[d] < 1 || steps[d] == 0 || starts[d] < 0 || starts[d] >= xd[d] || last < 0
          || last >= xd[d]) {
        throw ctx.error("axis " + d + " reads " + yd[d] + " elements from " + starts[d]
            + " in steps of " + steps[d] + ", outside 0.." + (xd[d] - 1));
      }
    }
    ctx.expectDims(y, yd);
    int[] xStride = new int[r];
    int s = 1;
    for (int d = r - 1; d >= 0; d--) {
      xStride[d] = s;
      s *= xd[d];
    }
    return (arena, words) -> MaskOps.slice(x.floats(arena), x.offset(), xStride, starts, steps,
        y.floats(arena), y.offset(), yd);
  }

  /** The kernel indexes with ints: a value outside their range is declined here. */
  private static int[] ints(OpContext ctx, String key, long[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
        throw ctx.error("attribute '" + key + "' " + Arrays.toString(v) + " is out of range");
      }
      out[i] = (int) v[i];
    }
    return out;
  }
}
