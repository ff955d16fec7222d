package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Binarize with {@code zero = "zero"} (ONNX Sign) feeding binary layers, on random data with
 * exact zeros, against a plain float computation written here: sign in {-1, 0, +1}, an
 * optional max pool of those, and a convolution with +-1 weights and zero padding, whose sums
 * are exact integers. The reference ops, the scalar provider and the vector kernels at 1, 2 and
 * 3 threads must all give exactly those numbers; batches mix images with and without zeros.
 */
class ZeroStatesTest {

  /** One layer's geometry; pool is {kernel, stride, pad} or null. */
  record Case(int n, int c, int h, int w, int m, int k, int stride, int[] pads, int group,
      int[] pool) {}

  static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    int[][] pads = {{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 2, 1}};
    for (int c : new int[] {1, 63, 64, 65, 130}) {
      for (int[] p : pads) {
        for (int stride : new int[] {1, 2}) {
          out.add(new Case(2, c, 7, 6, 17, 3, stride, p, 1, null));
        }
      }
      out.add(new Case(3, c, 5, 5, 5, 1, 1, new int[4], 1, null));
      out.add(new Case(2, c, 8, 7, 9, 3, 1, new int[] {1, 1, 1, 1}, 1, new int[] {3, 1, 1}));
      out.add(new Case(1, c, 8, 8, 6, 3, 1, new int[] {1, 1, 1, 1}, 1, new int[] {2, 2, 0}));
    }
    // Groups: word-aligned (the vector kernel's) and not (the reference's).
    out.add(new Case(2, 128, 6, 6, 20, 3, 1, new int[] {1, 1, 1, 1}, 2, null));
    out.add(new Case(2, 130, 6, 6, 20, 3, 2, new int[] {1, 1, 1, 1}, 2, null));
    out.add(new Case(2, 6, 6, 6, 6, 3, 1, new int[] {1, 1, 1, 1}, 6, null));
    return out;
  }

  /** Inputs on a grid of 1/2 with thresholds on it too: many exact hits. Image 1 has none. */
  static float[] input(Random rnd, Case k, float[] thr, boolean dense) {
    int hw = dense ? 1 : k.h() * k.w();
    float[] x = new float[k.n() * k.c() * hw];
    for (int b = 0; b < k.n(); b++) {
      for (int ch = 0; ch < k.c(); ch++) {
        for (int p = 0; p < hw; p++) {
          float v = Math.round(rnd.nextGaussian() * 2) / 2f;
          if (b == 1 && v == thr[ch]) {
            v += 0.25f; // an image without zeros, beside images with them
          }
          x[(b * k.c() + ch) * hw + p] = v;
        }
      }
    }
    return x;
  }

  static Graph graph(Random rnd, Case k, float[] thr, long[] wt, boolean dense) {
    GraphBuilder b = dense ? new GraphBuilder().input("x", k.n(), k.c())
        : new GraphBuilder().input("x", k.n(), k.c(), k.h(), k.w());
    b.constant("thr", thr, k.c());
    float[] ones = new float[k.m()];
    java.util.Arrays.fill(ones, 1f);
    b.constant("mult", ones, k.m()).constant("bias", new float[k.m()], k.m());
    Graph g = b.build();
    int cpg = k.c() / k.group();
    g.constants().put("w", dense ? ConstTensor.ofBits(new int[] {k.m(), k.c()}, wt)
        : ConstTensor.ofBits(new int[] {k.m(), k.k(), k.k(), cpg}, wt));
    b.node(OpType.BINARIZE, "xb", List.of("x", "thr"), "zero", "zero");
    String in = "xb";
    if (k.pool() != null) {
      int[] p = k.pool();
      b.node(OpType.BIT_MAX_POOL2D, "xp", List.of("xb"), "kernel", new int[] {p[0], p[0]},
          "strides", new int[] {p[1], p[1]}, "pads", new int[] {p[2], p[2], p[2], p[2]});
      in = "xp";
    }
    if (dense) {
      b.node(OpType.BINARY_DENSE, "y", List.of(in, "w", "mult", "bias"), "output", "float");
    } else {
      b.node(OpType.BINARY_CONV2D, "y", List.of(in, "w", "mult", "bias"), "strides",
          new int[] {k.stride(), k.stride()}, "pads", k.pads(), "group", k.group(), "output",
          "float");
    }
    return b.output("y").build();
  }

  /** The plain float computation: three-state signs, max pool, convolution. */
  static float[] expected(Case k, float[] x, float[] thr, long[] wt, boolean dense) {
    int h = dense ? 1 : k.h();
    int w = dense ? 1 : k.w();
    float[] s = new float[x.length];
    for (int b = 0; b < k.n(); b++) {
      for (int ch = 0; ch < k.c(); ch++) {
        for (int p = 0; p < h * w; p++) {
          int i = (b * k.c() + ch) * h * w + p;
          s[i] = x[i] < thr[ch] ? -1f : x[i] == thr[ch] ? 0f : 1f;
        }
      }
    }
    if (k.pool() != null) {
      int pk = k.pool()[0];
      int ps = k.pool()[1];
      int pp = k.pool()[2];
      int ph = (h + 2 * pp - pk) / ps + 1;
      int pw = (w + 2 * pp - pk) / ps + 1;
      float[] pooled = new float[k.n() * k.c() * ph * pw];
      for (int bc = 0; bc < k.n() * k.c(); bc++) {
        for (int oy = 0; oy < ph; oy++) {
          for (int ox = 0; ox < pw; ox++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int ky = 0; ky < pk; ky++) {
              for (int kx = 0; kx < pk; kx++) {
                int iy = oy * ps - pp + ky;
                int ix = ox * ps - pp + kx;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                  max = Math.max(max, s[(bc * h + iy) * w + ix]);
                }
              }
            }
            pooled[(bc * ph + oy) * pw + ox] = max;
          }
        }
      }
      s = pooled;
      h = ph;
      w = pw;
    }
    int kk = dense ? 1 : k.k();
    int[] pads = dense ? new int[4] : k.pads();
    int stride = dense ? 1 : k.stride();
    int oh = (h + pads[0] + pads[2] - kk) / stride + 1;
    int ow = (w + pads[1] + pads[3] - kk) / stride + 1;
    int cpg = k.c() / k.group();
    int mpg = k.m() / k.group();
    int words = Bitpack.words(cpg);
    float[] y = new float[k.n() * k.m() * oh * ow];
    for (int b = 0; b < k.n(); b++) {
      for (int oc = 0; oc < k.m(); oc++) {
        int g = oc / mpg;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            float acc = 0;
            for (int ky = 0; ky < kk; ky++) {
              for (int kx = 0; kx < kk; kx++) {
                int iy = oy * stride - pads[0] + ky;
                int ix = ox * stride - pads[1] + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                  continue; // zero padding
                }
                for (int ci = 0; ci < cpg; ci++) {
                  long word = wt[((oc * kk + ky) * kk + kx) * words + (ci >>> 6)];
                  float wv = (word >>> (ci & 63) & 1L) != 0 ? -1f : 1f;
                  acc += wv * s[((b * k.c() + g * cpg + ci) * h + iy) * w + ix];
                }
              }
            }
            y[((b * k.m() + oc) * oh + oy) * ow + ox] = acc;
          }
        }
      }
    }
    return y;
  }

  static void check(Case k, boolean dense, long seed) {
    Random rnd = new Random(seed);
    float[] thr = new float[k.c()];
    for (int i = 0; i < k.c(); i++) {
      thr[i] = (rnd.nextInt(5) - 2) / 2f;
    }
    int kk = dense ? 1 : k.k();
    long[] wt = FastOpsTest.bits(rnd, k.m() * kk * kk, k.c() / k.group());
    float[] x = input(rnd, k, thr, dense);
    float[] want = expected(k, x, thr, wt, dense);
    String what = k + (dense ? " dense" : "");
    float[] ref = FastOpsTest.run(CompiledGraph.compile(graph(rnd, k, thr, wt, dense),
        new ReferenceOps()), x, 1);
    assertArrayEquals(want, ref, "reference ops, " + what);
    float[] scalar = FastOpsTest.run(CompiledGraph.compile(graph(rnd, k, thr, wt, dense),
        new FastOps(Kernels.scalar())), x, 2);
    assertArrayEquals(want, scalar, "scalar provider, " + what);
    KernelProvider vector = Kernels.vectorOrNull();
    if (vector != null) {
      CompiledGraph fast = CompiledGraph.compile(graph(rnd, k, thr, wt, dense),
          new FastOps(vector));
      for (int threads : new int[] {1, 2, 3}) {
        assertArrayEquals(want, FastOpsTest.run(fast, x, threads),
            "vector, " + threads + " thread(s), " + what);
      }
    }
  }

  @Test
  void convsOverZerosMatchPlainFloatComputation() {
    long seed = 1;
    for (Case k : cases()) {
      check(k, false, seed++);
    }
  }

  @Test
  void denseOverZerosMatchesPlainFloatComputation() {
    long seed = 100;
    for (int c : new int[] {1, 63, 64, 65, 130}) {
      check(new Case(3, c, 1, 1, 11, 1, 1, new int[4], 1, null), true, seed++);
    }
  }

  @Test
  void inputsWithoutZerosTakeThePlainPathAndStayExact() {
    // Same graph, no input at a threshold: every flag stays 0.
    Case k = new Case(2, 65, 7, 6, 17, 3, 1, new int[] {1, 1, 1, 1}, 1, null);
    Random rnd = new Random(7);
    float[] thr = new float[k.c()];
    long[] wt = FastOpsTest.bits(rnd, k.m() * 9, k.c());
    float[] x = new float[k.n() * k.c() * k.h() * k.w()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian() + (rnd.nextBoolean() ? 1e-3f : -1e-3f);
      assertTrue(x[i] != 0f);
    }
    float[] want = expected(k, x, thr, wt, false);
    KernelProvider vector = Kernels.vectorOrNull();
    CompiledGraph fast = CompiledGraph.compile(graph(rnd, k, thr, wt, false),
        new FastOps(vector != null ? vector : Kernels.scalar()));
    assertArrayEquals(want, FastOpsTest.run(fast, x, 2));
    assertEquals(k.n() * k.m() * 7 * 6, want.length);
  }
}
