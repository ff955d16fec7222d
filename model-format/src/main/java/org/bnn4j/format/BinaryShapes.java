package org.bnn4j.format;

import java.util.Arrays;
import java.util.List;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.BinarizeAttrs;
import org.bnn4j.format.graph.attrs.BinaryOutputAttrs;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.attrs.PoolAttrs;
import org.bnn4j.format.graph.ElementType;

/**
 * Output types of the binary ops, with every input checked against the contract in
 * {@link OpType}: the engine relies on these checks to index packed words safely.
 */
final class BinaryShapes {
  private BinaryShapes() {}

  static List<ValueType> infer(Graph g, OpNode n) {
    return switch (n.op()) {
      case BINARIZE -> List.of(binarize(g, n));
      case BINARY_CONV2D -> List.of(conv(g, n));
      case BINARY_DENSE -> List.of(dense(g, n));
      case BIT_MAX_POOL2D -> List.of(bitMaxPool(g, n));
      default -> throw new IllegalArgumentException("not a binary op: " + n.op());
    };
  }

  private static ModelFormatException bad(OpNode n, String what) {
    return new ModelFormatException(n.where() + ": " + what);
  }

  private static ValueType value(Graph g, OpNode n, int i, ElementType type) {
    if (!n.hasInput(i)) {
      throw bad(n, "input " + i + " is missing");
    }
    ValueType t = g.typeOf(n.input(i));
    if (t == null) {
      throw bad(n, "input " + i + " '" + n.input(i) + "' is not defined");
    }
    if (t.type() != type) {
      throw bad(n, "input " + i + " '" + n.input(i) + "' is " + t + ", expected " + type);
    }
    return t;
  }

  private static ConstTensor constant(Graph g, OpNode n, int i, ElementType type, int[] dims) {
    ConstTensor c = g.constant(n.input(i));
    if (c == null || c.type() != type) {
      throw bad(n, "input " + i + " '" + n.input(i) + "' must be a " + type + " constant");
    }
    if (dims != null && !Arrays.equals(c.dims(), dims)) {
      throw bad(n, "input " + i + " '" + n.input(i) + "' has dims " + Arrays.toString(c.dims())
          + ", expected " + Arrays.toString(dims));
    }
    return c;
  }

  private static ValueType binarize(Graph g, OpNode n) {
    ValueType x = value(g, n, 0, ElementType.FLOAT32);
    if (x.rank() != 2 && x.rank() != 4) {
      throw bad(n, "input must be [N,C] or [N,C,H,W], found " + x);
    }
    int c = x.dim(1);
    ConstTensor t = constant(g, n, 1, ElementType.FLOAT32, null);
    if (t.rank() != 1 || t.dim(0) < 1) {
      throw bad(n, "thresholds must be 1-D and non-empty, found " + Arrays.toString(t.dims()));
    }
    int cout = t.dim(0);
    if (n.hasInput(2)) {
      ConstTensor s = constant(g, n, 2, ElementType.INT64, new int[] {cout});
      for (long v : s.longs()) {
        if (v < 0 || v >= c) {
          throw bad(n, "source channel " + v + " is outside [0, " + c + ")");
        }
      }
    } else if (c == 0 || cout % c != 0) {
      throw bad(n, cout + " thresholds for " + c + " channels: without a source map the count"
          + " must be a multiple of the channels");
    }
    BinarizeAttrs.of(n);
    int[] dims = x.dims();
    dims[1] = cout;
    return ValueType.bits(dims);
  }

  private static int outSize(OpNode n, int in, int pb, int pe, int k, int s, int dil,
      boolean ceil) {
    if (k < 1 || s < 1 || dil < 1 || pb < 0 || pe < 0) {
      throw bad(n, "kernel, strides and dilations must be positive and pads non-negative");
    }
    long extent = (long) dil * (k - 1) + 1;
    long span = (long) in + pb + pe - extent;
    if (span < 0) {
      throw bad(n, "window of extent " + extent + " does not fit input " + in + " with pads "
          + pb + "+" + pe);
    }
    long out = ceil ? (span + s - 1) / s + 1 : span / s + 1;
    if (ceil && (out - 1) * s >= (long) in + pb) {
      out--;
    }
    if (out < 1 || out > Integer.MAX_VALUE) {
      throw bad(n, "output size " + out + " is invalid");
    }
    return (int) out;
  }

  private static void checkTransform(Graph g, OpNode n, int m, ValueType out, int[] tapDims) {
    if (!BinaryOutputAttrs.of(n).bits()) {
      constant(g, n, 2, ElementType.FLOAT32, new int[] {m});
      constant(g, n, 3, ElementType.FLOAT32, new int[] {m});
      if (n.hasInput(4)) {
        ValueType r = value(g, n, 4, ElementType.FLOAT32);
        if (!r.equals(out)) {
          throw bad(n, "residual '" + n.input(4) + "' is " + r + ", expected " + out);
        }
      }
      for (int i = 5; i <= 6; i++) {
        if (n.hasInput(i)) {
          constant(g, n, i, ElementType.FLOAT32, new int[] {m});
        }
      }
      if (n.hasInput(7)) {
        constant(g, n, 7, ElementType.FLOAT32, tapDims);
      }
      if (n.inputs().size() > 8) {
        throw bad(n, "has " + n.inputs().size() + " inputs, at most 8 with float output");
      }
    } else {
      constant(g, n, 2, ElementType.INT64, new int[] {m});
      ConstTensor flip = constant(g, n, 3, ElementType.INT64, new int[] {m});
      for (long f : flip.longs()) {
        if (f != 0 && f != 1) {
          throw bad(n, "flip values must be 0 or 1, found " + f);
        }
      }
      if (n.hasInput(4)) {
        constant(g, n, 4, ElementType.FLOAT32, tapDims);
      }
      if (n.inputs().size() > 5) {
        throw bad(n, "has " + n.inputs().size() + " inputs, at most 5 with bits output");
      }
    }
  }

  private static ValueType conv(Graph g, OpNode n) {
    ValueType x = value(g, n, 0, ElementType.BITS);
    if (x.rank() != 4) {
      throw bad(n, "input must be bits [N,C,H,W], found " + x);
    }
    ConstTensor w = constant(g, n, 1, ElementType.BITS, null);
    if (w.rank() != 4) {
      throw bad(n, "weights must be bits [M,kH,kW,C/group], found " + Arrays.toString(w.dims()));
    }
    Conv2dAttrs a = Conv2dAttrs.of(n);
    int group = a.group();
    int m = w.dim(0);
    int c = x.dim(1);
    if (group < 1 || c % group != 0 || m % group != 0 || w.dim(3) != c / group) {
      throw bad(n, "group " + group + " with " + c + " input channels and weights "
          + Arrays.toString(w.dims()) + " do not agree");
    }
    int[] strides = a.strides();
    int[] dil = a.dilations();
    int[] pads = a.pads();
    int oh = outSize(n, x.dim(2), pads[0], pads[2], w.dim(1), strides[0], dil[0], false);
    int ow = outSize(n, x.dim(3), pads[1], pads[3], w.dim(2), strides[1], dil[1], false);
    boolean bits = BinaryOutputAttrs.of(n).bits();
    ValueType out = bits ? ValueType.bits(x.dim(0), m, oh, ow)
        : ValueType.float32(x.dim(0), m, oh, ow);
    checkTransform(g, n, m, out, new int[] {m, w.dim(1), w.dim(2)});
    return out;
  }

  private static ValueType dense(Graph g, OpNode n) {
    ValueType x = value(g, n, 0, ElementType.BITS);
    if (x.rank() != 2) {
      throw bad(n, "input must be bits [N,K], found " + x);
    }
    ConstTensor w = constant(g, n, 1, ElementType.BITS, null);
    if (w.rank() != 2 || w.dim(1) != x.dim(1)) {
      throw bad(n, "weights " + Arrays.toString(w.dims()) + " do not match input " + x);
    }
    int m = w.dim(0);
    boolean bits = BinaryOutputAttrs.of(n).bits();
    ValueType out = bits ? ValueType.bits(x.dim(0), m) : ValueType.float32(x.dim(0), m);
    checkTransform(g, n, m, out, new int[] {m});
    return out;
  }

  private static ValueType bitMaxPool(Graph g, OpNode n) {
    ValueType x = value(g, n, 0, ElementType.BITS);
    if (x.rank() != 4) {
      throw bad(n, "input must be bits [N,C,H,W], found " + x);
    }
    PoolAttrs a = PoolAttrs.of(n);
    int[] k = a.kernel();
    int[] strides = a.strides();
    int[] dil = a.dilations();
    int[] pads = a.pads();
    boolean ceil = a.ceilMode();
    if (pads[0] >= k[0] * dil[0] || pads[1] >= k[1] * dil[1]) {
      throw bad(n, "pads must be smaller than the kernel");
    }
    int oh = outSize(n, x.dim(2), pads[0], pads[2], k[0], strides[0], dil[0], ceil);
    int ow = outSize(n, x.dim(3), pads[1], pads[3], k[1], strides[1], dil[1], ceil);
    return ValueType.bits(x.dim(0), x.dim(1), oh, ow);
  }
}
