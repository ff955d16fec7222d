package org.bnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.bnn4j.kernels.reference.Pooling;
import org.bnn4j.kernels.reference.Window2d;
import org.junit.jupiter.api.Test;

/** The precomputed-range max pool against the reference, bit for bit, over window shapes. */
class MaxPoolKernelTest {

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
              int h = 1 + rnd.nextInt(13);
              int w = 1 + rnd.nextInt(13);
              Window2d win = new Window2d(k, k, s, s, pad, pad, pad + (ceil ? 1 : 0), pad, dil,
                  dil);
              int oh = win.outH(h, ceil);
              int ow = win.outW(w, ceil);
              if (oh < 1 || ow < 1) {
                continue;
              }
              int planes = 1 + rnd.nextInt(5);
              float[] x = new float[2 + planes * h * w];
              for (int i = 0; i < x.length; i++) {
                x[i] = switch (rnd.nextInt(20)) {
                  case 0 -> Float.NaN;
                  case 1 -> -0.0f;
                  case 2 -> 0.0f;
                  default -> (float) rnd.nextGaussian();
                };
              }
              float[] want = new float[1 + planes * oh * ow];
              float[] got = new float[1 + planes * oh * ow];
              Pooling.maxPool2d(x, 2, planes, 1, h, w, win, want, 1, oh, ow);
              new MaxPoolKernel(h, w, win, oh, ow).run(x, 2, planes, got, 1);
              for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    win + " h=" + h + " w=" + w + " element " + i);
              }
              cases++;
            }
          }
        }
      }
    }
    assertEquals(true, cases > 50, "cases " + cases);
  }
}
