package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bnn4j.kernels.reference.Pooling;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The scalar and the vector provider's max pools against the reference, bit for bit, over window
 * shapes, widths around the vector length, NaN (with any payload) and signed zeros.
 */
class MaxPoolKernelTest {
  private static final int[] WIDTHS = {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 112, 113};
  private static final int SCRATCH_OFF = 3;
  private static final float SENTINEL = 12345.5f;

  private static List<KernelProvider> providers() {
    List<KernelProvider> all = new ArrayList<>(List.of(Kernels.scalar()));
    KernelProvider vector = Kernels.vectorOrNull();
    if (vector != null) {
      all.add(vector);
    }
    return all;
  }

  @Test
  void matchesReferenceForEveryWindow() {
    Random rnd = new Random(3);
    int cases = 0;
    for (int k : new int[] {1, 2, 3, 5}) {
      for (int s : new int[] {1, 2, 3}) {
        for (int pad : new int[] {0, 1, 2}) {
          for (int dil : new int[] {1, 2}) {
            for (boolean ceil : new boolean[] {false, true}) {
              if (pad >= k) {
                continue;
              }
              for (int w : WIDTHS) {
                int h = 1 + rnd.nextInt(13);
                Window2d win = new Window2d(k, k, s, s, pad, pad, pad + (ceil ? 1 : 0),
                    pad + (ceil ? 1 : 0), dil, dil);
                if (win.outH(h, ceil) < 1 || win.outW(w, ceil) < 1) {
                  continue;
                }
                for (KernelProvider p : providers()) {
                  check(rnd, p, h, w, win, ceil, 1 + rnd.nextInt(3), false);
                }
                cases++;
              }
            }
          }
        }
      }
    }
    assertEquals(true, cases > 500, "cases " + cases);
    Assumptions.assumeTrue(Kernels.vectorOrNull() != null,
        "vector module absent: only the scalar kernel ran");
  }

  /** Kernel, stride, pads and dilation differing between the axes. */
  @Test
  void matchesReferenceForUnevenWindows() {
    Random rnd = new Random(11);
    for (int i = 0; i < 300; i++) {
      int kh = 1 + rnd.nextInt(4);
      int kw = 1 + rnd.nextInt(4);
      Window2d win = new Window2d(kh, kw, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3),
          rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw),
          1 + rnd.nextInt(3), 1 + rnd.nextInt(3));
      boolean ceil = rnd.nextBoolean();
      int h = 1 + rnd.nextInt(20);
      int w = WIDTHS[rnd.nextInt(WIDTHS.length)];
      if (win.outH(h, ceil) < 1 || win.outW(w, ceil) < 1) {
        continue;
      }
      for (KernelProvider p : providers()) {
        check(rnd, p, h, w, win, ceil, 1 + rnd.nextInt(3), false);
      }
    }
  }

  /** NaN of any payload (negative, signalling) comes out as the canonical NaN. */
  @Test
  void anyNaNGivesTheCanonicalNaN() {
    Random rnd = new Random(17);
    for (int w : WIDTHS) {
      for (int s : new int[] {1, 2, 3}) {
        Window2d win = new Window2d(3, 3, s, s, 1, 1, 1, 1, 1, 1);
        for (KernelProvider p : providers()) {
          check(rnd, p, 9, w, win, false, 2, true);
        }
      }
    }
  }

  /** The Bi-Real ResNet-18 stem pool, on a plane range in the middle of the tensor. */
  @Test
  void stemShape() {
    Random rnd = new Random(23);
    Window2d win = new Window2d(3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
    for (KernelProvider p : providers()) {
      check(rnd, p, 112, 112, win, false, 6, false);
      check(rnd, p, 112, 112, win, false, 6, true);
    }
    KernelProvider vector = Kernels.vectorOrNull();
    Assumptions.assumeTrue(vector != null, "vector module absent");
    assertNotSame(ScalarMaxPool.class, vector.maxPool(new PoolSpec(112, 112, win, 56, 56)).getClass());
  }

  /**
   * Pools planes [1, planes - 1) of a random tensor (every plane when there are fewer than 3)
   * and compares with the reference; outputs outside the range and the floats around the
   * scratch must stay untouched, and stale scratch must not matter.
   */
  private static void check(Random rnd, KernelProvider provider, int h, int w, Window2d win,
      boolean ceil, int planes, boolean oddNaNs) {
    int oh = win.outH(h, ceil);
    int ow = win.outW(w, ceil);
    int xOff = 2;
    int yOff = 1;
    float[] x = new float[xOff + planes * h * w + 1];
    for (int i = 0; i < x.length; i++) {
      x[i] = switch (rnd.nextInt(20)) {
        case 0 -> oddNaNs ? oddNaN(rnd) : Float.NaN;
        case 1 -> -0.0f;
        case 2 -> 0.0f;
        case 3 -> rnd.nextBoolean() ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        default -> (float) rnd.nextGaussian();
      };
    }
    float[] want = new float[yOff + planes * oh * ow + 1];
    Pooling.maxPool2d(x, xOff, planes, 1, h, w, win, want, yOff, oh, ow);
    int from = planes < 3 ? 0 : 1;
    int to = planes < 3 ? planes : planes - 1;
    MaxPoolKernel kernel = provider.maxPool(new PoolSpec(h, w, win, oh, ow));
    float[] scratch = new float[SCRATCH_OFF + kernel.scratchFloats() + SCRATCH_OFF];
    for (int i = 0; i < scratch.length; i++) {
      scratch[i] = i < SCRATCH_OFF || i >= scratch.length - SCRATCH_OFF ? SENTINEL
          : oddNaN(rnd); // stale: whatever was there must not matter
    }
    float[] got = new float[want.length];
    Arrays.fill(got, SENTINEL);
    kernel.run(x, xOff, got, yOff, from, to, scratch, SCRATCH_OFF);
    String where = provider.name() + " " + win + " ceil=" + ceil + " h=" + h + " w=" + w;
    for (int i = 0; i < want.length; i++) {
      int plane = (i - yOff) / (oh * ow);
      boolean inRange = i >= yOff && plane >= from && plane < to;
      // the reference passes a NaN's payload on (which one depends on the JIT); the kernels
      // give the canonical NaN
      float expected = !inRange ? SENTINEL : oddNaNs && want[i] != want[i] ? Float.NaN : want[i];
      assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[i]),
          where + " element " + i);
    }
    for (int i = 0; i < SCRATCH_OFF; i++) {
      assertEquals(SENTINEL, scratch[i], where + " wrote before its scratch");
      assertEquals(SENTINEL, scratch[scratch.length - 1 - i], where + " wrote past its scratch");
    }
  }

  private static float oddNaN(Random rnd) {
    int[] payloads = {0xffc00000, 0x7f800001, 0xff800001, 0x7fc00123, 0x7fc00000};
    return Float.intBitsToFloat(payloads[rnd.nextInt(payloads.length)]);
  }
}
