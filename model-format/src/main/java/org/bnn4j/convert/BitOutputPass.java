package org.bnn4j.convert;

import java.util.ArrayList;
import java.util.List;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.BinaryOutputAttrs;

/**
 * Binary to binary: where a binary layer's float output is only binarised again, the layer writes
 * bits directly through one integer threshold per channel.
 *
 * <p>The dot d is an integer in [-K, K]. The pass evaluates the layer's float transform and the
 * consumer's comparison at every such d, in the same float arithmetic the float path uses, and
 * keeps the result only when the set of d that give -1 is {@code d < t} (rising transform),
 * {@code d >= t} (falling, so the comparison flips) or empty or everything (a constant channel).
 * The bits therefore equal the unfused graph's bits for every input, boundaries included. When
 * the consumer maps an input at the threshold to 0 ({@code zero = "zero"}) and some reachable dot
 * lands exactly on it, the layer is left unfused, so that 0 stays exact.
 */
public final class BitOutputPass extends RewritePass {
  /** Threshold that no dot reaches: with it, a channel's bit is its flip value. */
  public static final long CONSTANT = Long.MIN_VALUE;

  public BitOutputPass() {
    super("bit-output");
  }

  @Override
  List<String> rewrite(Graph g) {
    // Constant channels are counted as they are solved, also in a layer that then stays unfused.
    int[] constant = {0};
    List<OpNode> fused = rewriteEachInPlace(g, n -> fuse(g, n, constant));
    if (fused.isEmpty()) {
      return List.of();
    }
    return List.of(fused.size() + " binary layer(s) now write bits through integer thresholds ("
        + constant[0] + " constant channel(s))");
  }

  /**
   * Makes {@code n} write bits when it is a float-output binary layer whose sole reader is a
   * Binarize and every channel has a threshold form; true when it did. Adds the constant channels
   * it solves to {@code constant[0]}.
   */
  private static boolean fuse(Graph g, OpNode n, int[] constant) {
    if ((n.op() != OpType.BINARY_CONV2D && n.op() != OpType.BINARY_DENSE)
        || BinaryOutputAttrs.of(n).bits()) {
      return false;
    }
    OutputTransformFusionPass.normalizeInputs(n);
    if (!n.input(OutputTransformFusionPass.RESIDUAL).isEmpty()) {
      return false;
    }
    String y = n.output(0);
    OpNode bin = GraphEdits.soleConsumer(g, n);
    if (bin == null || bin.op() != OpType.BINARIZE || bin.hasInput(2)
        || !bin.input(0).equals(y)) {
      return false;
    }
    ValueType yt = g.typeOf(y);
    int m = yt.dim(1);
    float[] thr = GraphEdits.vector(g, bin.input(1), m);
    if (thr == null) {
      return false;
    }
    long[] range = dotRange(g, n);
    long[] threshold = new long[m];
    long[] flip = new long[m];
    boolean zeros = ZeroStates.writesZeros(bin);
    boolean ok = true;
    for (int c = 0; c < m && ok; c++) {
      ok = solve(g, n, c, thr[c], range[c], zeros, threshold, flip);
      constant[0] += ok && threshold[c] == CONSTANT ? 1 : 0;
    }
    if (!ok) {
      return false;
    }
    String tap = n.input(OutputTransformFusionPass.TAP_BIAS);
    List<String> ins = new ArrayList<>(List.of(n.input(0), n.input(1),
        GraphEdits.addInt64(g, n.name() + "_threshold", threshold),
        GraphEdits.addInt64(g, n.name() + "_flip", flip)));
    if (!tap.isEmpty()) {
      ins.add(tap);
    }
    n.inputs().clear();
    n.inputs().addAll(ins);
    n.set("output", "bits");
    n.outputs().set(0, bin.output(0));
    g.nodes().remove(bin);
    g.types().remove(y);
    g.removeUnused();
    return true;
  }

  /** Per output channel, the largest |d| the layer can produce. */
  static long[] dotRange(Graph g, OpNode n) {
    ConstTensor w = g.constant(n.input(1));
    int m = w.dim(0);
    long taps = 1;
    for (int i = 1; i < w.rank(); i++) {
      taps *= w.dim(i);
    }
    long[] r = new long[m];
    java.util.Arrays.fill(r, taps);
    String tapName = BinaryOutputAttrs.of(n).bits()
        ? n.input(4) : n.input(OutputTransformFusionPass.TAP_BIAS);
    if (!tapName.isEmpty()) {
      float[] tb = g.constant(tapName).floats();
      int per = tb.length / m;
      for (int c = 0; c < m; c++) {
        for (int i = 0; i < per; i++) {
          r[c] += (long) Math.abs(tb[c * per + i]);
        }
      }
    }
    return r;
  }

  /** The float path's value for dot d on channel c, computed as the runtime computes it. */
  static float transform(Graph g, OpNode n, int c, long d) {
    float mult = g.constant(n.input(OutputTransformFusionPass.MULTIPLIER)).floats()[c];
    float bias = g.constant(n.input(OutputTransformFusionPass.BIAS)).floats()[c];
    float v = (float) d * mult + bias;
    String slope = n.input(OutputTransformFusionPass.SLOPE);
    if (!slope.isEmpty() && v < 0f) {
      v *= g.constant(slope).floats()[c];
    }
    String post = n.input(OutputTransformFusionPass.POST_BIAS);
    if (!post.isEmpty()) {
      v += g.constant(post).floats()[c];
    }
    return v;
  }

  /**
   * Channel c's threshold and flip, or false when its bits are not a threshold form of d. With
   * {@code zeros} (the consumer is an ONNX Sign) a dot whose value is exactly the threshold would
   * be 0, which bit output cannot write: then the layer keeps its float output and the Binarize
   * carries the zero at run time. Every integer d in [-k, k] is tried, not only those of k's
   * parity, since inputs in the zero state make the others reachable.
   */
  private static boolean solve(Graph g, OpNode n, int c, float t, long k, boolean zeros,
      long[] threshold, long[] flip) {
    // neg(d): the consumer writes -1. Find the pattern of neg over d = -k .. k.
    float v0 = transform(g, n, c, -k);
    if (zeros && v0 == t) {
      return false;
    }
    boolean first = v0 < t;
    long change = Long.MIN_VALUE;
    for (long d = -k + 1; d <= k; d++) {
      float v = transform(g, n, c, d);
      if (zeros && v == t) {
        return false;
      }
      boolean neg = v < t;
      if (neg != first) {
        if (change != Long.MIN_VALUE) {
          return false; // changes twice: not a threshold form
        }
        change = d;
        first = neg;
      }
    }
    if (change == Long.MIN_VALUE) {
      threshold[c] = CONSTANT;
      flip[c] = first ? 1 : 0;
    } else {
      // After the change neg == first. Rising (-1 below): neg for d < change.
      threshold[c] = change;
      flip[c] = first ? 1 : 0;
    }
    return true;
  }
}
