package org.bnn4j.kernels.vector;

import static org.bnn4j.kernels.vector.VectorBinaryConv.OCB;

import java.util.Arrays;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.Window2d;

/**
 * How {@link VectorBinaryConv} lays a layer out at load, apart from the kernel's hot loops:
 * which layers it takes, the weights interleaved by block of output channels, and the padding
 * classes of output rows and columns.
 */
final class VectorBinaryConvLayout {
  private VectorBinaryConvLayout() {}

  /** Larger staged inputs (2 GiB) are left to the scalar kernel. */
  static final long MAX_STAGED_WORDS = 1L << 28;

  /**
   * True when {@link VectorBinaryConv} takes {@code s}: every window inside the zero-haloed
   * input, a staged input under {@link #MAX_STAGED_WORDS}, groups starting on a word, and a tap
   * bias small enough to sum exactly as integers.
   */
  static boolean supports(BinaryConvSpec s) {
    Window2d win = s.win();
    // Every window must lie inside the (zero-haloed) input, as the output size implies.
    boolean inside = (s.oh() - 1) * win.strideH() + (win.kernelH() - 1) * win.dilationH()
        < s.h() + win.padTop() + win.padBottom()
        && (s.ow() - 1) * win.strideW() + (win.kernelW() - 1) * win.dilationW()
        < s.w() + win.padLeft() + win.padRight();
    long stagedWords = (long) s.n() * (s.h() + win.padTop() + win.padBottom())
        * (s.w() + win.padLeft() + win.padRight()) * Bitpack.words(s.c());
    if (!inside || stagedWords > MAX_STAGED_WORDS) {
      return false;
    }
    if (s.group() != 1 && (s.c() / s.group()) % 64 != 0) {
      return false;
    }
    if (s.tapBias() != null && !s.denseTapBias()) {
      // The tap bias is summed into the integer dot. The reference adds it to the float dot
      // instead; the two agree when both convert to float exactly, at most 2^24 in magnitude.
      int taps = s.win().kernelH() * s.win().kernelW();
      if ((long) taps * (s.c() / s.group()) > 1 << 24) {
        return false;
      }
      for (int oc = 0; oc < s.m(); oc++) {
        long magnitude = 0;
        for (int t = 0; t < taps; t++) {
          magnitude += Math.abs((long) (int) s.tapBias()[oc * taps + t]);
        }
        if (magnitude > 1 << 24) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Sorts the output rows (or columns) into classes by the kernel rows that fall inside the
   * input, always a range [lo, hi] because the input row grows with the kernel row; fills {@code
   * cls} and returns the classes' ranges as {@code {lo0, hi0, lo1, hi1, ...}}.
   */
  static int[] paddingClasses(int out, int k, int stride, int pad, int dilation, int in,
      int[] cls) {
    int[] ranges = new int[2 * out];
    int classes = 0;
    for (int o = 0; o < out; o++) {
      int lo = 0;
      while (lo < k && o * stride - pad + lo * dilation < 0) {
        lo++;
      }
      int hi = k - 1;
      while (hi >= 0 && o * stride - pad + hi * dilation >= in) {
        hi--;
      }
      if (lo > hi) {
        lo = 0;
        hi = -1;
      }
      int c = 0;
      while (c < classes && (ranges[2 * c] != lo || ranges[2 * c + 1] != hi)) {
        c++;
      }
      if (c == classes) {
        ranges[2 * c] = lo;
        ranges[2 * c + 1] = hi;
        classes++;
      }
      cls[o] = c;
    }
    return Arrays.copyOf(ranges, 2 * classes);
  }

  /**
   * Weights {@code [m, taps, kWords]} interleaved as {@code [group * blocksPerGroup][taps]
   * [kWords][OCB]}, so that one vector load yields one word of {@code lanes} output channels;
   * zero past the group's channels and in the pad bits of the last word. Fills {@code
   * tapPopcount[oc * taps + t]} with the weight popcount of each tap.
   */
  static long[] packWeights(long[] wt, int group, int mpg, int blocksPerGroup, int taps,
      int kWords, int cpg, int[] tapPopcount) {
    long lastMask = (cpg & 63) == 0 ? -1L : (1L << (cpg & 63)) - 1;
    long[] packed = new long[group * blocksPerGroup * taps * kWords * OCB];
    for (int g = 0; g < group; g++) {
      for (int blk = 0; blk < blocksPerGroup; blk++) {
        for (int j = 0; j < OCB; j++) {
          int local = blk * OCB + j;
          if (local >= mpg) {
            continue;
          }
          int oc = g * mpg + local;
          for (int t = 0; t < taps; t++) {
            int pc = 0;
            for (int k = 0; k < kWords; k++) {
              long v = wt[(oc * taps + t) * kWords + k];
              if (k == kWords - 1) {
                v &= lastMask;
              }
              packed[((((g * blocksPerGroup + blk) * taps + t) * kWords + k) * OCB) + j] = v;
              pc += Long.bitCount(v);
            }
            tapPopcount[oc * taps + t] = pc;
          }
        }
      }
    }
    return packed;
  }
}
