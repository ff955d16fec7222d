package org.bnn4j.format.onnx;

import static org.bnn4j.format.onnx.ConstantFolding.checkedCount;
import static org.bnn4j.format.onnx.ConstantFolding.gatherFlat;
import static org.bnn4j.format.onnx.ConstantFolding.strides;

import java.util.Arrays;
import java.util.List;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.ConstantFolding.Where;

/**
 * {@link ConstantFolding}'s layout ops: Transpose, Concat, Gather and Slice of constants, which
 * move elements without computing any (so they hold for every element type).
 */
final class LayoutFolding {
  private LayoutFolding() {}

  static Value transpose(Where w, Value a, int[] perm) {
    int rank = a.rank();
    int[] dims = a.dims();
    checkPermutation(w, perm, rank);
    int[] out = new int[rank];
    int[] inStrides = strides(dims);
    int[] step = new int[rank];
    for (int i = 0; i < rank; i++) {
      out[i] = dims[perm[i]];
      step[i] = inStrides[perm[i]];
    }
    int n = a.count();
    int[] map = new int[n];
    int[] idx = new int[rank];
    int src = 0;
    for (int i = 0; i < n; i++) {
      map[i] = src;
      for (int d = rank - 1; d >= 0; d--) {
        src += step[d];
        if (++idx[d] < out[d]) {
          break;
        }
        src -= step[d] * out[d];
        idx[d] = 0;
      }
    }
    return gatherFlat(a, out, map);
  }

  static void checkPermutation(Where w, int[] perm, int rank) {
    boolean[] seen = new boolean[rank];
    boolean ok = perm.length == rank;
    for (int i = 0; ok && i < perm.length; i++) {
      ok = perm[i] >= 0 && perm[i] < rank && !seen[perm[i]];
      if (ok) {
        seen[perm[i]] = true;
      }
    }
    if (!ok) {
      throw w.malformed("perm " + Arrays.toString(perm) + " is not a permutation of 0.."
          + (rank - 1));
    }
  }

  /** Concatenates constants of one type along a non-negative axis. */
  static Value concat(Where w, List<Value> parts, int axis, Limits limits) {
    Value first = parts.get(0);
    int[] out = first.dims();
    long total = 0;
    for (Value p : parts) {
      if (p.onnxType() != first.onnxType()) {
        throw w.malformed("inputs are " + first.typeName() + " and " + p.typeName()
            + ", expected one type");
      }
      int[] d = p.dims();
      boolean ok = d.length == out.length;
      for (int i = 0; ok && i < d.length; i++) {
        ok = i == axis || d[i] == out[i];
      }
      if (!ok) {
        throw w.malformed("input shape " + Arrays.toString(d) + " does not match "
            + Arrays.toString(first.dims()) + " outside axis " + axis);
      }
      total += d[axis];
    }
    if (total > Integer.MAX_VALUE) {
      throw w.malformed("concatenated axis is " + total + " long");
    }
    out[axis] = (int) total;
    int n = checkedCount(w, out, limits);
    long outer = product(out, 0, axis);
    long inner = product(out, axis + 1, out.length);
    float[] f = first.isFloat() ? new float[n] : null;
    long[] l = first.isFloat() ? null : new long[n];
    int at = 0;
    for (long o = 0; o < outer; o++) {
      for (Value p : parts) {
        int chunk = (int) (p.dims()[axis] * inner);
        int from = (int) (o * chunk);
        if (f != null) {
          System.arraycopy(p.floats(), from, f, at, chunk);
        } else {
          System.arraycopy(p.longs(), from, l, at, chunk);
        }
        at += chunk;
      }
    }
    return f != null ? new Value(ConstTensor.ofFloats(out, f), first.onnxType())
        : Value.longs(out, l, first.onnxType());
  }

  /** The product of {@code dims[from..to)}: the elements before or after an axis. */
  private static long product(int[] dims, int from, int to) {
    long p = 1;
    for (int i = from; i < to; i++) {
      p *= dims[i];
    }
    return p;
  }

  /** ONNX Gather along {@code axis} (already non-negative) with integer indices. */
  static Value gather(Where w, Value data, Value indices, int axis, Limits limits) {
    if (indices.isFloat()) {
      throw w.malformed("indices are " + indices.typeName() + ", expected an integer type");
    }
    int[] dd = data.dims();
    int[] id = indices.dims();
    int[] out = new int[dd.length - 1 + id.length];
    System.arraycopy(dd, 0, out, 0, axis);
    System.arraycopy(id, 0, out, axis, id.length);
    System.arraycopy(dd, axis + 1, out, axis + id.length, dd.length - axis - 1);
    if (out.length > ShapeInference.MAX_RANK) {
      throw w.unsupported("output rank " + out.length + " is over " + ShapeInference.MAX_RANK);
    }
    int n = checkedCount(w, out, limits);
    long outer = product(dd, 0, axis);
    long inner = product(dd, axis + 1, dd.length);
    long[] ix = indices.longs();
    int len = dd[axis];
    int[] map = new int[n];
    int at = 0;
    for (long o = 0; o < outer; o++) {
      for (long k : ix) {
        long j = k < 0 ? k + len : k;
        if (j < 0 || j >= len) {
          throw w.malformed("index " + k + " is out of range for axis " + axis + " of length "
              + len);
        }
        for (long i = 0; i < inner; i++) {
          map[at++] = (int) ((o * len + j) * inner + i);
        }
      }
    }
    return gatherFlat(data, out, map);
  }

  /** A slice with ONNX's index rules applied: first index, step and length on every axis. */
  record SliceSpec(long[] begin, long[] step, int[] out) {}

  /**
   * Resolves ONNX Slice starts/ends/axes/steps against {@code dims}: negative indices count from
   * the end, then are clamped to the axis; axes not named are taken whole.
   */
  static SliceSpec resolveSlice(Where w, int[] dims, long[] starts, long[] ends, long[] axes,
      long[] steps) {
    int rank = dims.length;
    if (starts.length != ends.length || axes.length != starts.length
        || steps.length != starts.length) {
      throw w.malformed("starts, ends, axes and steps have different lengths: "
          + starts.length + ", " + ends.length + ", " + axes.length + ", " + steps.length);
    }
    long[] begin = new long[rank];
    long[] step = new long[rank];
    int[] out = dims.clone();
    Arrays.fill(step, 1);
    boolean[] seen = new boolean[rank];
    for (int k = 0; k < axes.length; k++) {
      long ax = axes[k] < 0 ? axes[k] + rank : axes[k];
      if (ax < 0 || ax >= rank || seen[(int) ax]) {
        throw w.malformed("axes " + Arrays.toString(axes) + " are out of range or repeated for"
            + " rank " + rank);
      }
      int a = (int) ax;
      seen[a] = true;
      long d = dims[a];
      long s = steps[k];
      if (s == 0) {
        throw w.malformed("step 0 on axis " + a);
      }
      long b = starts[k] < 0 ? starts[k] + d : starts[k];
      long e = ends[k] < 0 ? ends[k] + d : ends[k];
      long len;
      if (d == 0) {
        len = 0;
      } else if (s > 0) {
        b = Math.clamp(b, 0, d);
        e = Math.clamp(e, 0, d);
        len = e > b ? (e - b + s - 1) / s : 0;
      } else {
        b = Math.clamp(b, 0, d - 1);
        e = Math.clamp(e, -1, d - 1);
        len = b > e ? (b - e + (-s) - 1) / (-s) : 0;
      }
      begin[a] = b;
      step[a] = s;
      out[a] = (int) len;
    }
    return new SliceSpec(begin, step, out);
  }

  /**
   * ONNX Slice (opset 10 semantics; older opsets pass steps of 1): for each listed axis,
   * negative starts and ends count from the end, then they are clamped to the axis.
   */
  static Value slice(Where w, Value data, long[] starts, long[] ends, long[] axes, long[] steps,
      Limits limits) {
    int rank = data.rank();
    int[] dims = data.dims();
    SliceSpec spec = resolveSlice(w, dims, starts, ends, axes, steps);
    long[] begin = spec.begin();
    long[] step = spec.step();
    int[] out = spec.out();
    int n = checkedCount(w, out, limits);
    int[] inStrides = strides(dims);
    int[] map = new int[n];
    int[] idx = new int[rank];
    for (int i = 0; i < n; i++) {
      long src = 0;
      for (int d = 0; d < rank; d++) {
        src += (begin[d] + idx[d] * step[d]) * inStrides[d];
      }
      map[i] = (int) src;
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < out[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return gatherFlat(data, out, map);
  }
}
