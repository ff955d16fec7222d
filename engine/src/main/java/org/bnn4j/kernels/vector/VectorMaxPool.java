package org.bnn4j.kernels.vector;

import java.util.Arrays;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.MaxPoolKernel;
import org.bnn4j.kernels.ScalarMaxPool;
import org.bnn4j.kernels.Window2d;

/**
 * Separable max pool. Math.max is associative and commutative (NaN absorbs, -0.0 is below
 * +0.0), so an output row is the lane-wise max of its window's valid input rows, written to a
 * scratch row whose padding holds -Infinity (max(-Infinity, v) is v for every v, NaN and -0.0
 * included), followed by the max along that row over each output column's taps. Along the width,
 * strides 1 and 2 run on vectors (stride 2 keeps the even lanes of the stride-1 max), others on
 * scalars. {@code FloatVector.max} has Math.max semantics, so results are those of the scalar
 * kernel bit for bit; NaN is made canonical on the way out because its payload is the hardware's.
 */
final class VectorMaxPool implements MaxPoolKernel {
  private static final VectorSpecies<Float> FLOATS = VectorConstants.FLOATS;
  private static final int LANES = VectorConstants.FLOAT_LANES;
  private static final int HALF = LANES / 2;
  /** Even lanes of a vector to its low half (odd lanes to the high half). */
  private static final VectorShuffle<Float> EVENS_LOW =
      VectorShuffle.fromOp(FLOATS, i -> i < HALF ? 2 * i : 2 * (i - HALF) + 1);
  /** Even lanes of a vector to its high half (odd lanes to the low half). */
  private static final VectorShuffle<Float> EVENS_HIGH =
      VectorShuffle.fromOp(FLOATS, i -> i < HALF ? 2 * i + 1 : 2 * (i - HALF));
  private static final VectorMask<Float> HIGH_HALF = FLOATS.indexInRange(-HALF, HALF);

  private final int h;
  private final int w;
  private final int oh;
  private final int ow;
  private final int strideW;
  private final int rowStep; // floats between the input rows of one window
  private final int[] rowStart;
  private final int[] rowTaps;
  private final int taps; // kernel width
  private final int dw; // floats between a window's taps along the scratch row
  private final int[] emptyColumns; // output columns whose window lies in the padding
  private final int lead; // -Infinity floats before input column 0 in the scratch row
  private final int rowFloats;

  /** True when rows are at least one vector wide; narrower planes are the scalar kernel's. */
  static boolean supports(int w) {
    return w >= LANES;
  }

  VectorMaxPool(int h, int w, Window2d win, int oh, int ow) {
    this.h = h;
    this.w = w;
    this.oh = oh;
    this.ow = ow;
    this.strideW = win.strideW();
    this.rowStep = win.dilationH() * w;
    rowStart = new int[oh];
    rowTaps = new int[oh];
    ScalarMaxPool.validTaps(oh, h, win.kernelH(), win.strideH(), win.padTop(), win.dilationH(),
        rowStart, rowTaps);
    int[] colStart = new int[ow];
    int[] colTaps = new int[ow];
    ScalarMaxPool.validTaps(ow, w, win.kernelW(), strideW, win.padLeft(), win.dilationW(),
        colStart, colTaps);
    emptyColumns = IntStream.range(0, ow).filter(ox -> colTaps[ox] == 0).toArray();
    taps = win.kernelW();
    dw = win.dilationW();
    lead = win.padLeft();
    // The window of output ox starts at ox * strideW; a stride-2 vector block reads one float
    // past the last window, hence ow * strideW rather than (ow - 1) * strideW + 1.
    rowFloats = Math.max(lead + w, ow * strideW + (taps - 1) * dw);
  }

  @Override
  public int scratchFloats() {
    return rowFloats;
  }

  @Override
  public void run(float[] x, int xOff, float[] y, int yOff, int planeFrom, int planeTo,
      float[] scratch, int scratchOff) {
    Arrays.fill(scratch, scratchOff, scratchOff + lead, Float.NEGATIVE_INFINITY);
    Arrays.fill(scratch, scratchOff + lead + w, scratchOff + rowFloats, Float.NEGATIVE_INFINITY);
    for (int plane = planeFrom; plane < planeTo; plane++) {
      int xBase = xOff + plane * h * w;
      int yBase = yOff + plane * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        int yRow = yBase + oy * ow;
        if (rowTaps[oy] == 0) { // only in padding (ceil mode): the reference's value
          Arrays.fill(y, yRow, yRow + ow, -Float.MAX_VALUE);
          continue;
        }
        maxOverRows(x, xBase + rowStart[oy] * w, rowTaps[oy], scratch, scratchOff + lead);
        maxAlongRow(scratch, scratchOff, y, yRow);
        for (int ox : emptyColumns) {
          y[yRow + ox] = -Float.MAX_VALUE;
        }
      }
    }
  }

  // Vectors stay inside each method below: one returned from a call that C2 does not inline
  // would be boxed, an allocation per call. The first three taps are written out because
  // entering a loop of one or two vector iterations costs C2 more than the maxes (a 3x3 stride-2
  // pool took about 1.4 times as long with plain tap loops).

  /** Lane-wise max of {@code rows} input rows from {@code top} into {@code row[to ...]}. */
  private void maxOverRows(float[] x, int top, int rows, float[] row, int to) {
    int last = w - LANES;
    for (int j = 0; ; j += LANES) {
      int at = Math.min(j, last); // the last block overlaps the one before: same values
      int from = top + at;
      FloatVector m = FloatVector.fromArray(FLOATS, x, from);
      if (rows > 1) {
        m = m.max(FloatVector.fromArray(FLOATS, x, from + rowStep));
      }
      if (rows > 2) {
        m = m.max(FloatVector.fromArray(FLOATS, x, from + 2 * rowStep));
      }
      for (int r = 3; r < rows; r++) {
        m = m.max(FloatVector.fromArray(FLOATS, x, from + r * rowStep));
      }
      m.intoArray(row, to + at);
      if (at == last) {
        return;
      }
    }
  }

  /** Max over each output column's taps of the scratch row at {@code base} into y. */
  private void maxAlongRow(float[] row, int base, float[] y, int yRow) {
    if (strideW == 1 && ow >= LANES) {
      maxAlongRowStride1(row, base, y, yRow);
    } else if (strideW == 2 && ow >= LANES) {
      maxAlongRowStride2(row, base, y, yRow);
    } else {
      for (int ox = 0; ox < ow; ox++) {
        int at = base + ox * strideW;
        float m = row[at];
        for (int kx = 1; kx < taps; kx++) {
          m = Math.max(m, row[at + kx * dw]);
        }
        y[yRow + ox] = m != m ? Float.NaN : m;
      }
    }
  }

  private void maxAlongRowStride1(float[] row, int base, float[] y, int yRow) {
    int last = ow - LANES;
    for (int ox = 0; ; ox += LANES) {
      int at = Math.min(ox, last);
      int first = base + at;
      FloatVector m = FloatVector.fromArray(FLOATS, row, first);
      if (taps > 1) {
        m = m.max(FloatVector.fromArray(FLOATS, row, first + dw));
      }
      if (taps > 2) {
        m = m.max(FloatVector.fromArray(FLOATS, row, first + 2 * dw));
      }
      for (int kx = 3; kx < taps; kx++) {
        m = m.max(FloatVector.fromArray(FLOATS, row, first + kx * dw));
      }
      m.blend(Float.NaN, m.test(VectorOperators.IS_NAN)).intoArray(y, yRow + at);
      if (at == last) {
        return;
      }
    }
  }

  /** Stride-1 window maxima over twice the lanes, of which the even positions are kept. */
  private void maxAlongRowStride2(float[] row, int base, float[] y, int yRow) {
    int last = ow - LANES;
    for (int ox = 0; ; ox += LANES) {
      int at = Math.min(ox, last);
      int first = base + 2 * at;
      FloatVector low = FloatVector.fromArray(FLOATS, row, first);
      FloatVector high = FloatVector.fromArray(FLOATS, row, first + LANES);
      if (taps > 1) {
        low = low.max(FloatVector.fromArray(FLOATS, row, first + dw));
        high = high.max(FloatVector.fromArray(FLOATS, row, first + LANES + dw));
      }
      if (taps > 2) {
        low = low.max(FloatVector.fromArray(FLOATS, row, first + 2 * dw));
        high = high.max(FloatVector.fromArray(FLOATS, row, first + LANES + 2 * dw));
      }
      for (int kx = 3; kx < taps; kx++) {
        low = low.max(FloatVector.fromArray(FLOATS, row, first + kx * dw));
        high = high.max(FloatVector.fromArray(FLOATS, row, first + LANES + kx * dw));
      }
      FloatVector m = low.rearrange(EVENS_LOW).blend(high.rearrange(EVENS_HIGH), HIGH_HALF);
      m.blend(Float.NaN, m.test(VectorOperators.IS_NAN)).intoArray(y, yRow + at);
      if (at == last) {
        return;
      }
    }
  }
}
