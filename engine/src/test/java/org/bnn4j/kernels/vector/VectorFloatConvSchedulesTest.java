package org.bnn4j.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.FloatConvKernelTest;
import org.bnn4j.kernels.Kernels;
import org.bnn4j.kernels.Window2d;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every register tile of the packed float GEMM, whatever this machine's species would pick, in
 * every kernel that uses it (im2col with panels packed per worker, im2col with the whole patch
 * matrix shared, the padded-input kernel, strides 1 and 2), against the reference convolution within
 * 1e-4 relative: the {@link FloatConvKernelTest} sweep, then channel counts around the tile
 * heights and position counts that are not multiples of a panel. The results must not depend on
 * how the items are split over workers, bit for bit.
 */
class VectorFloatConvSchedulesTest {

  @BeforeEach
  void needsVectorModule() {
    Assumptions.assumeTrue(Kernels.vectorOrNull() != null,
        "pass --add-modules jdk.incubator.vector");
  }

  static VectorFloatGemm.Tile[] tiles() {
    return VectorFloatGemm.Tile.ALL;
  }

  /** The kernel under test: 0 fused im2col, 1 shared im2col, 2 padded input. */
  static FloatConvKernelTest.Factory factory(int kind, VectorFloatGemm.Tile tile) {
    return (c, h, w, m, win, oh, ow, wt, b) -> kind == 2
        ? new VectorFloatPaddedConv(c, h, w, m, win, oh, ow, wt, b, tile)
        : new VectorFloatConv(c, h, w, m, win, oh, ow, wt, b, kind == 0, tile);
  }

  private static void sweep(int kind, VectorFloatGemm.Tile tile) {
    FloatConvKernelTest.sweep((rnd, n, c, h, w, m, win, bias) -> {
      if (kind != 2 || VectorFloatPaddedConv.supports(win)) {
        FloatConvKernelTest.check(rnd, n, c, h, w, m, win, bias, factory(kind, tile));
      }
    });
  }

  @ParameterizedTest
  @MethodSource("tiles")
  void fusedPanelsMatchReference(VectorFloatGemm.Tile tile) {
    sweep(0, tile);
  }

  @ParameterizedTest
  @MethodSource("tiles")
  void sharedPatchMatrixMatchesReference(VectorFloatGemm.Tile tile) {
    sweep(1, tile);
  }

  @ParameterizedTest
  @MethodSource("tiles")
  void paddedInputMatchesReference(VectorFloatGemm.Tile tile) {
    sweep(2, tile);
  }

  /**
   * Output channels around the tile heights (1, 5, 6, 7, 13, 64, 65), input channels 1 to 130,
   * planes of 49, 45 and 15 positions, stride 2 and dilation 2, a 7x7 stride-2 stem-like layer
   * with 3 channels.
   */
  @ParameterizedTest
  @MethodSource("tiles")
  void channelAndPositionEdges(VectorFloatGemm.Tile tile) {
    Random rnd = new Random(5);
    Window2d same3 = new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
    Window2d down3 = new Window2d(3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
    Window2d dilated = new Window2d(3, 3, 1, 1, 2, 1, 2, 0, 2, 2);
    Window2d dilatedDown = new Window2d(3, 3, 2, 2, 2, 1, 2, 0, 2, 3);
    Window2d oneByOne = new Window2d(1, 1, 1, 1, 0, 0, 0, 0, 1, 1);
    int[][] planes = {{7, 7}, {5, 9}, {3, 5}};
    int i = 0;
    for (int m : new int[] {1, 5, 6, 7, 13, 64, 65}) {
      for (int c : new int[] {1, 3, 64, 65, 130}) {
        int[] p = planes[i % planes.length];
        Window2d win = i % 5 == 0 ? down3 : i % 5 == 1 ? dilated : i % 5 == 2 ? oneByOne
            : i % 5 == 3 ? same3 : dilatedDown;
        if (win.outH(p[0], false) <= 0 || win.outW(p[1], false) <= 0) {
          i++;
          continue;
        }
        for (int kind = 0; kind < 3; kind++) {
          if (kind != 2 || VectorFloatPaddedConv.supports(win)) {
            FloatConvKernelTest.check(rnd, 1, c, p[0], p[1], m, win, i % 2 == 0,
                factory(kind, tile));
          }
        }
        i++;
      }
    }
    Window2d stem = new Window2d(7, 7, 2, 2, 3, 3, 3, 3, 1, 1);
    for (int kind = 0; kind < 3; kind++) {
      FloatConvKernelTest.check(rnd, 1, 3, 30, 34, 13, stem, true, factory(kind, tile));
    }
  }

  /** The same bits whether one worker runs all items or three split them. */
  @ParameterizedTest
  @MethodSource("tiles")
  void bitsDoNotDependOnTheSplit(VectorFloatGemm.Tile tile) {
    Random rnd = new Random(11);
    int c = 19;
    int h = 11;
    int w = 13;
    int m = 14;
    Window2d win = new Window2d(3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
    int oh = win.outH(h, false);
    int ow = win.outW(w, false);
    float[] x = new float[c * h * w];
    float[] wt = new float[m * c * 9];
    float[] b = new float[m];
    for (float[] a : new float[][] {x, wt, b}) {
      for (int t = 0; t < a.length; t++) {
        a[t] = (float) rnd.nextGaussian();
      }
    }
    for (int kind = 0; kind < 3; kind++) {
      FloatConvKernel kernel = factory(kind, tile).create(c, h, w, m, win, oh, ow, wt, b);
      float[] whole = run(kernel, x, m * oh * ow, new int[] {kernel.workItems()});
      int n = kernel.workItems();
      float[] split = run(kernel, x, m * oh * ow, new int[] {n / 3, 2 * n / 3, n});
      assertArrayEquals(whole, split, "kind " + kind);
    }
  }

  /** Runs all items, cut at {@code ends}, each range with its own worker scratch. */
  private static float[] run(FloatConvKernel kernel, float[] x, int outFloats, int[] ends) {
    int shared = kernel.sharedScratchFloats();
    int per = kernel.workerScratchFloats();
    float[] scratch = new float[shared + ends.length * per];
    java.util.Arrays.fill(scratch, Float.NaN); // stale scratch must not leak into results
    float[] y = new float[outFloats];
    kernel.prepare(x, 0, 0, scratch, 0, 0, kernel.prepareItems());
    int from = 0;
    for (int s = 0; s < ends.length; s++) {
      kernel.run(x, 0, 0, y, 0, scratch, 0, shared + s * per, from, ends[s]);
      from = ends[s];
    }
    return y;
  }
}
