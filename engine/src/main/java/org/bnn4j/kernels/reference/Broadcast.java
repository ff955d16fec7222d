package org.bnn4j.kernels.reference;

import java.util.Arrays;
import org.bnn4j.format.ShapeInference;

/** Reference element-wise binary ops with numpy broadcasting, rank up to 8. */
public final class Broadcast {
  private Broadcast() {}

  /** Largest rank the broadcasting kernels accept. */
  public static final int MAX_RANK = 8;

  /** An element-wise binary arithmetic op. IEEE semantics: x / 0 is ±Inf or NaN. */
  public enum BinaryOp {
    ADD {
      @Override
      public float apply(float a, float b) {
        return a + b;
      }
    },
    SUB {
      @Override
      public float apply(float a, float b) {
        return a - b;
      }
    },
    MUL {
      @Override
      public float apply(float a, float b) {
        return a * b;
      }
    },
    DIV {
      @Override
      public float apply(float a, float b) {
        return a / b;
      }
    },
    /** ONNX Less as float 0/1 (false for NaN). */
    LESS {
      @Override
      public float apply(float a, float b) {
        return a < b ? 1f : 0f;
      }
    },
    /** ONNX Greater as float 0/1 (false for NaN). */
    GREATER {
      @Override
      public float apply(float a, float b) {
        return a > b ? 1f : 0f;
      }
    };

    public abstract float apply(float a, float b);
  }

  /**
   * The numpy broadcast of two shapes: right-aligned, each pair of dims equal or one of them 1
   * (the rule {@link ShapeInference#broadcastShapes} states for the whole project).
   *
   * @throws IllegalArgumentException when they do not broadcast
   */
  public static int[] broadcastShape(int[] a, int[] b) {
    int[] out = ShapeInference.broadcastShapes(a, b);
    if (out == null) {
      throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and "
          + Arrays.toString(b) + " do not broadcast");
    }
    return out;
  }

  /** True when {@code from} broadcasts unidirectionally to {@code to} (to is unchanged). */
  public static boolean broadcastsTo(int[] from, int[] to) {
    return ShapeInference.broadcastsTo(from, to);
  }

  /**
   * {@code y = op(a, b)} where {@code yDims} is the broadcast of {@code aDims} and {@code bDims}.
   * Allocates nothing.
   */
  public static void binary(
      BinaryOp op,
      float[] a, int aOff, int[] aDims,
      float[] b, int bOff, int[] bDims,
      float[] y, int yOff, int[] yDims) {
    checkRank(yDims);
    if (yDims.length != Math.max(aDims.length, bDims.length)
        || !broadcastsTo(aDims, yDims) || !broadcastsTo(bDims, yDims)
        || !coversBroadcast(aDims, bDims, yDims)) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(yDims)
          + " is not the broadcast of " + Arrays.toString(aDims) + " and "
          + Arrays.toString(bDims));
    }
    binaryRec(op, 0, yDims, a, aOff, aDims, b, bOff, bDims, y, yOff);
  }

  /** Each output dim is the larger of the aligned input dims (so it is their broadcast). */
  private static boolean coversBroadcast(int[] a, int[] b, int[] y) {
    for (int d = 0; d < y.length; d++) {
      int ad = alignedDim(a, y.length, d);
      int bd = alignedDim(b, y.length, d);
      if (y[d] != (ad == 1 ? bd : ad)) {
        return false;
      }
    }
    return true;
  }

  private static int binaryRec(BinaryOp op, int d, int[] yDims,
      float[] a, int ia, int[] aDims, float[] b, int ib, int[] bDims, float[] y, int iy) {
    if (d == yDims.length) {
      y[iy] = op.apply(a[ia], b[ib]);
      return iy + 1;
    }
    int sa = stride(aDims, yDims.length, d);
    int sb = stride(bDims, yDims.length, d);
    for (int j = 0; j < yDims[d]; j++) {
      iy = binaryRec(op, d + 1, yDims, a, ia + j * sa, aDims, b, ib + j * sb, bDims, y, iy);
    }
    return iy;
  }

  /**
   * PRelu: {@code y = x < 0 ? slope * x : x}, where {@code slope} broadcasts unidirectionally to
   * {@code xDims}; y has x's shape. Allocates nothing.
   */
  public static void prelu(
      float[] x, int xOff, int[] xDims,
      float[] slope, int sOff, int[] sDims,
      float[] y, int yOff) {
    checkRank(xDims);
    if (!broadcastsTo(sDims, xDims)) {
      throw new IllegalArgumentException("slope " + Arrays.toString(sDims)
          + " does not broadcast to " + Arrays.toString(xDims));
    }
    preluRec(0, xDims, x, xOff, slope, sOff, sDims, y, yOff);
  }

  private static int preluRec(int d, int[] xDims, float[] x, int ix, float[] s, int is,
      int[] sDims, float[] y, int iy) {
    if (d == xDims.length) {
      float v = x[ix];
      y[iy] = v < 0f ? s[is] * v : v;
      return iy + 1;
    }
    int sx = stride(xDims, xDims.length, d);
    int ss = stride(sDims, xDims.length, d);
    for (int j = 0; j < xDims[d]; j++) {
      iy = preluRec(d + 1, xDims, x, ix + j * sx, s, is + j * ss, sDims, y, iy);
    }
    return iy;
  }

  /** Dim of {@code dims} at output axis {@code d} of rank {@code rank}, right-aligned; 1 if none. */
  private static int alignedDim(int[] dims, int rank, int d) {
    int i = d - (rank - dims.length);
    return i < 0 ? 1 : dims[i];
  }

  /**
   * Row-major stride of {@code dims} along output axis {@code d} (right-aligned to rank {@code
   * rank}), or 0 where it is broadcast (missing leading axis or dim 1).
   */
  static int stride(int[] dims, int rank, int d) {
    int i = d - (rank - dims.length);
    if (i < 0 || dims[i] == 1) {
      return 0;
    }
    int s = 1;
    for (int k = i + 1; k < dims.length; k++) {
      s *= dims[k];
    }
    return s;
  }

  private static int checkRank(int[] dims) {
    if (dims.length > MAX_RANK) {
      throw new IllegalArgumentException("rank " + dims.length + " is over " + MAX_RANK);
    }
    return dims.length;
  }

  static long count(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
