package org.bnn4j.convert;

import java.util.HashMap;
import java.util.Map;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ElementType;

/**
 * A plain interpreter for the ops the pass tests use, written from the op contracts in {@code
 * OpType} and the BIT CONVENTION, independent of the passes and of the engine's kernels (which
 * model-format cannot see). Values are float arrays over their logical dims, row-major (NCHW for
 * rank 4); a bits value holds -1, 0 or +1 per element, so a binary layer is evaluated the same
 * way as the float graph it came from. Element-wise ops round every operation to float, as ONNX
 * does (the straight-through estimator's exactness depends on it); convolutions, Gemm and
 * BatchNormalization accumulate in double and round once, the most accurate float answer.
 */
final class FloatReference {
  private final Graph g;
  private final Map<String, float[]> values = new HashMap<>();

  private FloatReference(Graph g) {
    this.g = g;
  }

  /** The graph's first output for the given inputs (one per graph input, in order). */
  static float[] run(Graph g, float[]... inputs) {
    return runAll(g, inputs).get(g.outputs().get(0));
  }

  /** Every value the graph computes, by name, for the given inputs. */
  static Map<String, float[]> runAll(Graph g, float[]... inputs) {
    FloatReference r = new FloatReference(g);
    for (int i = 0; i < inputs.length; i++) {
      r.values.put(g.inputs().get(i), inputs[i]);
    }
    for (OpNode n : g.nodes()) {
      r.values.put(n.output(0), r.eval(n));
    }
    return r.values;
  }

  private int[] dims(String name) {
    return g.typeOf(name).dims();
  }

  private float[] in(OpNode n, int i) {
    String name = n.input(i);
    float[] v = values.get(name);
    if (v != null) {
      return v;
    }
    ConstTensor c = g.constant(name);
    if (c == null) {
      throw new AssertionError(n + ": input '" + name + "' has no value");
    }
    return switch (c.type()) {
      case FLOAT32 -> c.floats();
      case BITS -> unpack(c);
      default -> throw new AssertionError(n + ": input '" + name + "' is " + c.type());
    };
  }

  private long[] longs(OpNode n, int i) {
    ConstTensor c = g.constant(n.input(i));
    if (c == null || c.type() != ElementType.INT64) {
      throw new AssertionError(n + ": input " + i + " is not an int64 constant");
    }
    return c.longs();
  }

  /** +1 for bit 0, -1 for bit 1, over the logical dims [rows..., channels]. */
  static float[] unpack(ConstTensor c) {
    int[] d = c.dims();
    int channels = d[d.length - 1];
    int words = ConstTensor.wordsPerRow(channels);
    int rows = (int) (c.elementCount() / channels);
    float[] out = new float[rows * channels];
    long[] w = c.longs();
    for (int r = 0; r < rows; r++) {
      for (int ch = 0; ch < channels; ch++) {
        out[r * channels + ch] = (w[r * words + ch / 64] >>> (ch % 64) & 1L) != 0 ? -1f : 1f;
      }
    }
    return out;
  }

  private float[] eval(OpNode n) {
    int[] yd = dims(n.output(0));
    return switch (n.op()) {
      case CONV2D -> conv(n, yd);
      case GEMM -> gemm(n, yd);
      case BATCH_NORM -> batchNorm(n);
      case ADD -> broadcast(n, yd, (a, b) -> a + b);
      case SUB -> broadcast(n, yd, (a, b) -> a - b);
      case MUL -> broadcast(n, yd, (a, b) -> a * b);
      case DIV -> broadcast(n, yd, (a, b) -> a / b);
      case LESS -> broadcast(n, yd, (a, b) -> a < b ? 1f : 0f);
      case GREATER -> broadcast(n, yd, (a, b) -> a > b ? 1f : 0f);
      case PRELU -> broadcast(n, yd, (x, s) -> x < 0f ? s * x : x);
      case WHERE -> where(n, yd);
      case RELU -> unary(n, x -> x > 0f || Float.isNaN(x) ? x : 0f);
      case SIGN -> unary(n, x -> x > 0f ? 1f : x < 0f ? -1f : x == 0f ? 0f : x);
      case BIPOLAR_SIGN -> unary(n, x -> x < 0f ? -1f : 1f);
      case CLIP -> {
        float lo = n.getFloat("min", Float.NEGATIVE_INFINITY);
        float hi = n.getFloat("max", Float.POSITIVE_INFINITY);
        yield unary(n, x -> x < lo ? lo : x > hi ? hi : x);
      }
      case IDENTITY -> in(n, 0).clone();
      case CONCAT -> concat(n, yd);
      case PAD -> pad(n, yd);
      case MAX_POOL2D, BIT_MAX_POOL2D -> maxPool(n, yd);
      case BINARIZE -> binarize(n, yd);
      case BINARY_CONV2D, BINARY_DENSE -> binaryLayer(n, yd);
      default -> throw new AssertionError("the test reference has no " + n.op());
    };
  }

  private interface Unary {
    float apply(float x);
  }

  private interface Binary {
    float apply(float a, float b);
  }

  private float[] unary(OpNode n, Unary f) {
    float[] x = in(n, 0);
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = f.apply(x[i]);
    }
    return y;
  }

  /** The flat index into a value of dims {@code d} that numpy broadcasting reads for {@code i}. */
  private static int source(int[] out, int[] d, int i) {
    int index = 0;
    int stride = 1;
    for (int a = out.length - 1, b = d.length - 1; b >= 0; a--, b--) {
      int coord = (i / strideOf(out, a)) % out[a];
      index += (d[b] == 1 ? 0 : coord) * stride;
      stride *= d[b];
    }
    return index;
  }

  private static int strideOf(int[] dims, int axis) {
    int s = 1;
    for (int a = axis + 1; a < dims.length; a++) {
      s *= dims[a];
    }
    return s;
  }

  private float[] broadcast(OpNode n, int[] yd, Binary f) {
    float[] a = in(n, 0);
    float[] b = in(n, 1);
    int[] ad = g.typeOf(n.input(0)).dims();
    int[] bd = g.typeOf(n.input(1)).dims();
    float[] y = new float[count(yd)];
    for (int i = 0; i < y.length; i++) {
      y[i] = f.apply(a[source(yd, ad, i)], b[source(yd, bd, i)]);
    }
    return y;
  }

  private float[] where(OpNode n, int[] yd) {
    float[][] v = {in(n, 0), in(n, 1), in(n, 2)};
    float[] y = new float[count(yd)];
    for (int i = 0; i < y.length; i++) {
      int[] s = new int[3];
      for (int k = 0; k < 3; k++) {
        s[k] = source(yd, g.typeOf(n.input(k)).dims(), i);
      }
      y[i] = v[0][s[0]] != 0f ? v[1][s[1]] : v[2][s[2]];
    }
    return y;
  }

  private static int count(int[] d) {
    int c = 1;
    for (int x : d) {
      c *= x;
    }
    return c;
  }

  private float[] conv(OpNode n, int[] yd) {
    float[] x = in(n, 0);
    float[] w = in(n, 1);
    float[] b = n.hasInput(2) ? in(n, 2) : null;
    int[] xd = dims(n.input(0));
    int[] wd = g.typeOf(n.input(1)).dims();
    int group = n.getInt("group", 1);
    int[] s = n.getInts("strides", 2, new int[] {1, 1});
    int[] p = n.getInts("pads", 4, new int[4]);
    int[] dl = n.getInts("dilations", 2, new int[] {1, 1});
    int c = xd[1];
    int h = xd[2];
    int wi = xd[3];
    int m = wd[0];
    int cpg = wd[1];
    int kh = wd[2];
    int kw = wd[3];
    int mpg = m / group;
    float[] y = new float[count(yd)];
    for (int img = 0; img < xd[0]; img++) {
      for (int oc = 0; oc < m; oc++) {
        int gr = oc / mpg;
        for (int oy = 0; oy < yd[2]; oy++) {
          for (int ox = 0; ox < yd[3]; ox++) {
            double sum = b == null ? 0 : b[oc];
            for (int ci = 0; ci < cpg; ci++) {
              int ic = gr * cpg + ci;
              for (int ky = 0; ky < kh; ky++) {
                int iy = oy * s[0] - p[0] + ky * dl[0];
                for (int kx = 0; kx < kw; kx++) {
                  int ix = ox * s[1] - p[1] + kx * dl[1];
                  if (iy >= 0 && iy < h && ix >= 0 && ix < wi) {
                    sum += (double) x[((img * c + ic) * h + iy) * wi + ix]
                        * w[((oc * cpg + ci) * kh + ky) * kw + kx];
                  }
                }
              }
            }
            y[((img * m + oc) * yd[2] + oy) * yd[3] + ox] = (float) sum;
          }
        }
      }
    }
    return y;
  }

  private float[] gemm(OpNode n, int[] yd) {
    float[] a = in(n, 0);
    float[] b = in(n, 1);
    int[] ad = dims(n.input(0));
    int[] bd = g.typeOf(n.input(1)).dims();
    boolean ta = n.getLong("transA", 0) != 0;
    boolean tb = n.getLong("transB", 0) != 0;
    double alpha = n.getFloat("alpha", 1f);
    double beta = n.getFloat("beta", 1f);
    int rows = yd[0];
    int cols = yd[1];
    int k = ta ? ad[0] : ad[1];
    float[] y = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double sum = 0;
        for (int t = 0; t < k; t++) {
          double av = ta ? a[t * ad[1] + i] : a[i * ad[1] + t];
          double bv = tb ? b[j * bd[1] + t] : b[t * bd[1] + j];
          sum += av * bv;
        }
        double c = 0;
        if (n.hasInput(2)) {
          c = in(n, 2)[source(yd, g.typeOf(n.input(2)).dims(), i * cols + j)];
        }
        y[i * cols + j] = (float) (alpha * sum + beta * c);
      }
    }
    return y;
  }

  private float[] batchNorm(OpNode n) {
    float[] x = in(n, 0);
    int[] xd = dims(n.input(0));
    float[] scale = in(n, 1);
    float[] bias = in(n, 2);
    float[] mean = in(n, 3);
    float[] var = in(n, 4);
    double eps = n.getFloat("epsilon", 1e-5f);
    int c = xd[1];
    int inner = strideOf(xd, 1);
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      int ch = i / inner % c;
      y[i] = (float) ((x[i] - (double) mean[ch]) / Math.sqrt(var[ch] + eps) * scale[ch]
          + bias[ch]);
    }
    return y;
  }

  private float[] concat(OpNode n, int[] yd) {
    int axis = (int) n.getLong("axis", 0);
    int outer = 1;
    for (int a = 0; a < axis; a++) {
      outer *= yd[a];
    }
    float[] y = new float[count(yd)];
    int at = 0;
    int rowOut = count(yd) / outer;
    for (int i = 0; i < n.inputs().size(); i++) {
      float[] x = in(n, i);
      int row = x.length / outer;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(x, o * row, y, o * rowOut + at, row);
      }
      at += row;
    }
    return y;
  }

  /** Constant-mode Pad of a rank-4 value. */
  private float[] pad(OpNode n, int[] yd) {
    if (!n.getString("mode", "constant").equals("constant")) {
      throw new AssertionError("the test reference pads with constants only");
    }
    float[] x = in(n, 0);
    int[] xd = dims(n.input(0));
    long[] p = n.getLongs("pads", null);
    float value = n.getFloat("value", 0f);
    float[] y = new float[count(yd)];
    java.util.Arrays.fill(y, value);
    for (int i = 0; i < x.length; i++) {
      int rest = i;
      int index = 0;
      for (int a = 0; a < 4; a++) {
        int coord = rest / strideOf(xd, a);
        rest %= strideOf(xd, a);
        index = index * yd[a] + coord + (int) p[a];
      }
      y[index] = x[i];
    }
    return y;
  }

  /** The max over the window's taps inside the image: padding never wins. */
  private float[] maxPool(OpNode n, int[] yd) {
    float[] x = in(n, 0);
    int[] xd = dims(n.input(0));
    int[] k = n.getInts("kernel", 2, null);
    int[] s = n.getInts("strides", 2, new int[] {1, 1});
    int[] p = n.getInts("pads", 4, new int[4]);
    int[] dl = n.getInts("dilations", 2, new int[] {1, 1});
    float[] y = new float[count(yd)];
    int planes = xd[0] * xd[1];
    for (int pl = 0; pl < planes; pl++) {
      for (int oy = 0; oy < yd[2]; oy++) {
        for (int ox = 0; ox < yd[3]; ox++) {
          float max = Float.NEGATIVE_INFINITY;
          for (int ky = 0; ky < k[0]; ky++) {
            int iy = oy * s[0] - p[0] + ky * dl[0];
            for (int kx = 0; kx < k[1]; kx++) {
              int ix = ox * s[1] - p[1] + kx * dl[1];
              if (iy >= 0 && iy < xd[2] && ix >= 0 && ix < xd[3]) {
                max = Math.max(max, x[(pl * xd[2] + iy) * xd[3] + ix]);
              }
            }
          }
          y[(pl * yd[2] + oy) * yd[3] + ox] = max;
        }
      }
    }
    return y;
  }

  /**
   * Channel j is -1 when {@code x[S[j]] < T[j]}, +1 when above, and at the threshold +1 or, with
   * {@code zero = "zero"}, 0. NaN compares neither way and reads +1.
   */
  private float[] binarize(OpNode n, int[] yd) {
    float[] x = in(n, 0);
    int[] xd = dims(n.input(0));
    float[] t = in(n, 1);
    long[] src = n.hasInput(2) ? longs(n, 2) : null;
    float atThreshold = ZeroStates.writesZeros(n) ? 0f : 1f;
    int c = xd[1];
    int cout = yd[1];
    int inner = strideOf(xd, 1);
    float[] y = new float[count(yd)];
    for (int img = 0; img < xd[0]; img++) {
      for (int j = 0; j < cout; j++) {
        int from = src == null ? j % c : (int) src[j];
        for (int i = 0; i < inner; i++) {
          float v = x[(img * c + from) * inner + i];
          y[(img * cout + j) * inner + i] = v < t[j] ? -1f : v == t[j] ? atThreshold : 1f;
        }
      }
    }
    return y;
  }

  /**
   * BinaryConv2d (rank 4) or BinaryDense (rank 2): the dot d over the valid taps plus their tap
   * bias, then the float transform or the integer threshold, as OpType documents them.
   */
  private float[] binaryLayer(OpNode n, int[] yd) {
    float[] x = in(n, 0);
    int[] xd = dims(n.input(0));
    ConstTensor wt = g.constant(n.input(1));
    float[] w = unpack(wt);
    int[] wd = wt.dims();
    boolean conv = xd.length == 4;
    boolean bits = n.getString("output", "float").equals("bits");
    int m = wd[0];
    int kh = conv ? wd[1] : 1;
    int kw = conv ? wd[2] : 1;
    int cpg = wd[wd.length - 1];
    int group = conv ? n.getInt("group", 1) : 1;
    int[] s = conv ? n.getInts("strides", 2, new int[] {1, 1}) : new int[] {1, 1};
    int[] p = conv ? n.getInts("pads", 4, new int[4]) : new int[4];
    int[] dl = conv ? n.getInts("dilations", 2, new int[] {1, 1}) : new int[] {1, 1};
    int h = conv ? xd[2] : 1;
    int wi = conv ? xd[3] : 1;
    int oh = conv ? yd[2] : 1;
    int ow = conv ? yd[3] : 1;
    int c = xd[1];
    int tapIndex = bits ? 4 : OutputTransformFusionPass.TAP_BIAS;
    float[] tap = n.hasInput(tapIndex) ? in(n, tapIndex) : null;
    float[] y = new float[count(yd)];
    for (int img = 0; img < xd[0]; img++) {
      for (int oc = 0; oc < m; oc++) {
        int gr = oc / (m / group);
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double d = 0;
            for (int ky = 0; ky < kh; ky++) {
              int iy = oy * s[0] - p[0] + ky * dl[0];
              for (int kx = 0; kx < kw; kx++) {
                int ix = ox * s[1] - p[1] + kx * dl[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= wi) {
                  continue;
                }
                for (int ci = 0; ci < cpg; ci++) {
                  d += x[((img * c + gr * cpg + ci) * h + iy) * wi + ix]
                      * w[((oc * kh + ky) * kw + kx) * cpg + ci];
                }
                if (tap != null) {
                  d += tap[(oc * kh + ky) * kw + kx];
                }
              }
            }
            int at = ((img * m + oc) * oh + oy) * ow + ox;
            y[at] = bits ? thresholded(n, oc, d) : transform(n, oc, d, at);
          }
        }
      }
    }
    return y;
  }

  /** -1 when {@code (d < threshold) != (flip == 1)}, else +1. */
  private float thresholded(OpNode n, int oc, double d) {
    long t = longs(n, 2)[oc];
    boolean flip = longs(n, 3)[oc] == 1;
    return (d < t) != flip ? -1f : 1f;
  }

  /** {@code d*multiplier + bias (+ residual) (PReLU) (+ post bias)}, each step in float. */
  private float transform(OpNode n, int oc, double d, int at) {
    float v = (float) d * in(n, OutputTransformFusionPass.MULTIPLIER)[oc]
        + in(n, OutputTransformFusionPass.BIAS)[oc];
    if (n.hasInput(OutputTransformFusionPass.RESIDUAL)) {
      v += in(n, OutputTransformFusionPass.RESIDUAL)[at];
    }
    if (n.hasInput(OutputTransformFusionPass.SLOPE) && v < 0f) {
      v *= in(n, OutputTransformFusionPass.SLOPE)[oc];
    }
    if (n.hasInput(OutputTransformFusionPass.POST_BIAS)) {
      v += in(n, OutputTransformFusionPass.POST_BIAS)[oc];
    }
    return v;
  }

  /** Largest |expected - actual| allowed: {@code rel} of max(1, |expected|). */
  static void assertClose(float[] expected, float[] actual, float rel, String what) {
    if (expected.length != actual.length) {
      throw new AssertionError(what + ": " + expected.length + " values, got " + actual.length);
    }
    for (int i = 0; i < expected.length; i++) {
      float tol = rel * Math.max(1f, Math.abs(expected[i]));
      if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
        throw new AssertionError(what + " at " + i + ": expected " + expected[i] + ", got "
            + actual[i] + " (tolerance " + tol + ")");
      }
    }
  }

  /** Exactly equal, bit for bit (so -0 differs from +0 and NaN matches NaN). */
  static void assertSameBits(float[] expected, float[] actual, String what) {
    if (expected.length != actual.length) {
      throw new AssertionError(what + ": " + expected.length + " values, got " + actual.length);
    }
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        throw new AssertionError(what + " at " + i + ": expected " + expected[i] + ", got "
            + actual[i]);
      }
    }
  }
}
