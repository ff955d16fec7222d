package org.bnn4j.kernels.reference;

/**
 * Reference kernels for the ops that PyTorch exports of binary networks leave in a graph beside
 * the binary layers: the QONNX bipolar sign, ONNX Where over 0/1 masks and a strided Slice
 * (LogSoftmax lives beside softmax in {@link Softmax}). Each allocates nothing and reads its
 * inputs in one fixed order.
 */
public final class MaskOps {
  private MaskOps() {}

  /** {@code y = x < 0 ? -1 : +1}: 0 (and -0, and NaN) read as +1, as QONNX BipolarQuant. */
  public static void bipolarSign(float[] x, int xOff, float[] y, int yOff, int count) {
    for (int i = 0; i < count; i++) {
      y[yOff + i] = x[xOff + i] < 0f ? -1f : 1f;
    }
  }

  /**
   * {@code y = cond != 0 ? a : b} with numpy broadcasting of the three inputs to {@code yDims}
   * (rank at most {@link Broadcast#MAX_RANK}; the caller checks the shapes broadcast).
   */
  public static void where(
      float[] cond, int cOff, int[] cDims,
      float[] a, int aOff, int[] aDims,
      float[] b, int bOff, int[] bDims,
      float[] y, int yOff, int[] yDims) {
    whereRec(0, yDims, cond, cOff, cDims, a, aOff, aDims, b, bOff, bDims, y, yOff);
  }

  private static int whereRec(int d, int[] yDims, float[] c, int ic, int[] cDims,
      float[] a, int ia, int[] aDims, float[] b, int ib, int[] bDims, float[] y, int iy) {
    if (d == yDims.length) {
      y[iy] = c[ic] != 0f ? a[ia] : b[ib];
      return iy + 1;
    }
    int r = yDims.length;
    int sc = Broadcast.stride(cDims, r, d);
    int sa = Broadcast.stride(aDims, r, d);
    int sb = Broadcast.stride(bDims, r, d);
    for (int j = 0; j < yDims[d]; j++) {
      iy = whereRec(d + 1, yDims, c, ic + j * sc, cDims, a, ia + j * sa, aDims,
          b, ib + j * sb, bDims, y, iy);
    }
    return iy;
  }

  /**
   * Strided slice: output element (i_0, ..., i_r) reads x at (starts[d] + i_d * steps[d]) on
   * every axis d; {@code xStride} holds x's row-major strides. The caller checks every index is
   * inside x.
   */
  public static void slice(float[] x, int xOff, int[] xStride, int[] starts, int[] steps,
      float[] y, int yOff, int[] yDims) {
    sliceRec(0, x, xOff, xStride, starts, steps, y, yOff, yDims);
  }

  private static int sliceRec(int d, float[] x, int ix, int[] xStride, int[] starts,
      int[] steps, float[] y, int iy, int[] yDims) {
    if (d == yDims.length) {
      y[iy] = x[ix];
      return iy + 1;
    }
    int at = ix + starts[d] * xStride[d];
    for (int j = 0; j < yDims[d]; j++) {
      iy = sliceRec(d + 1, x, at + j * steps[d] * xStride[d], xStride, starts, steps, y, iy,
          yDims);
    }
    return iy;
  }
}
