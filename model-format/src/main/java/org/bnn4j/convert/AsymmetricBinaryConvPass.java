package org.bnn4j.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.ElementType;

/**
 * AdaBin's asymmetric binary conv: activations {@code a * (s + b)} with {@code s = Sign(z)} and
 * scalar a, b (values {a(b-1), a(b+1)}), weights taking two values {@code lo_m < hi_m} per
 * output channel ({@code μ_m ± σ_m}). Writing {@code W = μ + σ·T} with {@code T = ±1} and
 * {@code 1_valid} for the taps inside the image (zero padding contributes nothing):
 *
 * <pre>
 *   Conv(a(s + b), W)[m] = a·σ_m·Conv(s, T)[m] + a·μ_m·Conv(s, 1)[0] + a·b·Conv(1_valid, W)[m]
 * </pre>
 *
 * an XNOR-popcount dot, a per-position window sum of the same bits (a binary conv with all-+1
 * weights and one output channel) and a constant per channel and position. This pass rewrites the
 * conv into those three terms with ±1 weights, which the binary lowering then turns into two
 * binary convs over one Binarize; the scales fuse into their output transforms. The result equals
 * PyTorch's float conv up to float rounding (the dots are exact integers; only the final scaling
 * and sums round). Anything else (per-channel a or b, grouped convs, more than two weight values)
 * is left alone and runs in float.
 */
public final class AsymmetricBinaryConvPass extends RewritePass {

  public AsymmetricBinaryConvPass() {
    super("asymmetric-binary-conv");
  }

  @Override
  List<String> rewrite(Graph g) {
    List<OpNode> split = rewriteEach(g, n -> n.op() == OpType.CONV2D ? split(g, n) : null);
    if (split.isEmpty()) {
      return List.of();
    }
    GraphEdits.removeDeadNodes(g);
    return List.of(split.size() + " AdaBin conv(s) split into a binary dot, a window sum of its"
        + " bits and a constant map");
  }

  private static List<OpNode> split(Graph g, OpNode conv) {
    ConstTensor w = g.constant(conv.input(1));
    if (w == null || w.type() != ElementType.FLOAT32 || w.rank() != 4
        || Conv2dAttrs.of(conv).group() != 1) {
      return null;
    }
    Map<String, OpNode> producers = g.producers();
    ScalarOperand mul = scalarOperand(g, producers.get(conv.input(0)), OpType.MUL);
    if (mul == null) {
      return null;
    }
    ScalarOperand add = scalarOperand(g, producers.get(mul.other()), OpType.ADD);
    if (add == null) {
      return null;
    }
    float a = mul.scalar();
    float b = add.scalar();
    String s = add.other();
    OpNode sign = producers.get(s);
    if (sign == null || (sign.op() != OpType.SIGN && sign.op() != OpType.BIPOLAR_SIGN)
        || !(a != 0f) || !Float.isFinite(a) || !Float.isFinite(b)) {
      return null;
    }
    int m = w.dim(0);
    int c = w.dim(1);
    int kh = w.dim(2);
    int kw = w.dim(3);
    int row = c * kh * kw;
    float[] wf = w.floats();
    float[] lo = new float[m];
    float[] hi = new float[m];
    boolean symmetric = true;
    for (int oc = 0; oc < m; oc++) {
      float v1 = wf[oc * row];
      float v2 = v1;
      for (int k = 1; k < row; k++) {
        float v = wf[oc * row + k];
        if (Float.floatToRawIntBits(v) == Float.floatToRawIntBits(v1)
            || Float.floatToRawIntBits(v) == Float.floatToRawIntBits(v2)) {
          continue;
        }
        if (v1 != v2) {
          return null; // a third value
        }
        v2 = v;
      }
      if (!Float.isFinite(v1) || !Float.isFinite(v2)) {
        return null;
      }
      lo[oc] = Math.min(v1, v2);
      hi[oc] = Math.max(v1, v2);
      symmetric &= lo[oc] == -hi[oc] || lo[oc] == hi[oc];
    }
    if (symmetric) {
      return null; // ±a weights: the plain binary lowering's case
    }
    ValueType yt = g.typeOf(conv.output(0));
    int oh = yt.dim(2);
    int ow = yt.dim(3);
    Conv2dAttrs geometry = Conv2dAttrs.of(conv);
    int[] strides = geometry.strides();
    int[] pads = geometry.pads();
    int[] dil = geometry.dilations();
    int h = g.typeOf(conv.input(0)).dim(2);
    int wd = g.typeOf(conv.input(0)).dim(3);

    float[] t = new float[m * row];
    float[] scaleDot = new float[m];
    float[] scaleSum = new float[m];
    for (int oc = 0; oc < m; oc++) {
      for (int k = 0; k < row; k++) {
        t[oc * row + k] = wf[oc * row + k] == hi[oc] && lo[oc] != hi[oc] ? 1f : -1f;
      }
      scaleDot[oc] = (float) ((double) a * ((double) hi[oc] - lo[oc]) / 2);
      scaleSum[oc] = (float) ((double) a * ((double) hi[oc] + lo[oc]) / 2);
    }
    float[] bias = new float[m];
    if (conv.hasInput(2)) {
      ConstTensor cb = g.constant(conv.input(2));
      if (cb == null || cb.elementCount() != m) {
        return null;
      }
      bias = cb.floats();
    }
    // a*b*Conv(1_valid, W) + bias, per channel and output position (in double).
    double[] tapSum = new double[m * kh * kw];
    for (int oc = 0; oc < m; oc++) {
      for (int ci = 0; ci < c; ci++) {
        for (int k = 0; k < kh * kw; k++) {
          tapSum[oc * kh * kw + k] += wf[(oc * c + ci) * kh * kw + k];
        }
      }
    }
    float[] map = new float[m * oh * ow];
    for (int oc = 0; oc < m; oc++) {
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          double sum = 0;
          for (int ky = 0; ky < kh; ky++) {
            int iy = y * strides[0] - pads[0] + ky * dil[0];
            for (int kx = 0; kx < kw; kx++) {
              int ix = x * strides[1] - pads[1] + kx * dil[1];
              if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                sum += tapSum[(oc * kh + ky) * kw + kx];
              }
            }
          }
          map[(oc * oh + y) * ow + x] = (float) ((double) a * b * sum + bias[oc]);
        }
      }
    }
    float[] ones = new float[row];
    java.util.Arrays.fill(ones, 1f);

    String base = conv.name();
    List<OpNode> out = new ArrayList<>();
    OpNode dotConv = convLike(g, conv, s, base + "_dot", base + "_signs",
        new int[] {m, c, kh, kw}, t, yt);
    String scaledDot = appendScaled(g, base, "dot", dotConv, scaleDot, yt, out);
    OpNode sumConv = convLike(g, conv, s, base + "_window_sum", base + "_ones",
        new int[] {1, c, kh, kw}, ones, ValueType.float32(yt.dim(0), 1, oh, ow));
    String scaledSum = appendScaled(g, base, "sum", sumConv, scaleSum, yt, out);
    String both = g.freshName(base + "_terms");
    out.add(node(g, base + "_add_terms", OpType.ADD, scaledDot, scaledSum, both, yt));
    out.add(node(g, base + "_add_map", OpType.ADD, both,
        GraphEdits.addConst(g, base + "_map", new int[] {1, m, oh, ow}, map), conv.output(0), yt));
    return out;
  }

  /**
   * Appends {@code term} (one of the binary convs) and a Mul of its output by one scale per
   * output channel, named after {@code key}; returns the name of the product. The dot and the
   * window sum are both scaled this way before they are added.
   */
  private static String appendScaled(Graph g, String base, String key, OpNode term,
      float[] scale, ValueType yt, List<OpNode> out) {
    out.add(term);
    String scaled = g.freshName(base + "_scaled_" + key);
    out.add(node(g, base + "_scale_" + key, OpType.MUL, term.output(0),
        GraphEdits.addConst(g, base + "_" + key + "_scale", new int[] {1, scale.length, 1, 1},
            scale),
        scaled, yt));
    return scaled;
  }

  private static OpNode node(Graph g, String name, OpType op, String in0, String in1,
      String outName, ValueType t) {
    g.types().put(outName, t);
    return new OpNode(g.freshName(name), op, List.of(in0, in1), List.of(outName));
  }

  /**
   * A Conv2d with {@code conv}'s geometry over {@code in} with the given float weights, writing a
   * new value of type {@code t} (the node and its output share the fresh name).
   */
  private static OpNode convLike(Graph g, OpNode conv, String in, String name, String weightsName,
      int[] weightDims, float[] weights, ValueType t) {
    String out = g.freshName(name);
    OpNode n = new OpNode(g.freshName(name), OpType.CONV2D,
        List.of(in, GraphEdits.addConst(g, weightsName, weightDims, weights)), List.of(out));
    n.attrs().putAll(conv.attrs());
    g.types().put(out, t);
    return n;
  }

  /** A binary op with one scalar float constant operand: that scalar and the other operand. */
  private record ScalarOperand(float scalar, String other) {}

  /** {@code n} as a ScalarOperand when it is an {@code op} with one, else null. */
  private static ScalarOperand scalarOperand(Graph g, OpNode n, OpType op) {
    if (n == null || n.op() != op) {
      return null;
    }
    int side = scalarSide(g, n);
    if (side < 0) {
      return null;
    }
    return new ScalarOperand(g.constant(n.input(side)).floats()[0], n.input(1 - side));
  }

  /** The input index of a one-element float constant of a binary op, or -1. */
  private static int scalarSide(Graph g, OpNode n) {
    for (int side = 0; side < 2; side++) {
      ConstTensor k = g.constant(n.input(side));
      if (k != null && k.type() == ElementType.FLOAT32 && k.elementCount() == 1
          && !g.isConstant(n.input(1 - side))) {
        return side;
      }
    }
    return -1;
  }
}
