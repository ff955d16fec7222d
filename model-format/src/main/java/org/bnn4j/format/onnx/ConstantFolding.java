package org.bnn4j.format.onnx;

import java.util.Arrays;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;

/**
 * Evaluates ONNX ops on constants at import time, where that is cheap and exact: shape arithmetic
 * (Shape, Gather, Slice, Concat, Unsqueeze, Cast, ConstantOfShape, ...) and weight preprocessing
 * (Sign, Transpose, Mul, ...). Float arithmetic is single IEEE operations in float, as a float32
 * runtime computes them; integer arithmetic is exact and declines on overflow. The ops that only
 * move elements (Transpose, Concat, Gather, Slice) are in {@link LayoutFolding}.
 */
final class ConstantFolding {
  private ConstantFolding() {}

  /** A constant with its ONNX element type (FLOAT32 data for float types, INT64 for the rest). */
  record Value(ConstTensor tensor, int onnxType) {
    static Value floats(int[] dims, float[] data) {
      return new Value(ConstTensor.ofFloats(dims, data), DataType.FLOAT_VALUE);
    }

    static Value longs(int[] dims, long[] data, int onnxType) {
      return new Value(ConstTensor.ofInt64(dims, data), onnxType);
    }

    int[] dims() {
      return tensor.dims();
    }

    int rank() {
      return tensor.rank();
    }

    int count() {
      return (int) tensor.elementCount();
    }

    boolean isFloat() {
      return OnnxTensors.isFloatType(onnxType);
    }

    float[] floats() {
      return tensor.floats();
    }

    long[] longs() {
      return tensor.longs();
    }

    String typeName() {
      return OnnxTensors.typeName(onnxType);
    }

    /** Same data and type, new dims (same element count). */
    Value reshaped(int[] dims) {
      return isFloat() ? new Value(ConstTensor.ofFloats(dims, floats()), onnxType)
          : new Value(ConstTensor.ofInt64(dims, longs()), onnxType);
    }
  }

  /** The op and node being folded, for errors. */
  record Where(String opType, String node) {
    UnsupportedModelException unsupported(String reason) {
      return UnsupportedModelException.of(opType, node, reason);
    }

    ModelFormatException malformed(String reason) {
      return new ModelFormatException(opType + " node '" + node + "': " + reason);
    }
  }

  // ---- element-wise ----

  /** Add, Sub, Mul or Div with numpy broadcasting. */
  static Value binary(Where w, String op, Value a, Value b, Limits limits) {
    if (a.onnxType() != b.onnxType()) {
      throw w.malformed("operands are " + a.typeName() + " and " + b.typeName()
          + ", expected one type");
    }
    int[] out = broadcastDims(w, a, b, limits);
    if (a.isFloat()) {
      if (a.onnxType() != DataType.FLOAT_VALUE) {
        throw w.unsupported("arithmetic on " + a.typeName() + " constants is not folded exactly"
            + " at float precision");
      }
      return broadcastFloats(out, a, b, switch (op) {
        case "Add" -> (p, q) -> p + q;
        case "Sub" -> (p, q) -> p - q;
        case "Mul" -> (p, q) -> p * q;
        default -> (p, q) -> p / q;
      });
    }
    int n = (int) NodeContext.count(out);
    BroadcastWalk walk = new BroadcastWalk(out, a.dims(), b.dims());
    long[] x = a.longs();
    long[] y = b.longs();
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      long p = x[walk.at(0)];
      long q = y[walk.at(1)];
      try {
        r[i] = switch (op) {
          case "Add" -> Math.addExact(p, q);
          case "Sub" -> Math.subtractExact(p, q);
          case "Mul" -> Math.multiplyExact(p, q);
          default -> {
            if (q == 0) {
              throw w.unsupported("integer division by zero");
            }
            if ((p < 0) != (q < 0) && p % q != 0) {
              throw w.unsupported("integer division " + p + " / " + q + " of mixed signs,"
                  + " whose rounding runtimes disagree on");
            }
            yield Math.divideExact(p, q);
          }
        };
      } catch (ArithmeticException e) {
        throw w.unsupported("integer overflow folding " + p + " " + op + " " + q);
      }
      checkRange(w, r[i], a.onnxType());
      walk.next();
    }
    return Value.longs(out, r, a.onnxType());
  }

  /** A float function of two operands, applied element by element. */
  interface FloatOp {
    float apply(float a, float b);
  }

  /**
   * {@code op} over two float constants broadcast to {@code out} ({@link #broadcastDims}), walking
   * the output index directly: broadcasting by {@code a + 0*b} is not exact for infinities.
   */
  static Value broadcastFloats(int[] out, Value a, Value b, FloatOp op) {
    int n = (int) NodeContext.count(out);
    float[] x = a.floats();
    float[] y = b.floats();
    float[] r = new float[n];
    BroadcastWalk walk = new BroadcastWalk(out, a.dims(), b.dims());
    for (int i = 0; i < n; i++) {
      r[i] = op.apply(x[walk.at(0)], y[walk.at(1)]);
      walk.next();
    }
    return Value.floats(out, r);
  }

  /**
   * The dims {@code a} and {@code b} broadcast to (numpy rules), refused when they do not
   * broadcast or when the result would be over the limits, before a caller allocates it.
   */
  static int[] broadcastDims(Where w, Value a, Value b, Limits limits) {
    int[] out = ShapeInference.broadcastShapes(a.dims(), b.dims());
    if (out == null) {
      throw w.malformed("shapes " + Arrays.toString(a.dims()) + " and "
          + Arrays.toString(b.dims()) + " do not broadcast");
    }
    checkedCount(w, out, limits);
    return out;
  }

  /** Neg, Abs, Sign or Relu. */
  static Value unary(Where w, String op, Value a) {
    int n = a.count();
    if (a.isFloat()) {
      float[] x = a.floats();
      float[] r = new float[n];
      for (int i = 0; i < n; i++) {
        float v = x[i];
        r[i] = switch (op) {
          case "Neg" -> -v;
          case "Abs" -> Math.abs(v);
          case "Sign" -> v > 0f ? 1f : v < 0f ? -1f : v == 0f ? 0f : v;
          default -> v < 0f ? 0f : v; // Relu, as the engine computes it
        };
      }
      return new Value(ConstTensor.ofFloats(a.dims(), r), a.onnxType());
    }
    long[] x = a.longs();
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      long v = x[i];
      if ((op.equals("Neg") || op.equals("Abs")) && v == Long.MIN_VALUE) {
        throw w.unsupported("integer overflow folding " + op + " of " + v);
      }
      r[i] = switch (op) {
        case "Neg" -> -v;
        case "Abs" -> Math.abs(v);
        case "Sign" -> Long.signum(v);
        default -> Math.max(v, 0);
      };
      checkRange(w, r[i], a.onnxType());
    }
    return Value.longs(a.dims(), r, a.onnxType());
  }

  /** Clip of a float constant; NaN bounds are not accepted by the caller. */
  static Value clip(Value a, float min, float max) {
    float[] x = a.floats();
    float[] r = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = Math.min(Math.max(x[i], min), max);
    }
    return new Value(ConstTensor.ofFloats(a.dims(), r), a.onnxType());
  }

  /** ReduceMean or ReduceSum of a float constant over the given (non-negative) axes. */
  static Value reduce(Where w, Value a, boolean[] reduced, boolean keepDims, boolean mean) {
    if (!a.isFloat()) {
      throw w.unsupported("folding is implemented for float constants only, found "
          + a.typeName());
    }
    int[] dims = a.dims();
    int rank = dims.length;
    int[] kept = new int[rank];
    int outCount = 1;
    int groupSize = 1;
    for (int i = 0; i < rank; i++) {
      kept[i] = reduced[i] ? 1 : dims[i];
      outCount *= kept[i];
      groupSize *= reduced[i] ? dims[i] : 1;
    }
    double[] sum = new double[outCount];
    int[] outStrides = strides(kept);
    int[] idx = new int[rank];
    float[] x = a.floats();
    for (int i = 0; i < x.length; i++) {
      int o = 0;
      for (int d = 0; d < rank; d++) {
        o += reduced[d] ? 0 : idx[d] * outStrides[d];
      }
      sum[o] += x[i];
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    float[] r = new float[outCount];
    for (int i = 0; i < outCount; i++) {
      r[i] = (float) (mean ? sum[i] / groupSize : sum[i]);
    }
    int[] outDims = kept;
    if (!keepDims) {
      outDims = new int[rank - countTrue(reduced)];
      for (int i = 0, j = 0; i < rank; i++) {
        if (!reduced[i]) {
          outDims[j++] = dims[i];
        }
      }
    }
    return Value.floats(outDims, r);
  }

  /** ONNX Cast of a constant to {@code to}, when exact or the usual truncation toward zero. */
  static Value cast(Where w, Value a, int to) {
    if (OnnxTensors.elementSize(to) == 0) {
      throw w.unsupported("cast to " + OnnxTensors.typeName(to) + " is not supported");
    }
    if (a.onnxType() == to) {
      return a;
    }
    int n = a.count();
    if (OnnxTensors.isFloatType(to)) {
      if (to == DataType.FLOAT16_VALUE || to == DataType.BFLOAT16_VALUE) {
        throw w.unsupported("cast to " + OnnxTensors.typeName(to) + " is not supported");
      }
      if (a.isFloat()) {
        return new Value(a.tensor(), to);
      }
      long[] x = a.longs();
      float[] r = new float[n];
      for (int i = 0; i < n; i++) {
        r[i] = (float) x[i];
      }
      return new Value(ConstTensor.ofFloats(a.dims(), r), to);
    }
    long[] r = new long[n];
    if (a.isFloat()) {
      float[] x = a.floats();
      for (int i = 0; i < n; i++) {
        float v = x[i];
        if (to == DataType.BOOL_VALUE) {
          if (Float.isNaN(v)) {
            throw w.unsupported("cast of NaN to BOOL");
          }
          r[i] = v != 0f ? 1 : 0;
          continue;
        }
        if (!Float.isFinite(v) || Math.abs(v) >= 0x1p63f) {
          throw w.unsupported("cast of " + v + " to " + OnnxTensors.typeName(to)
              + " is out of range");
        }
        r[i] = (long) v; // truncation toward zero, as C++ casts do
        checkRange(w, r[i], to);
      }
    } else {
      long[] x = a.longs();
      for (int i = 0; i < n; i++) {
        r[i] = to == DataType.BOOL_VALUE ? (x[i] != 0 ? 1 : 0) : x[i];
        checkRange(w, r[i], to);
      }
    }
    return Value.longs(a.dims(), r, to);
  }

  /** ONNX ConstantOfShape: {@code value} (one element) repeated over the dims in {@code shape}. */
  static Value constantOfShape(Where w, long[] shape, Value value, Limits limits) {
    if (shape.length > ShapeInference.MAX_RANK) {
      throw w.unsupported("rank " + shape.length + " is over " + ShapeInference.MAX_RANK);
    }
    long n = limits.checkedElementCount(w.opType() + " node '" + w.node() + "'", shape);
    int[] dims = new int[shape.length];
    for (int i = 0; i < dims.length; i++) {
      if (shape[i] > Integer.MAX_VALUE) {
        throw w.malformed("shape " + Arrays.toString(shape) + " has a dim over the int range");
      }
      dims[i] = (int) shape[i];
    }
    if (value.isFloat()) {
      float[] f = new float[(int) n];
      Arrays.fill(f, value.floats()[0]);
      return new Value(ConstTensor.ofFloats(dims, f), value.onnxType());
    }
    long[] l = new long[(int) n];
    Arrays.fill(l, value.longs()[0]);
    return Value.longs(dims, l, value.onnxType());
  }

  // ---- helpers ----

  /** Row-major strides of {@code dims}. */
  static int[] strides(int[] dims) {
    int[] s = new int[dims.length];
    int acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  /** Strides of {@code in} when read at the indices of {@code out}: 0 along broadcast axes. */
  /**
   * Walks a broadcast op's output in row-major order, keeping the flat index of the matching
   * element of each operand (numpy rules: operands are right-aligned, a dim of 1 repeats).
   */
  static final class BroadcastWalk {
    private final int[] out;
    private final int[][] strides;
    private final int[] idx;
    private final int[] at;

    BroadcastWalk(int[] out, int[]... operandDims) {
      this.out = out;
      this.strides = new int[operandDims.length][];
      for (int k = 0; k < operandDims.length; k++) {
        strides[k] = broadcastStrides(operandDims[k], out);
      }
      this.idx = new int[out.length];
      this.at = new int[operandDims.length];
    }

    /** The flat index into operand {@code k} of the current output element. */
    int at(int k) {
      return at[k];
    }

    /** Moves to the next output element. */
    void next() {
      for (int d = out.length - 1; d >= 0; d--) {
        for (int k = 0; k < at.length; k++) {
          at[k] += strides[k][d];
        }
        if (++idx[d] < out[d]) {
          return;
        }
        for (int k = 0; k < at.length; k++) {
          at[k] -= strides[k][d] * out[d];
        }
        idx[d] = 0;
      }
    }
  }

  private static int[] broadcastStrides(int[] in, int[] out) {
    int[] s = new int[out.length];
    int[] own = strides(in);
    int shift = out.length - in.length;
    for (int i = 0; i < in.length; i++) {
      s[i + shift] = in[i] == 1 && out[i + shift] != 1 ? 0 : own[i];
    }
    return s;
  }

  static Value gatherFlat(Value a, int[] dims, int[] map) {
    if (a.isFloat()) {
      float[] x = a.floats();
      float[] r = new float[map.length];
      for (int i = 0; i < map.length; i++) {
        r[i] = x[map[i]];
      }
      return new Value(ConstTensor.ofFloats(dims, r), a.onnxType());
    }
    long[] x = a.longs();
    long[] r = new long[map.length];
    for (int i = 0; i < map.length; i++) {
      r[i] = x[map[i]];
    }
    return Value.longs(dims, r, a.onnxType());
  }

  static int checkedCount(Where w, int[] dims, Limits limits) {
    long[] d = new long[dims.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = dims[i];
    }
    return (int) limits.checkedElementCount(w.opType() + " node '" + w.node() + "'", d);
  }

  private static int countTrue(boolean[] b) {
    int n = 0;
    for (boolean x : b) {
      n += x ? 1 : 0;
    }
    return n;
  }

  /** Declines an integer result outside the range of its ONNX type (no silent wrap-around). */
  private static void checkRange(Where w, long v, int type) {
    long lo;
    long hi;
    switch (DataType.forNumber(type)) {
      case INT32 -> {
        lo = Integer.MIN_VALUE;
        hi = Integer.MAX_VALUE;
      }
      case INT16 -> {
        lo = Short.MIN_VALUE;
        hi = Short.MAX_VALUE;
      }
      case INT8 -> {
        lo = Byte.MIN_VALUE;
        hi = Byte.MAX_VALUE;
      }
      case UINT8 -> {
        lo = 0;
        hi = 255;
      }
      case UINT16 -> {
        lo = 0;
        hi = 65535;
      }
      case UINT32 -> {
        lo = 0;
        hi = 0xffffffffL;
      }
      case BOOL -> {
        lo = 0;
        hi = 1;
      }
      default -> {
        return;
      }
    }
    if (v < lo || v > hi) {
      throw w.unsupported("value " + v + " is out of the range of " + OnnxTensors.typeName(type));
    }
  }
}
