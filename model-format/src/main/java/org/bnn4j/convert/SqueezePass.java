package org.bnn4j.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.BinaryOutputAttrs;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;

/**
 * Squeezing, exactly: a binary channel that is the same for every input is removed from the layer
 * that writes it, and its constant contribution moves into each consuming layer's tap bias.
 *
 * <p>Constant channels are those of a bit-output layer whose threshold no reachable dot crosses
 * (found by {@link BitOutputPass}), those of a Binarize with threshold -inf (how the W&S recipe
 * marks a squeezed bit), and those of a Binarize whose input is provably bounded (Clip, Sigmoid,
 * Tanh, HardSigmoid) with the threshold outside the bounds. The contribution of a
 * constant channel with value v to a consumer's dot at one output position is v times the weight
 * of each valid tap; with zero padding the valid taps vary at the border, which is why it is kept
 * per tap ({@code tap_bias[M,kH,kW]}) and summed over the valid taps at run time.
 */
public final class SqueezePass extends RewritePass {

  public SqueezePass() {
    super("squeeze");
  }

  @Override
  List<String> rewrite(Graph g) {
    Map<String, String> notes = new HashMap<>();
    List<String> lines = new ArrayList<>();
    rewriteEachInPlace(g, p -> squeeze(g, p, notes, lines));
    if (!notes.isEmpty()) {
      g.setMetadata(g.metadata().withNotes(notes));
      g.removeUnused();
    }
    return lines;
  }

  /**
   * Removes the constant channels of the value {@code p} writes when p is a bit-output layer or
   * a Binarize and every reader can take the constants into its tap bias; true when it did.
   * Records the change in {@code notes} (the model's metadata) and {@code lines} (the log).
   */
  private static boolean squeeze(Graph g, OpNode p, Map<String, String> notes,
      List<String> lines) {
    boolean bitsLayer = (p.op() == OpType.BINARY_CONV2D || p.op() == OpType.BINARY_DENSE)
        && BinaryOutputAttrs.of(p).bits();
    if (!bitsLayer && p.op() != OpType.BINARIZE) {
      return false;
    }
    String v = p.output(0);
    ValueType vt = g.typeOf(v);
    int channels = vt.dim(1);
    int[] constant = bitsLayer ? constantsOfLayer(g, p) : constantsOfBinarize(g, p);
    int removed = 0;
    for (int c : constant) {
      removed += c != 0 ? 1 : 0;
    }
    if (removed == 0 || g.outputs().contains(v)) {
      return false;
    }
    List<OpNode> consumers = g.consumers().getOrDefault(v, List.of());
    boolean ok = !consumers.isEmpty();
    for (OpNode c : consumers) {
      ok &= (c.op() == OpType.BINARY_CONV2D && Conv2dAttrs.of(c).group() == 1)
          || c.op() == OpType.BINARY_DENSE;
      ok &= c.input(0).equals(v) && !c.input(1).equals(v);
    }
    if (!ok) {
      return false;
    }
    if (removed == channels) {
      return false; // keep one op per layer; a fully constant layer is left as it is
    }
    for (OpNode c : consumers) {
      foldIntoConsumer(g, c, constant);
    }
    shrinkProducer(g, p, constant, bitsLayer);
    int[] dims = vt.dims();
    dims[1] = channels - removed;
    g.types().put(v, ValueType.bits(dims));
    notes.put("squeezed " + v, channels + " -> " + (channels - removed));
    lines.add("'" + v + "': " + channels + " -> " + (channels - removed) + " channels ("
        + removed + " constant for every input)");
    return true;
  }

  /** Per channel: 0 when it varies, +1 or -1 when it is that value for every input. */
  private static int[] constantsOfLayer(Graph g, OpNode p) {
    long[] thr = g.constant(p.input(2)).longs();
    long[] flip = g.constant(p.input(3)).longs();
    int[] out = new int[thr.length];
    for (int c = 0; c < thr.length; c++) {
      if (thr[c] == BitOutputPass.CONSTANT) {
        out[c] = flip[c] != 0 ? -1 : 1;
      }
    }
    return out;
  }

  private static int[] constantsOfBinarize(Graph g, OpNode p) {
    float[] t = g.constant(p.input(1)).floats();
    int[] out = new int[t.length];
    double[] range = Ranges.of(g, p.input(0));
    // With zero = "zero" an input at the threshold is 0, so +1 needs every x strictly above it.
    boolean zeros = ZeroStates.writesZeros(p);
    for (int j = 0; j < t.length; j++) {
      if (t[j] == Float.NEGATIVE_INFINITY) {
        // x < -inf holds for no x, NaN and -inf included (ONNX Sign(x + inf) at x = -inf is
        // NaN, not 0, so this holds with zero = "zero" as well).
        out[j] = 1;
      } else if (range == null) {
        continue;
      } else if (range[1] < t[j]) {
        out[j] = -1; // every x is below the threshold
      } else if (zeros ? range[0] > t[j] : range[0] >= t[j]) {
        out[j] = 1;
      }
    }
    return out;
  }

  private static void foldIntoConsumer(Graph g, OpNode c, int[] constant) {
    ConstTensor w = g.constant(c.input(1));
    int[] dims = w.dims();
    int cin = dims[dims.length - 1];
    int rows = w.dims().length == 2 ? dims[0] : dims[0] * dims[1] * dims[2];
    int oldWords = ConstTensor.wordsPerRow(cin);
    int kept = 0;
    for (int v : constant) {
      kept += v == 0 ? 1 : 0;
    }
    int newWords = ConstTensor.wordsPerRow(kept);
    long[] src = w.longs();
    long[] dst = new long[rows * newWords];
    float[] tap = new float[rows];
    for (int r = 0; r < rows; r++) {
      int out = 0;
      for (int ch = 0; ch < cin; ch++) {
        boolean neg = (src[r * oldWords + (ch >>> 6)] >>> (ch & 63) & 1L) != 0;
        if (constant[ch] == 0) {
          if (neg) {
            dst[r * newWords + (out >>> 6)] |= 1L << (out & 63);
          }
          out++;
        } else {
          tap[r] += constant[ch] * (neg ? -1 : 1);
        }
      }
    }
    dims[dims.length - 1] = kept;
    c.inputs().set(1, GraphEdits.addBits(g, c.input(1), dims, dst));
    boolean bitsOut = BinaryOutputAttrs.of(c).bits();
    if (!bitsOut) {
      OutputTransformFusionPass.normalizeInputs(c);
    }
    int tapIndex = bitsOut ? 4 : OutputTransformFusionPass.TAP_BIAS;
    while (c.inputs().size() <= tapIndex) {
      c.inputs().add("");
    }
    int[] tapDims = dims.length == 2 ? new int[] {dims[0]}
        : new int[] {dims[0], dims[1], dims[2]};
    if (!c.input(tapIndex).isEmpty()) {
      float[] old = g.constant(c.input(tapIndex)).floats();
      for (int i = 0; i < tap.length; i++) {
        tap[i] += old[i];
      }
    }
    c.inputs().set(tapIndex, GraphEdits.addConst(g, c.name() + "_tap_bias", tapDims, tap));
  }

  private static void shrinkProducer(Graph g, OpNode p, int[] constant, boolean bitsLayer) {
    List<Integer> keep = new ArrayList<>();
    for (int c = 0; c < constant.length; c++) {
      if (constant[c] == 0) {
        keep.add(c);
      }
    }
    if (bitsLayer) {
      ConstTensor w = g.constant(p.input(1));
      int[] dims = w.dims();
      int perRow = (int) (ConstTensor.packedWordCount(dims) / dims[0]);
      long[] src = w.longs();
      long[] dst = new long[keep.size() * perRow];
      for (int i = 0; i < keep.size(); i++) {
        System.arraycopy(src, keep.get(i) * perRow, dst, i * perRow, perRow);
      }
      dims[0] = keep.size();
      p.inputs().set(1, GraphEdits.addBits(g, p.input(1), dims, dst));
      p.inputs().set(2, GraphEdits.addInt64(g, p.name() + "_threshold",
          pick(g.constant(p.input(2)).longs(), keep)));
      p.inputs().set(3, GraphEdits.addInt64(g, p.name() + "_flip",
          pick(g.constant(p.input(3)).longs(), keep)));
      if (p.hasInput(4)) {
        float[] tb = g.constant(p.input(4)).floats();
        int per = tb.length / constant.length;
        float[] out = new float[keep.size() * per];
        for (int i = 0; i < keep.size(); i++) {
          System.arraycopy(tb, keep.get(i) * per, out, i * per, per);
        }
        int[] td = g.constant(p.input(4)).dims();
        td[0] = keep.size();
        p.inputs().set(4, GraphEdits.addConst(g, p.name() + "_tap_bias", td, out));
      }
    } else {
      float[] t = g.constant(p.input(1)).floats();
      int c = g.typeOf(p.input(0)).dim(1);
      long[] source = p.hasInput(2) ? g.constant(p.input(2)).longs() : null;
      float[] nt = new float[keep.size()];
      long[] ns = new long[keep.size()];
      for (int i = 0; i < keep.size(); i++) {
        int j = keep.get(i);
        nt[i] = t[j];
        ns[i] = source != null ? source[j] : j % c;
      }
      p.inputs().set(1, GraphEdits.addConst(g, p.name() + "_thresholds", new int[] {nt.length},
          nt));
      String s = GraphEdits.addInt64(g, p.name() + "_source", ns);
      if (p.inputs().size() > 2) {
        p.inputs().set(2, s);
      } else {
        p.inputs().add(s);
      }
    }
  }

  private static long[] pick(long[] v, List<Integer> keep) {
    long[] out = new long[keep.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v[keep.get(i)];
    }
    return out;
  }
}
