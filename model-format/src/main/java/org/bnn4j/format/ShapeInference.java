package org.bnn4j.format;

import java.util.Arrays;
import java.util.List;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.AxisAttrs;
import org.bnn4j.format.graph.attrs.BatchNormAttrs;
import org.bnn4j.format.graph.attrs.ClipAttrs;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.attrs.GemmAttrs;
import org.bnn4j.format.graph.attrs.PadAttrs;
import org.bnn4j.format.graph.attrs.PoolAttrs;
import org.bnn4j.format.graph.attrs.ReshapeAttrs;
import org.bnn4j.format.graph.attrs.SliceAttrs;
import org.bnn4j.format.graph.attrs.TransposeAttrs;
import org.bnn4j.format.graph.ElementType;

/**
 * Static output types of engine ops, from the types of their inputs and their attributes, exactly
 * as {@link OpType} documents them. Every attribute and input shape is checked on the way: a
 * malformed node throws {@link ModelFormatException} (naming the node, what was expected and what
 * was found), a well-formed node bnn4j does not run throws {@link UnsupportedModelException}.
 *
 * <p>Attributes are read, defaulted and checked by the op's record in {@code
 * org.bnn4j.format.graph.attrs} (which declares each default once); the importer always writes
 * them out. What depends on input shapes is checked here.
 */
public final class ShapeInference {
  /** Largest rank of any value bnn4j handles. */
  public static final int MAX_RANK = 8;

  private ShapeInference() {}

  /** {@link #infer(Graph, OpNode, Limits)} with the default limits. */
  public static List<ValueType> infer(Graph g, OpNode n) {
    return infer(g, n, Limits.DEFAULT);
  }

  /**
   * The types of {@code n}'s outputs, one per output, given the types of its inputs in {@code g}.
   * Each output's element count is checked against {@code limits}.
   */
  public static List<ValueType> infer(Graph g, OpNode n, Limits limits) {
    if (n.op() == null) {
      throw new ModelFormatException("node '" + n.name() + "' has no op type");
    }
    switch (n.op()) {
      case BINARIZE, BINARY_CONV2D, BINARY_DENSE, BIT_MAX_POOL2D -> {
        if (n.outputs().size() != 1) {
          throw new ModelFormatException(n.where() + " has " + n.outputs().size()
              + " outputs, expected 1");
        }
        List<ValueType> out = BinaryShapes.infer(g, n);
        limits.checkedElementCount(n.where() + " output",
            java.util.Arrays.stream(out.get(0).dims()).asLongStream().toArray());
        return out;
      }
      default -> { }
    }
    if (n.outputs().size() != 1) {
      throw new ModelFormatException(n.where() + " has " + n.outputs().size()
          + " outputs, expected 1");
    }
    int[] out = switch (n.op()) {
      case CONV2D -> conv2d(g, n);
      case GEMM -> gemm(g, n);
      case MAX_POOL2D -> pool2d(g, n, true);
      case AVG_POOL2D -> pool2d(g, n, false);
      case GLOBAL_AVG_POOL, GLOBAL_MAX_POOL -> globalPool(g, n);
      case BATCH_NORM -> batchNorm(g, n);
      case ADD, SUB, MUL, DIV -> elementwise(g, n);
      case PRELU -> prelu(g, n);
      case LESS, GREATER -> elementwise(g, n);
      case WHERE -> where(g, n);
      case LOG_SOFTMAX -> softmax(g, n);
      case SLICE -> slice(g, n);
      case CLIP -> clip(g, n);
      case SOFTMAX -> softmax(g, n);
      case CONCAT -> concat(g, n);
      case RESHAPE -> reshape(g, n);
      case TRANSPOSE -> transpose(g, n);
      case PAD -> pad(g, n);
      case IDENTITY -> identity(g, n);
      default -> {
        if (n.op().shapeRule() != OpType.ShapeRule.SAME_AS_INPUT) {
          throw new UnsupportedModelException(n.where() + ": unknown op");
        }
        yield sameAsInput(g, n);
      }
    };
    ValueType t = n.op() == OpType.IDENTITY ? new ValueType(in(g, n, 0).type(), out)
        : ValueType.float32(out);
    checkOutput(n, t, limits);
    return List.of(t);
  }

  // ---- shared arithmetic, also used by the ONNX importer ----

  /**
   * Output length of a sliding window along one axis: {@code floor((in + padBegin + padEnd -
   * ((kernel - 1) * dilation + 1)) / stride) + 1}. With {@code ceilMode} the division rounds up,
   * and a last window that would start in the end padding is dropped, as ONNX and PyTorch do.
   * Returns 0 when the dilated kernel does not fit; never overflows for int-range arguments.
   */
  public static long windowOutputSize(long in, long padBegin, long padEnd, long kernel,
      long stride, long dilation, boolean ceilMode) {
    long extent = (kernel - 1) * dilation + 1;
    long span = in + padBegin + padEnd - extent;
    if (span < 0) {
      return 0;
    }
    long out;
    if (ceilMode) {
      out = (span + stride - 1) / stride + 1;
      if ((out - 1) * stride >= in + padBegin) {
        out--;
      }
    } else {
      out = span / stride + 1;
    }
    return out;
  }

  /** The numpy (multidirectional) broadcast of two shapes, or null when they do not broadcast. */
  public static int[] broadcastShapes(int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        return null;
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** True when {@code from} broadcasts unidirectionally to {@code to} (numpy rules). */
  public static boolean broadcastsTo(int[] from, int[] to) {
    if (from.length > to.length) {
      return false;
    }
    int[] b = broadcastShapes(from, to);
    return b != null && Arrays.equals(b, to);
  }

  // ---- ops ----

  private static int[] conv2d(Graph g, OpNode n) {
    attrs(n, Conv2dAttrs.STRIDES, Conv2dAttrs.PADS, Conv2dAttrs.DILATIONS, Conv2dAttrs.GROUP);
    inputCount(n, 2, 3);
    ValueType x = floatIn(g, n, 0, "X");
    ValueType w = floatIn(g, n, 1, "W");
    rank(n, "X", x, 4, "[N, C, H, W]");
    rank(n, "W", w, 4, "[M, C/group, kH, kW]");
    Conv2dAttrs a = Conv2dAttrs.of(n);
    int[] strides = a.strides();
    int[] pads = a.pads();
    int[] dil = a.dilations();
    int group = a.group();
    int c = x.dim(1);
    int m = w.dim(0);
    if (c % group != 0 || m % group != 0) {
      throw new ModelFormatException(n.where() + ": group " + group + " must divide the input"
          + " channels (" + c + ") and the output channels (" + m + ")");
    }
    if (w.dim(1) != c / group) {
      throw new ModelFormatException(n.where() + ": W " + dims(w) + " has " + w.dim(1)
          + " input channels per group, expected " + c / group + " (X " + dims(x) + ", group "
          + group + ")");
    }
    if (w.dim(2) < 1 || w.dim(3) < 1) {
      throw new ModelFormatException(n.where() + ": W " + dims(w) + " has an empty kernel");
    }
    if (n.hasInput(2)) {
      ValueType b = floatIn(g, n, 2, "B");
      if (b.rank() != 1 || b.dim(0) != m) {
        throw new ModelFormatException(n.where() + ": bias B is " + dims(b) + ", expected ["
            + m + "]");
      }
    }
    long oh = window(n, "height", x.dim(2), pads[0], pads[2], w.dim(2), strides[0], dil[0], false);
    long ow = window(n, "width", x.dim(3), pads[1], pads[3], w.dim(3), strides[1], dil[1], false);
    return new int[] {x.dim(0), m, (int) oh, (int) ow};
  }

  private static int[] pool2d(Graph g, OpNode n, boolean max) {
    ValueType x = onlyInputX(g, n, max
        ? new String[] {PoolAttrs.KERNEL, Conv2dAttrs.STRIDES, Conv2dAttrs.PADS,
            Conv2dAttrs.DILATIONS, PoolAttrs.CEIL_MODE}
        : new String[] {PoolAttrs.KERNEL, Conv2dAttrs.STRIDES, Conv2dAttrs.PADS,
            PoolAttrs.CEIL_MODE, PoolAttrs.COUNT_INCLUDE_PAD});
    rank(n, "X", x, 4, "[N, C, H, W]");
    PoolAttrs a = PoolAttrs.of(n);
    int[] kernel = a.kernel();
    int[] strides = a.strides();
    int[] pads = a.pads();
    int[] dil = max ? a.dilations() : new int[] {1, 1};
    boolean ceil = a.ceilMode();
    for (int i = 0; i < 2; i++) {
      if (pads[i] >= kernel[i] || pads[i + 2] >= kernel[i]) {
        throw new UnsupportedModelException(n.where() + ": pads " + Arrays.toString(pads)
            + " must each be smaller than the kernel " + Arrays.toString(kernel)
            + " (as ONNX Runtime requires), or a window could lie wholly in padding");
      }
    }
    long oh = window(n, "height", x.dim(2), pads[0], pads[2], kernel[0], strides[0], dil[0], ceil);
    long ow = window(n, "width", x.dim(3), pads[1], pads[3], kernel[1], strides[1], dil[1], ceil);
    return new int[] {x.dim(0), x.dim(1), (int) oh, (int) ow};
  }

  private static int[] globalPool(Graph g, OpNode n) {
    ValueType x = onlyInputX(g, n);
    rank(n, "X", x, 4, "[N, C, H, W]");
    return new int[] {x.dim(0), x.dim(1), 1, 1};
  }

  private static int[] batchNorm(Graph g, OpNode n) {
    attrs(n, BatchNormAttrs.EPSILON);
    inputCount(n, 5, 5);
    ValueType x = floatIn(g, n, 0, "X");
    if (x.rank() < 2) {
      throw new ModelFormatException(n.where() + ": X is " + dims(x)
          + ", expected rank >= 2 [N, C, ...]");
    }
    String[] names = {"scale", "bias", "mean", "var"};
    for (int i = 1; i <= 4; i++) {
      ValueType p = floatIn(g, n, i, names[i - 1]);
      if (p.rank() != 1 || p.dim(0) != x.dim(1)) {
        throw new ModelFormatException(n.where() + ": " + names[i - 1] + " is " + dims(p)
            + ", expected [" + x.dim(1) + "] (the channels of X " + dims(x) + ")");
      }
    }
    BatchNormAttrs.of(n);
    return x.dims();
  }

  private static int[] elementwise(Graph g, OpNode n) {
    attrs(n);
    inputCount(n, 2, 2);
    ValueType a = floatIn(g, n, 0, "A");
    ValueType b = floatIn(g, n, 1, "B");
    int[] out = broadcastShapes(a.dims(), b.dims());
    if (out == null) {
      throw new ModelFormatException(n.where() + ": shapes " + dims(a) + " and " + dims(b)
          + " do not broadcast");
    }
    return out;
  }

  private static int[] prelu(Graph g, OpNode n) {
    attrs(n);
    inputCount(n, 2, 2);
    ValueType x = floatIn(g, n, 0, "X");
    ValueType s = floatIn(g, n, 1, "slope");
    if (!broadcastsTo(s.dims(), x.dims())) {
      throw new ModelFormatException(n.where() + ": slope " + dims(s)
          + " does not broadcast unidirectionally to X " + dims(x));
    }
    return x.dims();
  }

  /**
   * The ops {@link OpType} declares {@link OpType.ShapeRule#SAME_AS_INPUT}: only their declared
   * attributes, each of its kind (so a new element-wise op needs no case here).
   */
  private static int[] sameAsInput(Graph g, OpNode n) {
    List<OpType.Attribute> declared = n.op().attributes();
    for (OpType.Attribute a : declared) {
      a.checkKind(n);
    }
    return onlyInputX(g, n, declared.stream().map(OpType.Attribute::name)
        .toArray(String[]::new)).dims();
  }

  private static int[] clip(Graph g, OpNode n) {
    attrs(n, ClipAttrs.MIN, ClipAttrs.MAX);
    inputCount(n, 1, 1);
    ClipAttrs.of(n);
    return floatIn(g, n, 0, "X").dims();
  }

  private static int[] where(Graph g, OpNode n) {
    attrs(n);
    inputCount(n, 3, 3);
    int[] out = floatIn(g, n, 0, "condition").dims();
    for (int i = 1; i < 3; i++) {
      int[] d = floatIn(g, n, i, i == 1 ? "X" : "Y").dims();
      int[] b = broadcastShapes(out, d);
      if (b == null) {
        throw new ModelFormatException(n.where() + ": shapes " + Arrays.toString(out) + " and "
            + Arrays.toString(d) + " do not broadcast");
      }
      out = b;
    }
    return out;
  }

  /** Slice: starts and steps index each axis; the output dims are given and checked in range. */
  private static int[] slice(Graph g, OpNode n) {
    ValueType x = onlyInputX(g, n, SliceAttrs.STARTS, SliceAttrs.STEPS, SliceAttrs.DIMS);
    int r = x.rank();
    SliceAttrs a = SliceAttrs.of(n, r);
    long[] starts = a.starts();
    long[] steps = a.steps();
    long[] out = a.dims();
    int[] dims = new int[r];
    for (int d = 0; d < r; d++) {
      long last = starts[d] + (out[d] - 1) * steps[d];
      if (out[d] < 1 || out[d] > x.dim(d) || steps[d] == 0 || starts[d] < 0
          || starts[d] >= x.dim(d) || last < 0 || last >= x.dim(d)) {
        throw new ModelFormatException(n.where() + ": axis " + d + " reads " + out[d]
            + " elements from " + starts[d] + " in steps of " + steps[d] + ", outside 0.."
            + (x.dim(d) - 1));
      }
      dims[d] = (int) out[d];
    }
    return dims;
  }

  private static int[] softmax(Graph g, OpNode n) {
    ValueType x = onlyInputX(g, n, AxisAttrs.AXIS);
    axis(n, "axis", AxisAttrs.of(n).axis(), x.rank());
    return x.dims();
  }

  private static int[] concat(Graph g, OpNode n) {
    attrs(n, AxisAttrs.AXIS);
    if (n.inputs().isEmpty()) {
      throw new ModelFormatException(n.where() + " has no inputs");
    }
    ValueType first = floatIn(g, n, 0, "input 0");
    int axis = axis(n, "axis", AxisAttrs.of(n).axis(), first.rank());
    int[] out = first.dims();
    long total = 0;
    for (int i = 0; i < n.inputs().size(); i++) {
      ValueType t = floatIn(g, n, i, "input " + i);
      boolean ok = t.rank() == first.rank();
      for (int d = 0; ok && d < t.rank(); d++) {
        ok = d == axis || t.dim(d) == first.dim(d);
      }
      if (!ok) {
        throw new ModelFormatException(n.where() + ": input " + i + " is " + dims(t)
            + ", which does not match input 0 " + dims(first) + " outside axis " + axis);
      }
      total += t.dim(axis);
    }
    if (total > Integer.MAX_VALUE) {
      throw new ModelFormatException(n.where() + ": concatenated axis is " + total + " long");
    }
    out[axis] = (int) total;
    return out;
  }

  private static int[] reshape(Graph g, OpNode n) {
    ValueType x = onlyInputX(g, n, ReshapeAttrs.SHAPE);
    int[] out = ReshapeAttrs.of(n).shape();
    checkRank(n, out.length);
    long count = 1;
    for (long d : out) {
      count = count > Long.MAX_VALUE / d ? Long.MAX_VALUE : count * d;
    }
    if (count != x.elementCount()) {
      throw new ModelFormatException(n.where() + ": cannot reshape " + dims(x) + " ("
          + x.elementCount() + " elements) to " + Arrays.toString(out));
    }
    return out;
  }

  private static int[] transpose(Graph g, OpNode n) {
    ValueType x = onlyInputX(g, n, TransposeAttrs.PERM);
    int[] perm = TransposeAttrs.of(n, x.rank()).perm();
    boolean[] seen = new boolean[x.rank()];
    int[] out = new int[x.rank()];
    for (int i = 0; i < perm.length; i++) {
      int p = perm[i];
      if (p < 0 || p >= x.rank() || seen[p]) {
        throw new ModelFormatException(n.where() + ": perm " + Arrays.toString(perm)
            + " is not a permutation of 0.." + (x.rank() - 1));
      }
      seen[p] = true;
      out[i] = x.dim(p);
    }
    return out;
  }

  private static int[] pad(Graph g, OpNode n) {
    ValueType x = onlyInputX(g, n, PadAttrs.PADS, PadAttrs.MODE, PadAttrs.VALUE);
    int r = x.rank();
    int[] pads = PadAttrs.of(n, r).pads();
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      long d = (long) x.dim(i) + pads[i] + pads[r + i];
      if (d > Integer.MAX_VALUE) {
        throw new ModelFormatException(n.where() + ": padded dim " + i + " is " + d + " long");
      }
      out[i] = (int) d;
    }
    return out;
  }

  private static int[] gemm(Graph g, OpNode n) {
    attrs(n, GemmAttrs.TRANS_A, GemmAttrs.TRANS_B, GemmAttrs.ALPHA, GemmAttrs.BETA);
    inputCount(n, 2, 3);
    ValueType a = floatIn(g, n, 0, "A");
    ValueType b = floatIn(g, n, 1, "B");
    rank(n, "A", a, 2, "[M, K]");
    rank(n, "B", b, 2, "[K, N]");
    GemmAttrs attrs = GemmAttrs.of(n);
    boolean ta = attrs.transA();
    boolean tb = attrs.transB();
    int m = ta ? a.dim(1) : a.dim(0);
    int ka = ta ? a.dim(0) : a.dim(1);
    int kb = tb ? b.dim(1) : b.dim(0);
    int cols = tb ? b.dim(0) : b.dim(1);
    if (ka != kb) {
      throw new ModelFormatException(n.where() + ": inner dims differ: A" + (ta ? "^T" : "")
          + " " + dims(a) + " and B" + (tb ? "^T" : "") + " " + dims(b));
    }
    int[] out = {m, cols};
    if (n.hasInput(2)) {
      ValueType c = floatIn(g, n, 2, "C");
      if (!broadcastsTo(c.dims(), out)) {
        throw new ModelFormatException(n.where() + ": C " + dims(c)
            + " does not broadcast unidirectionally to " + Arrays.toString(out));
      }
    }
    return out;
  }

  private static int[] identity(Graph g, OpNode n) {
    attrs(n);
    inputCount(n, 1, 1);
    ValueType x = in(g, n, 0);
    if (x.type() != ElementType.FLOAT32 && x.type() != ElementType.BITS) {
      throw new ModelFormatException(n.where() + ": input '" + n.input(0) + "' is " + x
          + ", expected float or bits");
    }
    return x.dims();
  }

  // ---- checks ----

  /** Checks the attributes are among {@code allowed} and the only input is a float X. */
  private static ValueType onlyInputX(Graph g, OpNode n, String... allowed) {
    attrs(n, allowed);
    inputCount(n, 1, 1);
    return floatIn(g, n, 0, "X");
  }

  private static void attrs(OpNode n, String... allowed) {
    List<String> ok = Arrays.asList(allowed);
    for (String k : n.attrs().keySet()) {
      if (!ok.contains(k)) {
        throw new UnsupportedModelException(n.where() + ": unknown attribute '" + k
            + "' (known: " + ok + ")");
      }
    }
  }

  private static void inputCount(OpNode n, int min, int max) {
    int count = n.inputs().size();
    if (count < min || count > max) {
      throw new ModelFormatException(n.where() + " has " + count + " inputs, expected "
          + (min == max ? String.valueOf(min) : min + " to " + max));
    }
    for (int i = 0; i < min; i++) {
      if (!n.hasInput(i)) {
        throw new ModelFormatException(n.where() + ": required input " + i + " is empty");
      }
    }
  }

  private static ValueType in(Graph g, OpNode n, int i) {
    String name = n.input(i);
    if (name == null || name.isEmpty()) {
      throw new ModelFormatException(n.where() + ": input " + i + " is empty");
    }
    ValueType t = g.typeOf(name);
    if (t == null) {
      throw new ModelFormatException(n.where() + ": input " + i + " '" + name
          + "' has no known type");
    }
    if (t.type() == null) {
      throw new ModelFormatException(n.where() + ": input '" + name + "' has no element type");
    }
    return t;
  }

  private static ValueType floatIn(Graph g, OpNode n, int i, String role) {
    ValueType t = in(g, n, i);
    if (t.type() != ElementType.FLOAT32) {
      throw new ModelFormatException(n.where() + ": " + role + " '" + n.input(i) + "' is " + t
          + ", expected float");
    }
    return t;
  }

  private static void rank(OpNode n, String role, ValueType t, int rank, String layout) {
    if (t.rank() != rank) {
      throw new ModelFormatException(n.where() + ": " + role + " is " + dims(t) + ", expected "
          + layout);
    }
  }

  private static int axis(OpNode n, String key, int axis, int rank) {
    if (axis < 0 || axis >= rank) {
      throw new ModelFormatException(n.where() + ": " + key + " is " + axis + ", expected 0 to "
          + (rank - 1) + " for an input of rank " + rank);
    }
    return axis;
  }

  private static long window(OpNode n, String axisName, int in, int padBegin, int padEnd,
      int kernel, int stride, int dilation, boolean ceil) {
    long out = windowOutputSize(in, padBegin, padEnd, kernel, stride, dilation, ceil);
    if (out < 1) {
      throw new ModelFormatException(n.where() + ": output " + axisName + " would be " + out
          + ": input " + in + " plus pads " + padBegin + "+" + padEnd
          + " is smaller than the dilated kernel " + ((long) (kernel - 1) * dilation + 1));
    }
    if (out > Integer.MAX_VALUE) {
      throw new ModelFormatException(n.where() + ": output " + axisName + " would be " + out);
    }
    return out;
  }

  private static void checkRank(OpNode n, int rank) {
    if (rank > MAX_RANK) {
      throw new UnsupportedModelException(n.where() + ": output rank " + rank
          + " is over the " + MAX_RANK + " dims bnn4j supports");
    }
  }

  private static void checkOutput(OpNode n, ValueType t, Limits limits) {
    checkRank(n, t.rank());
    long[] d = new long[t.rank()];
    for (int i = 0; i < d.length; i++) {
      if (t.dim(i) < 1) {
        throw new ModelFormatException(n.where() + ": output would be " + t
            + ", an empty tensor");
      }
      d[i] = t.dim(i);
    }
    limits.checkedElementCount(n.where() + ": output '" + n.output(0) + "'", d);
  }

  private static String dims(ValueType t) {
    return Arrays.toString(t.dims());
  }
}
