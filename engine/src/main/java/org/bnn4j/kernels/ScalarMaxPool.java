package org.bnn4j.kernels;


/**
 * The scalar max pool, the default of {@link KernelProvider#maxPool}: the valid tap range of
 * every output row and column is computed once, so the inner loops carry no bounds checks, and
 * the max is branch-free.
 */
public final class ScalarMaxPool implements MaxPoolKernel {
  private final int h;
  private final int w;
  private final int oh;
  private final int ow;
  private final int dh;
  private final int dw;
  private final int[] rowStart; // first input row of output row oy's first valid tap
  private final int[] rowTaps;  // valid taps along the height
  private final int[] colStart;
  private final int[] colTaps;
  private final int[] windowOffsets; // input offsets of a full window's taps, row-major

  public ScalarMaxPool(int h, int w, Window2d win, int oh, int ow) {
    this.h = h;
    this.w = w;
    this.oh = oh;
    this.ow = ow;
    this.dh = win.dilationH();
    this.dw = win.dilationW();
    rowStart = new int[oh];
    rowTaps = new int[oh];
    validTaps(oh, h, win.kernelH(), win.strideH(), win.padTop(), dh, rowStart, rowTaps);
    colStart = new int[ow];
    colTaps = new int[ow];
    validTaps(ow, w, win.kernelW(), win.strideW(), win.padLeft(), dw, colStart, colTaps);
    windowOffsets = new int[win.kernelH() * win.kernelW()];
    for (int ky = 0; ky < win.kernelH(); ky++) {
      for (int kx = 0; kx < win.kernelW(); kx++) {
        windowOffsets[ky * win.kernelW() + kx] = ky * dh * w + kx * dw;
      }
    }
  }

  /**
   * Along one axis: per output index, the first in-range input index (0 when none) and the
   * number of in-range taps. Public for the vector kernel, which clips rows the same way.
   */
  public static void validTaps(int outs, int in, int kernel, int stride, int pad, int dilation,
      int[] start, int[] taps) {
    for (int o = 0; o < outs; o++) {
      int first = -1;
      int count = 0;
      for (int k = 0; k < kernel; k++) {
        int i = o * stride - pad + k * dilation;
        if (i >= 0 && i < in) {
          first = first < 0 ? i : first;
          count++;
        }
      }
      start[o] = Math.max(first, 0);
      taps[o] = count;
    }
  }

  @Override
  public int scratchFloats() {
    return 0;
  }

  @Override
  public void run(float[] x, int xOff, float[] y, int yOff, int planeFrom, int planeTo,
      float[] scratch, int scratchOff) {
    for (int plane = planeFrom; plane < planeTo; plane++) {
      int xBase = xOff + plane * h * w;
      int yBase = yOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        int rows = rowTaps[oy];
        int rowBase = xBase + rowStart[oy] * w;
        for (int ox = 0; ox < ow; ox++) {
          int cols = colTaps[ox];
          int best = Integer.MIN_VALUE; // below every key
          boolean nan = false;
          int at = rowBase + colStart[ox];
          if (rows * cols == windowOffsets.length) { // the whole window is inside: one flat loop
            for (int off : windowOffsets) {
              float v = x[at + off];
              nan |= v != v;
              best = Math.max(best, key(v));
            }
            y[yBase + oy * ow + ox] = nan ? Float.NaN : Float.intBitsToFloat(key(best));
            continue;
          }
          for (int ky = 0; ky < rows; ky++) {
            int i = at + ky * dh * w;
            for (int kx = 0; kx < cols; kx++) {
              float v = x[i + kx * dw];
              nan |= v != v;
              best = Math.max(best, key(v));
            }
          }
          y[yBase + oy * ow + ox] = rows == 0 || cols == 0 ? -Float.MAX_VALUE
              : nan ? Float.NaN : Float.intBitsToFloat(key(best));
        }
      }
    }
  }

  /**
   * Float bits as an int in the order of Math.max (-0.0 below +0.0); its own inverse. An int
   * max compiles to a conditional move, where a float max branches on every tap and mispredicts
   * on real activations (with Math.max on floats the Bi-Real stem pool took about twice as long).
   * NaN is tracked apart: any NaN in the window gives NaN, as Math.max does.
   */
  private static int key(float v) {
    int b = Float.floatToRawIntBits(v);
    return b ^ ((b >> 31) & 0x7fffffff);
  }

  private static int key(int k) {
    return k ^ ((k >> 31) & 0x7fffffff);
  }
}
