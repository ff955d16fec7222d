package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.onnx.ConstantFolding.Value;

/**
 * Ops that move or reshape data without arithmetic (Transpose, Flatten, Reshape, Squeeze,
 * Unsqueeze, Concat, Pad), Softmax (coerced to 2-D before opset 13), and the ops that only rename
 * a value (Identity, inference Dropout). Where nothing changes the output becomes an alias.
 */
final class LayoutTranslators {
  private LayoutTranslators() {}

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("Transpose", 6, 25, LayoutTranslators::transpose);
    f.register("Flatten", 6, 25, LayoutTranslators::flatten);
    f.register("Reshape", 6, 25, LayoutTranslators::reshape);
    f.register("Softmax", 6, 25, LayoutTranslators::softmax);
    f.register("Concat", 6, 25, LayoutTranslators::concat);
    f.register("Identity", 6, 25, LayoutTranslators::identity);
    f.register("Dropout", 6, 25, LayoutTranslators::dropout);
    f.register("Pad", 6, 25, LayoutTranslators::pad);
    f.register("Unsqueeze", 6, 25, LayoutTranslators::unsqueeze);
    f.register("Squeeze", 6, 25, LayoutTranslators::squeeze);
  }

  private static void transpose(NodeContext c) {
    c.attrs.allowOnly("perm");
    c.inputs(1, 1);
    int rank = c.type(0).rank();
    int[] perm = c.attrs.getInts("perm", rank, null);
    if (perm == null) {
      perm = new int[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = rank - 1 - i;
      }
    }
    LayoutFolding.checkPermutation(c.where, perm, rank);
    Value v = c.constIn(0);
    boolean identity = true;
    for (int i = 0; i < rank; i++) {
      identity &= perm[i] == i;
    }
    if (v != null) {
      c.define(c.out(0), LayoutFolding.transpose(c.where, v, perm));
    } else if (identity) {
      c.alias(c.out(0), c.in(0));
    } else {
      c.emit(OpType.TRANSPOSE, "", List.of(c.in(0)), c.out(0), "perm", perm);
    }
  }

  private static void flatten(NodeContext c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, 1);
    int[] d = c.type(0).dims();
    int axis = c.attrs.getSmallInt("axis", 1);
    if (axis < 0 && c.opset() >= 11) {
      axis += d.length;
    }
    if (axis < 0 || axis > d.length) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 1) + " is out of range for rank "
          + d.length);
    }
    long outer = NodeContext.count(Arrays.copyOfRange(d, 0, axis));
    long inner = NodeContext.count(Arrays.copyOfRange(d, axis, d.length));
    c.reshapeTo(c.in(0), new int[] {(int) outer, (int) inner}, c.out(0), "");
  }

  private static void reshape(NodeContext c) {
    c.attrs.allowOnly("allowzero");
    c.inputs(2, 2);
    int[] in = c.type(0).dims();
    long[] shape = c.constInts(1, "the target shape");
    boolean allowZero = c.attrs.getInt("allowzero", 0) != 0;
    if (shape.length > ShapeInference.MAX_RANK) {
      throw c.unsupported("target rank " + shape.length + " is over the "
          + ShapeInference.MAX_RANK + " dims bnn4j supports");
    }
    long total = NodeContext.count(in);
    int[] out = new int[shape.length];
    int inferred = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      long v = shape[i];
      if (v == 0 && !allowZero) {
        if (i >= in.length) {
          throw c.malformed("shape " + Arrays.toString(shape) + " copies dim " + i
              + " of an input of rank " + in.length);
        }
        v = in[i];
      }
      if (v == -1) {
        if (inferred >= 0) {
          throw c.malformed("shape " + Arrays.toString(shape) + " has more than one -1");
        }
        inferred = i;
        continue;
      }
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw c.malformed("shape " + Arrays.toString(shape) + " has an invalid dim " + v);
      }
      out[i] = (int) v;
      known = v == 0 ? 0 : known > total ? known : known * v; // no overflow: total < 2^31
    }
    if (inferred >= 0) {
      if (known == 0 || total % known != 0) {
        throw c.malformed("cannot reshape " + Arrays.toString(in) + " to "
            + Arrays.toString(shape));
      }
      out[inferred] = (int) (total / known);
    }
    if (inferred < 0 && known != total) {
      throw c.malformed("cannot reshape " + Arrays.toString(in) + " (" + total
          + " elements) to " + Arrays.toString(shape));
    }
    c.reshapeTo(c.in(0), out, c.out(0), "");
  }

  private static void softmax(NodeContext c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, 1);
    int[] d = c.type(0).dims();
    int r = d.length;
    int axis = c.attrs.getSmallInt("axis", c.opset() >= 13 ? -1 : 1);
    if (axis < 0) {
      axis += r;
    }
    if (axis < 0 || axis >= r) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 0) + " is out of range for rank " + r);
    }
    if (c.opset() >= 13) {
      c.emit(OpType.SOFTMAX, "", List.of(c.in(0)), c.out(0), "axis", axis);
      return;
    }
    // Opset < 13: softmax over the flattened block of dims axis..r-1.
    List<Integer> wide = new ArrayList<>();
    for (int i = axis; i < r; i++) {
      if (d[i] != 1) {
        wide.add(i);
      }
    }
    if (wide.size() <= 1) {
      c.emit(OpType.SOFTMAX, "", List.of(c.in(0)), c.out(0), "axis",
          wide.isEmpty() ? axis : wide.get(0));
      return;
    }
    long outer = NodeContext.count(Arrays.copyOfRange(d, 0, axis));
    long inner = NodeContext.count(Arrays.copyOfRange(d, axis, r));
    String flat = c.reshapeTo(c.in(0), new int[] {(int) outer, (int) inner}, c.temp("2d"),
        "flatten");
    String soft = c.emit(OpType.SOFTMAX, "softmax", List.of(flat), c.temp("softmax"), "axis", 1);
    c.reshapeTo(soft, d, c.out(0), "unflatten");
  }

  private static void concat(NodeContext c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, Integer.MAX_VALUE);
    for (int i = 0; i < c.ins.size(); i++) {
      if (!c.has(i)) {
        throw c.malformed("input " + i + " is empty");
      }
    }
    if (!c.attrs.has("axis")) {
      throw c.malformed("missing attribute 'axis'");
    }
    int rank = c.type(0).rank();
    int axis = c.attrs.getSmallInt("axis", 0);
    if (axis < 0) {
      axis += rank;
    }
    if (axis < 0 || axis >= rank) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 0) + " is out of range for rank "
          + rank);
    }
    List<Value> consts = new ArrayList<>();
    List<String> live = new ArrayList<>();
    for (int i = 0; i < c.ins.size(); i++) {
      Value v = c.constIn(i);
      if (v != null) {
        consts.add(v);
      }
      if (v == null || v.count() > 0 || v.rank() != rank) {
        live.add(c.in(i)); // empty constants add nothing to a runtime concat
      }
    }
    if (consts.size() == c.ins.size()) {
      c.define(c.out(0), LayoutFolding.concat(c.where, consts, axis, c.limits()));
    } else if (live.size() == 1) {
      c.alias(c.out(0), live.get(0));
    } else {
      c.emit(OpType.CONCAT, "", live, c.out(0), "axis", axis);
    }
  }

  private static void identity(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    c.alias(c.out(0), c.in(0));
  }

  private static void dropout(NodeContext c) {
    c.attrs.allowOnly("ratio", "is_test", "seed");
    c.inputs(1, 3);
    if (c.opset() < 7 && c.attrs.getInt("is_test", 0) == 0) {
      throw c.unsupported("is_test=0 (training-mode dropout) is not supported");
    }
    if (c.has(2)) {
      Value t = c.requireConst(2, "training_mode");
      boolean on = t.isFloat() ? t.floats()[0] != 0 : t.longs().length > 0 && t.longs()[0] != 0;
      if (t.count() != 1 || on) {
        throw c.unsupported("training-mode dropout is not supported");
      }
    }
    c.alias(c.out(0), c.in(0));
  }

  private static void pad(NodeContext c) {
    c.inputs(c.opset() < 11 ? 1 : 2, c.opset() < 11 ? 1 : 4);
    int rank = c.type(0).rank();
    long[] pads;
    float value;
    if (c.opset() < 11) {
      c.attrs.allowOnly("mode", "pads", "value");
      pads = c.attrs.getInts("pads");
      if (pads == null) {
        throw c.malformed("missing attribute 'pads'");
      }
      value = c.attrs.getFloat("value", 0f);
    } else {
      c.attrs.allowOnly("mode");
      pads = c.constInts(1, "pads");
      value = c.has(2) ? c.scalarFloat(2, "constant_value") : 0f;
      if (c.has(3)) {
        long[] axes = c.constInts(3, "axes");
        if (pads.length != 2 * axes.length) {
          throw c.malformed("pads has " + pads.length + " values for " + axes.length + " axes");
        }
        long[] full = new long[2 * rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < axes.length; i++) {
          long a = axes[i] < 0 ? axes[i] + rank : axes[i];
          if (a < 0 || a >= rank || seen[(int) a]) {
            throw c.malformed("axes " + Arrays.toString(axes) + " are out of range or repeated");
          }
          seen[(int) a] = true;
          full[(int) a] = pads[i];
          full[(int) a + rank] = pads[i + axes.length];
        }
        pads = full;
      }
    }
    String mode = c.attrs.getString("mode", "constant");
    if (mode.equals("wrap")) {
      throw c.unsupported("mode 'wrap' is not supported");
    }
    if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("edge")) {
      throw c.malformed("mode '" + mode + "', expected constant, reflect, edge or wrap");
    }
    if (pads.length != 2 * rank) {
      throw c.malformed("pads " + Arrays.toString(pads) + " has " + pads.length
          + " values, expected " + 2 * rank + " for an input of rank " + rank);
    }
    boolean zero = true;
    for (long p : pads) {
      if (p < 0) {
        throw c.unsupported("negative pads (cropping) " + Arrays.toString(pads)
            + " are not supported");
      }
      zero &= p == 0;
    }
    if (zero) {
      c.alias(c.out(0), c.in(0));
      return;
    }
    c.emit(OpType.PAD, "", List.of(c.in(0)), c.out(0), "pads", pads, "mode", mode,
        "value", mode.equals("constant") ? value : 0f);
  }

  /** Axes from the attribute (before {@code inputSince}) or from input 1; null when absent. */
  private static void unsqueeze(NodeContext c) {
    long[] axes = c.axesOf(13);
    if (axes == null) {
      throw c.malformed("missing axes");
    }
    int[] d = c.type(0).dims();
    int outRank = d.length + axes.length;
    if (outRank > ShapeInference.MAX_RANK) {
      throw c.unsupported("result rank " + outRank + " is over " + ShapeInference.MAX_RANK);
    }
    boolean[] added = c.normaliseAxes(axes, outRank);
    int[] out = new int[outRank];
    for (int i = 0, j = 0; i < outRank; i++) {
      out[i] = added[i] ? 1 : d[j++];
    }
    c.reshapeTo(c.in(0), out, c.out(0), "");
  }

  private static void squeeze(NodeContext c) {
    long[] axes = c.axesOf(13);
    int[] d = c.type(0).dims();
    boolean[] drop = new boolean[d.length];
    if (axes == null) {
      for (int i = 0; i < d.length; i++) {
        drop[i] = d[i] == 1;
      }
    } else {
      drop = c.normaliseAxes(axes, d.length);
      for (int i = 0; i < d.length; i++) {
        if (drop[i] && d[i] != 1) {
          throw c.malformed("cannot squeeze axis " + i + " of " + Arrays.toString(d));
        }
      }
    }
    int kept = 0;
    for (boolean x : drop) {
      kept += x ? 0 : 1;
    }
    int[] out = new int[kept];
    for (int i = 0, j = 0; i < d.length; i++) {
      if (!drop[i]) {
        out[j++] = d[i];
      }
    }
    c.reshapeTo(c.in(0), out, c.out(0), "");
  }
}
