package org.bnn4j.kernels.reference;

import java.util.Arrays;

/** Reference data-movement ops: copy (Identity, Reshape), Concat, Transpose and Pad. */
public final class Layout {
  private Layout() {}

  /** Copies {@code count} floats; Identity and Reshape (row-major data is unchanged). */
  public static void copy(float[] x, int xOff, float[] y, int yOff, int count) {
    System.arraycopy(x, xOff, y, yOff, count);
  }

  /**
   * Concatenates inputs along {@code axis}. Input {@code i} is {@code xs[i]} from {@code
   * offs[i]} with shape {@code dims[i]}; all shapes agree except along the axis.
   */
  public static void concat(float[][] xs, int[] offs, int[][] dims, int axis, float[] y,
      int yOff) {
    if (xs.length == 0) {
      throw new IllegalArgumentException("concat needs at least one input");
    }
    int rank = dims[0].length;
    if (axis < 0 || axis >= rank) {
      throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
    }
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= dims[0][i];
    }
    long inner = 1;
    for (int i = axis + 1; i < rank; i++) {
      inner *= dims[0][i];
    }
    int total = 0;
    for (int k = 0; k < xs.length; k++) {
      for (int i = 0; i < rank; i++) {
        if (i != axis && dims[k][i] != dims[0][i]) {
          throw new IllegalArgumentException("concat input " + k + " has shape "
              + Arrays.toString(dims[k]) + ", incompatible with " + Arrays.toString(dims[0]));
        }
      }
      total += dims[k][axis];
    }
    int out = yOff;
    for (long o = 0; o < outer; o++) {
      for (int k = 0; k < xs.length; k++) {
        int chunk = (int) (dims[k][axis] * inner);
        System.arraycopy(xs[k], offs[k] + (int) (o * chunk), y, out, chunk);
        out += chunk;
      }
    }
    assert out == yOff + outer * total * inner;
  }

  /**
   * Copies one concat input {@code x} (shape {@code xDims}) into its slice of the output {@code
   * y} (shape {@code yDims}), starting at index {@code axisStart} along {@code axis}.
   */
  public static void concatPart(float[] x, int xOff, int[] xDims, int axis, int axisStart,
      float[] y, int yOff, int[] yDims) {
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= xDims[i];
    }
    long inner = 1;
    for (int i = axis + 1; i < xDims.length; i++) {
      inner *= xDims[i];
    }
    int chunk = (int) (xDims[axis] * inner);
    int yChunk = (int) (yDims[axis] * inner);
    int start = (int) (axisStart * inner);
    for (long o = 0; o < outer; o++) {
      System.arraycopy(x, xOff + (int) (o * chunk), y, yOff + (int) (o * yChunk) + start, chunk);
    }
  }

  /** Output dims of a transpose: {@code out[i] = dims[perm[i]]}. */
  public static int[] transposedDims(int[] dims, int[] perm) {
    checkPerm(perm, dims.length);
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      out[i] = dims[perm[i]];
    }
    return out;
  }

  /**
   * Transpose with any permutation: output axis {@code i} is input axis {@code perm[i]}.
   * Allocates nothing beyond checking the permutation.
   */
  public static void transpose(float[] x, int xOff, int[] dims, int[] perm, float[] y, int yOff) {
    checkPerm(perm, dims.length);
    transposeRec(0, dims, perm, x, xOff, y, yOff);
  }

  private static int transposeRec(int d, int[] dims, int[] perm, float[] x, int ix, float[] y,
      int iy) {
    if (d == dims.length) {
      y[iy] = x[ix];
      return iy + 1;
    }
    int axis = perm[d];
    int step = 1;
    for (int k = axis + 1; k < dims.length; k++) {
      step *= dims[k];
    }
    for (int j = 0; j < dims[axis]; j++) {
      iy = transposeRec(d + 1, dims, perm, x, ix + j * step, y, iy);
    }
    return iy;
  }

  /** Pad modes of the op set. */
  public enum PadMode {
    /** Fill with a constant value. */
    CONSTANT,
    /** Mirror without repeating the edge element (numpy "reflect"). */
    REFLECT,
    /** Repeat the edge element. */
    EDGE;

    /** Parses "constant", "reflect" or "edge"; null when unknown. */
    public static PadMode byName(String s) {
      return switch (s) {
        case "constant" -> CONSTANT;
        case "reflect" -> REFLECT;
        case "edge" -> EDGE;
        default -> null;
      };
    }
  }

  /** Output dims of a pad: {@code out[i] = dims[i] + pads[i] + pads[rank + i]}. */
  public static int[] paddedDims(int[] dims, int[] pads) {
    if (pads.length != 2 * dims.length) {
      throw new IllegalArgumentException(
          "pads has " + pads.length + " values, expected " + 2 * dims.length);
    }
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (pads[i] < 0 || pads[dims.length + i] < 0) {
        throw new IllegalArgumentException("pads must be non-negative: " + Arrays.toString(pads));
      }
      out[i] = dims[i] + pads[i] + pads[dims.length + i];
    }
    return out;
  }

  /**
   * Pads {@code x} (shape {@code dims}); {@code pads} holds all begins then all ends. Reflect
   * mirrors about the edge element without repeating it, repeatedly if a pad is wider than the
   * axis (numpy semantics); edge repeats the edge element. Reflect and edge need a non-empty axis
   * wherever they pad.
   */
  public static void pad(float[] x, int xOff, int[] dims, int[] pads, PadMode mode, float value,
      float[] y, int yOff) {
    int rank = dims.length;
    if (pads.length != 2 * rank) {
      throw new IllegalArgumentException(
          "pads has " + pads.length + " values, expected " + 2 * rank);
    }
    for (int i = 0; i < rank; i++) {
      if (pads[i] < 0 || pads[rank + i] < 0) {
        throw new IllegalArgumentException("pads must be non-negative: " + Arrays.toString(pads));
      }
      if (mode != PadMode.CONSTANT && dims[i] == 0 && pads[i] + pads[rank + i] > 0) {
        throw new IllegalArgumentException(mode + " pad of an empty axis " + i);
      }
    }
    padRec(0, dims, pads, mode, value, x, xOff, y, yOff);
  }

  private static int padRec(int d, int[] dims, int[] pads, PadMode mode, float value, float[] x,
      int ix, float[] y, int iy) {
    int rank = dims.length;
    if (d == rank) {
      y[iy] = x[ix];
      return iy + 1;
    }
    int inStride = 1;
    long outBlock = 1;
    for (int k = d + 1; k < rank; k++) {
      inStride *= dims[k];
      outBlock *= dims[k] + pads[k] + pads[rank + k];
    }
    int out = dims[d] + pads[d] + pads[rank + d];
    for (int j = 0; j < out; j++) {
      int at = j - pads[d];
      if (at < 0 || at >= dims[d]) {
        if (mode == PadMode.CONSTANT) {
          Arrays.fill(y, iy, iy + (int) outBlock, value);
          iy += (int) outBlock;
          continue;
        }
        at = mode == PadMode.EDGE ? Math.clamp(at, 0, dims[d] - 1) : reflect(at, dims[d]);
      }
      iy = padRec(d + 1, dims, pads, mode, value, x, ix + at * inStride, y, iy);
    }
    return iy;
  }

  /** Index {@code at} mirrored into {@code [0, n)} without repeating edges. */
  static int reflect(int at, int n) {
    if (n == 1) {
      return 0;
    }
    int period = 2 * (n - 1);
    int m = Math.floorMod(at, period);
    return m < n ? m : period - m;
  }

  private static void checkPerm(int[] perm, int rank) {
    if (perm.length != rank) {
      throw new IllegalArgumentException(
          "perm " + Arrays.toString(perm) + " has " + perm.length + " entries for rank " + rank);
    }
    boolean[] seen = new boolean[rank];
    for (int p : perm) {
      if (p < 0 || p >= rank || seen[p]) {
        throw new IllegalArgumentException(
            "perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (rank - 1));
      }
      seen[p] = true;
    }
  }
}
