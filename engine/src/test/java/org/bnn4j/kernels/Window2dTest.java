package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tap ranges that skip padding hold exactly the taps that read inside the input. */
class Window2dTest {

  @Test
  void tapRangesAreTheTapsInsideTheInputInKernelOrder() {
    for (int k = 1; k <= 4; k++) {
      for (int stride = 1; stride <= 3; stride++) {
        for (int dil = 1; dil <= 3; dil++) {
          for (int pad = 0; pad <= 4; pad++) {
            for (int size = 1; size <= 7; size++) {
              Window2d win = new Window2d(k, k + 1, stride, stride, pad, pad, pad, pad, dil, dil);
              int out = Math.max(win.outH(size, true), win.outW(size, true)) + 2;
              for (int o = 0; o < out; o++) {
                String what = win + " size " + size + " output " + o;
                assertEquals(inside(o, stride, pad, dil, k, size),
                    range(win.firstTapY(o), win.endTapY(o, size)), what);
                assertEquals(inside(o, stride, pad, dil, k + 1, size),
                    range(win.firstTapX(o), win.endTapX(o, size)), what);
                for (int t : range(win.firstTapY(o), win.endTapY(o, size))) {
                  assertEquals(o * stride - pad + t * dil, win.inputY(o, t), what);
                  assertEquals(o * stride - pad + t * dil, win.inputX(o, t), what);
                }
              }
            }
          }
        }
      }
    }
  }

  /** The definition: every tap of the kernel whose input index lies in [0, size). */
  private static List<Integer> inside(int o, int stride, int pad, int dil, int k, int size) {
    List<Integer> taps = new ArrayList<>();
    for (int t = 0; t < k; t++) {
      int i = o * stride - pad + t * dil;
      if (i >= 0 && i < size) {
        taps.add(t);
      }
    }
    return taps;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> taps = new ArrayList<>();
    for (int t = from; t < to; t++) {
      taps.add(t);
    }
    return taps;
  }
}
