package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;

/**
 * Element-wise math, comparisons, selection and the extra reductions that published BNN exports
 * carry: weight paths computed in forward (IR-Net's {@code 2**round(log2(mean|w|))} through Pow,
 * Log, Round, Sqrt, ReduceProd of a shape, ...) and constant Expands, which fold at import, and
 * the mask arithmetic of straight-through estimators (Less, Greater, Where) and LogSoftmax heads,
 * which run as engine float ops where their inputs are not constants.
 *
 * <p>Float folding is one IEEE float32 operation per element where Java has it exactly (Sqrt,
 * Floor, Ceil, Round half to even, Reciprocal); Pow, Exp and Log round the correctly rounded-ish
 * double result to float, which may differ from a C library's float function by one ulp.
 */
final class MathTranslators {
  private MathTranslators() {}

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("Pow", 6, 25, MathTranslators::pow);
    for (String op : List.of("Sqrt", "Exp", "Log", "Round", "Floor", "Ceil", "Reciprocal")) {
      f.register(op, 6, 25, MathTranslators::unary);
    }
    f.register("Expand", 6, 25, MathTranslators::expand);
    for (String op : List.of("ReduceProd", "ReduceMax", "ReduceMin")) {
      f.register(op, 6, 25, MathTranslators::reduce);
    }
    for (String op : List.of("Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual")) {
      f.register(op, 6, 25, MathTranslators::compare);
    }
    f.register("Not", 6, 25, MathTranslators::not);
    f.register("Where", 6, 25, MathTranslators::where);
    f.register("LogSoftmax", 6, 25, MathTranslators::logSoftmax);
  }

  // ---- folded element-wise math ----

  private static void pow(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    Value a = c.requireConst(0, "base");
    Value b = c.requireConst(1, "exponent");
    if (!a.isFloat() || a.onnxType() != DataType.FLOAT_VALUE) {
      throw c.unsupported("Pow of a " + a.typeName() + " base is not folded");
    }
    Value e = b.isFloat() ? b : ConstantFolding.cast(c.where, b, DataType.FLOAT_VALUE);
    c.define(c.out(0), broadcast(c, a, e, (x, y) -> (float) Math.pow(x, y)));
  }

  private static void unary(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    Value a = c.requireConst(0, "input");
    if (!a.isFloat() || a.onnxType() != DataType.FLOAT_VALUE) {
      throw c.unsupported(c.op + " of a " + a.typeName() + " constant is not folded");
    }
    float[] x = a.floats();
    float[] r = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      r[i] = switch (c.op) {
        case "Sqrt" -> (float) Math.sqrt(v); // double sqrt rounded to float is float sqrt
        case "Exp" -> (float) Math.exp(v);
        case "Log" -> (float) Math.log(v);
        case "Round" -> (float) Math.rint(v); // ONNX Round: half to even
        case "Floor" -> (float) Math.floor(v);
        case "Ceil" -> (float) Math.ceil(v);
        default -> 1f / v;
      };
    }
    c.define(c.out(0), Value.floats(a.dims(), r));
  }

  /** {@code op(a, b)} with numpy broadcasting on float constants. */
  private static Value broadcast(NodeContext c, Value a, Value b, ConstantFolding.FloatOp op) {
    int[] out = ConstantFolding.broadcastDims(c.where, a, b, c.limits());
    return ConstantFolding.broadcastFloats(out, a, b, op);
  }

  // ---- Expand ----

  /**
   * Expand to the broadcast of the input's dims and {@code shape}: a constant folds (times 1,
   * which is exact for every float and integer), a runtime value whose dims do not change is an
   * alias, and otherwise it is a float Mul by ones of the target dims (exact too).
   */
  private static void expand(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    long[] shape = c.constInts(1, "shape");
    int[] target = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 1 || shape[i] > Integer.MAX_VALUE) {
        throw c.unsupported("shape " + Arrays.toString(shape) + " has a dim bnn4j does not"
            + " expand to");
      }
      target[i] = (int) shape[i];
    }
    Value x = c.constIn(0);
    int[] in = x != null ? x.dims() : c.type(0).dims();
    int[] out = ShapeInference.broadcastShapes(in, target);
    if (out == null) {
      throw c.malformed("input " + Arrays.toString(in) + " does not broadcast with shape "
          + Arrays.toString(shape));
    }
    long n = c.limits().checkedElementCount(c.op + " node '" + c.name + "'",
        Arrays.stream(out).asLongStream().toArray());
    if (x != null) {
      Value ones;
      if (x.isFloat()) {
        float[] v = new float[(int) n];
        Arrays.fill(v, 1f);
        ones = new Value(Value.floats(out, v).tensor(), x.onnxType());
      } else {
        long[] v = new long[(int) n];
        Arrays.fill(v, 1L);
        ones = Value.longs(out, v, x.onnxType());
      }
      c.define(c.out(0), ConstantFolding.binary(c.where, "Mul", x, ones, c.limits()));
    } else if (Arrays.equals(out, in)) {
      c.alias(c.out(0), c.in(0));
    } else {
      float[] v = new float[(int) n];
      Arrays.fill(v, 1f);
      String ones = c.temp("ones");
      c.define(ones, Value.floats(out, v));
      c.emit(OpType.MUL, "expand", List.of(c.in(0), ones), c.out(0));
    }
  }

  /**
   * A float constant operand of an element-wise op, with every axis along which it repeats
   * itself bit for bit cut to 1 ({@code b.expand_as(x)} folded at import becomes {@code b}
   * again), so that per-channel biases and scales fuse into binary layers. Only when the other
   * operand {@code other} already has the constant's full dims, so the result is unchanged.
   */
  static String unexpanded(NodeContext c, String name, Value v, ValueType other) {
    if (v == null || v.onnxType() != DataType.FLOAT_VALUE || other == null
        || !Arrays.equals(other.dims(), v.dims()) || v.count() <= 1) {
      return name;
    }
    int[] dims = v.dims().clone();
    float[] data = v.floats();
    int[] strides = ConstantFolding.strides(v.dims());
    boolean changed = false;
    for (int d = 0; d < dims.length; d++) {
      if (dims[d] == 1 || !repeatsAlong(data, v.dims(), strides, d)) {
        continue;
      }
      dims[d] = 1;
      changed = true;
    }
    if (!changed) {
      return name;
    }
    // Keep the elements at index 0 of every cut axis.
    int[] outStrides = ConstantFolding.strides(dims);
    int n = 1;
    for (int dd : dims) {
      n *= dd;
    }
    float[] out = new float[n];
    int[] idx = new int[dims.length];
    for (int i = 0; i < n; i++) {
      int src = 0;
      for (int d = 0; d < dims.length; d++) {
        src += idx[d] * strides[d];
      }
      out[i] = data[src];
      for (int d = dims.length - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    String small = c.temp("unexpanded");
    c.define(small, Value.floats(dims, out));
    return small;
  }

  /** True when every element equals the one at index 0 of axis d (same other indices). */
  private static boolean repeatsAlong(float[] data, int[] dims, int[] strides, int d) {
    int step = strides[d];
    for (int i = 0; i < data.length; i++) {
      int along = (i / step) % dims[d];
      if (along != 0 && Float.floatToRawIntBits(data[i])
          != Float.floatToRawIntBits(data[i - along * step])) {
        return false;
      }
    }
    return true;
  }

  // ---- reductions ----

  private static void reduce(NodeContext c) {
    long[] axes;
    if (c.opset() < 18) {
      c.attrs.allowOnly("axes", "keepdims");
      c.inputs(1, 1);
      axes = c.attrs.getInts("axes");
    } else {
      c.attrs.allowOnly("keepdims", "noop_with_empty_axes");
      c.inputs(1, 2);
      axes = c.has(1) ? c.constInts(1, "axes") : null;
      if ((axes == null || axes.length == 0)
          && c.attrs.getInt("noop_with_empty_axes", 0) != 0) {
        c.define(c.out(0), c.requireConst(0, "data"));
        return;
      }
    }
    Value a = c.requireConst(0, "data");
    boolean keep = c.attrs.getInt("keepdims", 1) != 0;
    int rank = a.rank();
    boolean[] reduced = new boolean[rank];
    if (axes == null || axes.length == 0) {
      Arrays.fill(reduced, true);
    } else {
      for (long ax : axes) {
        long r = ax < 0 ? ax + rank : ax;
        if (r < 0 || r >= rank || reduced[(int) r]) {
          throw c.malformed("axes " + Arrays.toString(axes) + " are out of range or repeated"
              + " for rank " + rank);
        }
        reduced[(int) r] = true;
      }
    }
    int[] dims = a.dims();
    int[] kept = new int[rank];
    int outCount = 1;
    for (int i = 0; i < rank; i++) {
      kept[i] = reduced[i] ? 1 : dims[i];
      outCount *= kept[i];
    }
    if (a.count() == 0) {
      throw c.unsupported(c.op + " of an empty tensor");
    }
    int[] outStrides = ConstantFolding.strides(kept);
    int[] idx = new int[rank];
    boolean isFloat = a.isFloat();
    float[] fr = new float[outCount];
    long[] lr = new long[outCount];
    boolean[] seen = new boolean[outCount];
    for (int i = 0; i < a.count(); i++) {
      int o = 0;
      for (int d = 0; d < rank; d++) {
        o += reduced[d] ? 0 : idx[d] * outStrides[d];
      }
      if (isFloat) {
        float v = a.floats()[i];
        fr[o] = !seen[o] ? v : switch (c.op) {
          case "ReduceProd" -> fr[o] * v;
          case "ReduceMax" -> Math.max(fr[o], v);
          default -> Math.min(fr[o], v);
        };
      } else {
        long v = a.longs()[i];
        try {
          lr[o] = !seen[o] ? v : switch (c.op) {
            case "ReduceProd" -> Math.multiplyExact(lr[o], v);
            case "ReduceMax" -> Math.max(lr[o], v);
            default -> Math.min(lr[o], v);
          };
        } catch (ArithmeticException e) {
          throw c.unsupported("integer overflow folding " + c.op);
        }
      }
      seen[o] = true;
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    int[] outDims = kept;
    if (!keep) {
      List<Integer> k = new ArrayList<>();
      for (int i = 0; i < rank; i++) {
        if (!reduced[i]) {
          k.add(dims[i]);
        }
      }
      outDims = k.stream().mapToInt(Integer::intValue).toArray();
    }
    c.define(c.out(0), isFloat ? new Value(Value.floats(outDims, fr).tensor(), a.onnxType())
        : Value.longs(outDims, lr, a.onnxType()));
  }

  // ---- comparisons and selection ----

  /**
   * Comparisons give ONNX bool. On constants they fold to a BOOL constant; at run time Less and
   * Greater are engine ops whose float result is 0 or 1 (Cast to float is then the same value,
   * and Where reads any non-zero as true).
   */
  private static void compare(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    Value a = c.constIn(0);
    Value b = c.constIn(1);
    if (a != null && b != null) {
      c.define(c.out(0), foldCompare(c, a, b));
      return;
    }
    String x = floatOperand(c, 0);
    String y = floatOperand(c, 1);
    switch (c.op) {
      case "Less" -> c.emit(OpType.LESS, "less", List.of(x, y), c.out(0));
      case "Greater" -> c.emit(OpType.GREATER, "greater", List.of(x, y), c.out(0));
      default -> throw c.unsupported(c.op + " of a runtime tensor is not supported (bnn4j runs"
          + " Less and Greater)");
    }
  }

  private static Value foldCompare(NodeContext c, Value a, Value b) {
    if (a.isFloat() != b.isFloat()) {
      throw c.malformed("operands are " + a.typeName() + " and " + b.typeName());
    }
    int[] out = ConstantFolding.broadcastDims(c.where, a, b, c.limits());
    int n = (int) NodeContext.count(out);
    long[] r = new long[n];
    ConstantFolding.BroadcastWalk walk = new ConstantFolding.BroadcastWalk(out, a.dims(), b.dims());
    for (int i = 0; i < n; i++) {
      int ia = walk.at(0);
      int ib = walk.at(1);
      int cmp;
      boolean unordered = false;
      if (a.isFloat()) {
        float p = a.floats()[ia];
        float q = b.floats()[ib];
        unordered = Float.isNaN(p) || Float.isNaN(q);
        cmp = p < q ? -1 : p > q ? 1 : 0;
      } else {
        cmp = Long.compare(a.longs()[ia], b.longs()[ib]);
      }
      boolean t = !unordered && switch (c.op) {
        case "Less" -> cmp < 0;
        case "Greater" -> cmp > 0;
        case "Equal" -> cmp == 0;
        case "LessOrEqual" -> cmp <= 0;
        default -> cmp >= 0;
      };
      r[i] = t ? 1 : 0;
      walk.next();
    }
    return Value.longs(out, r, DataType.BOOL_VALUE);
  }

  private static void not(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    Value a = c.requireConst(0, "input");
    long[] x = a.longs();
    long[] r = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = x[i] == 0 ? 1 : 0;
    }
    c.define(c.out(0), Value.longs(a.dims(), r, DataType.BOOL_VALUE));
  }

  private static void where(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(3, 3);
    Value cond = c.constIn(0);
    Value a = c.constIn(1);
    Value b = c.constIn(2);
    if (cond != null && a != null && b != null) {
      if (a.onnxType() != b.onnxType()) {
        throw c.malformed("X and Y are " + a.typeName() + " and " + b.typeName());
      }
      // cond*a + (1-cond)*b is not exact for infinities: pick per element instead.
      Value mask = ConstantFolding.cast(c.where, cond, DataType.FLOAT_VALUE);
      Value fa = a.isFloat() ? a : null;
      if (fa == null) {
        throw c.unsupported("Where of " + a.typeName() + " constants is not folded");
      }
      int[] out = ShapeInference.broadcastShapes(mask.dims(), a.dims());
      out = out == null ? null : ShapeInference.broadcastShapes(out, b.dims());
      if (out == null) {
        throw c.malformed("shapes do not broadcast");
      }
      long n = c.limits().checkedElementCount(c.op + " node '" + c.name + "'",
          Arrays.stream(out).asLongStream().toArray());
      float[] r = new float[(int) n];
      ConstantFolding.BroadcastWalk walk =
          new ConstantFolding.BroadcastWalk(out, mask.dims(), a.dims(), b.dims());
      for (int i = 0; i < n; i++) {
        r[i] = mask.floats()[walk.at(0)] != 0f ? a.floats()[walk.at(1)] : b.floats()[walk.at(2)];
        walk.next();
      }
      c.define(c.out(0), new Value(Value.floats(out, r).tensor(), a.onnxType()));
      return;
    }
    c.emit(OpType.WHERE, "where", List.of(floatOperand(c, 0), floatOperand(c, 1),
        floatOperand(c, 2)), c.out(0));
  }

  /** Input i as a float value: a runtime value, or a constant converted to float32 exactly. */
  private static String floatOperand(NodeContext c, int i) {
    Value v = c.constIn(i);
    if (v == null || v.onnxType() == DataType.FLOAT_VALUE) {
      return c.in(i);
    }
    if (v.onnxType() != DataType.BOOL_VALUE) {
      throw c.unsupported("input '" + c.in(i) + "' is a " + v.typeName() + " constant; bnn4j"
          + " runs " + c.op + " on float32");
    }
    String name = c.temp("mask" + i);
    c.define(name, ConstantFolding.cast(c.where, v, DataType.FLOAT_VALUE));
    return name;
  }

  // ---- Slice ----

  /**
   * Slice of a runtime tensor (the option-A shortcut {@code x[:, :, ::2, ::2]}): an engine SLICE
   * with resolved starts and steps, an alias when it takes everything.
   */
  static void runtimeSlice(NodeContext c, long[] starts, long[] ends, long[] axes, long[] steps) {
    ValueType x = c.type(0);
    LayoutFolding.SliceSpec spec = LayoutFolding.resolveSlice(c.where, x.dims(), starts,
        ends, axes, steps);
    int[] out = spec.out();
    boolean whole = true;
    for (int d = 0; d < out.length; d++) {
      if (out[d] == 0) {
        throw c.unsupported("the slice of '" + c.in(0) + "' is empty on axis " + d);
      }
      whole &= out[d] == x.dim(d) && spec.begin()[d] == 0 && spec.step()[d] == 1;
    }
    if (whole) {
      c.alias(c.out(0), c.in(0));
      return;
    }
    c.emit(OpType.SLICE, "", List.of(c.in(0)), c.out(0), "starts", spec.begin(),
        "steps", spec.step(), "dims", Arrays.stream(out).asLongStream().toArray());
  }

  // ---- LogSoftmax ----

  private static void logSoftmax(NodeContext c) {
    c.attrs.allowOnly("axis");
    c.inputs(1, 1);
    ValueType x = c.type(0);
    int rank = x.rank();
    long axis = c.attrs.getInt("axis", c.opset() < 13 ? 1 : -1);
    if (axis < 0) {
      axis += rank;
    }
    if (axis < 0 || axis >= rank) {
      throw c.malformed("axis " + c.attrs.getInt("axis", -1) + " is out of range for rank "
          + rank);
    }
    if (c.opset() < 13 && axis != rank - 1) {
      // Opset < 13 coerces the input to 2-D at axis: [prod(dims[:axis]), prod(dims[axis:])].
      long inner = 1;
      for (int d = (int) axis; d < rank; d++) {
        inner *= x.dim(d);
      }
      int outer = (int) (x.elementCount() / inner);
      String flat = c.reshapeTo(c.in(0), new int[] {outer, (int) inner}, c.temp("2d"),
          "reshape_in");
      String y = c.temp("logsoftmax");
      c.emit(OpType.LOG_SOFTMAX, "", List.of(flat), y, "axis", 1L);
      c.reshapeTo(y, x.dims(), c.out(0), "reshape_out");
      return;
    }
    c.emit(OpType.LOG_SOFTMAX, "", List.of(c.in(0)), c.out(0), "axis", axis);
  }
}
