package org.bnn4j.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.AxisAttrs;
import org.bnn4j.format.graph.attrs.BinaryOutputAttrs;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.format.graph.attrs.GemmAttrs;
import org.bnn4j.format.graph.attrs.PadAttrs;
import org.bnn4j.format.graph.ElementType;

/**
 * Turns {@code Sign -> [MaxPool] -> [zero Pad] -> Conv} and {@code Sign -> Gemm} with binary
 * weights into {@code Binarize -> [BitMaxPool2d] -> BinaryConv2d / BinaryDense}.
 *
 * <p>A weight is binary when each output channel's filter takes only the values {@code -a, +a}
 * for one {@code a > 0}, compared bit for bit: nothing approximate is ever lowered. Shifted signs
 * {@code Sign(x - t)} and {@code Sign(x + b)} with per-channel constants become thresholds, since
 * {@code x - t < 0} exactly when {@code x < t} in IEEE arithmetic, and a channel-axis Concat of
 * such signs of one tensor (widening) becomes one multi-threshold Binarize. That Binarize has
 * {@code zero = "zero"}: an input exactly at the threshold is 0, as in ONNX Sign, and the engine
 * carries that third state exactly (see {@link ZeroStates}).
 */
public final class BinaryLoweringPass extends RewritePass {

  public BinaryLoweringPass() {
    super("lower-binary");
  }

  /**
   * Where the bits feeding a binary layer come from: Binarize of {@code x} with thresholds;
   * {@code zero} is the Binarize's zero mode (ONNX Sign: an input at the threshold is 0).
   */
  private record BitSource(String key, String x, float[] thresholds, ValueType xType,
      String zero) {}

  @Override
  List<String> rewrite(Graph g) {
    // Bit sources by key, so binary layers reading the same bits share one Binarize.
    Map<String, String> bitsOf = new HashMap<>();
    List<OpNode> lowered = rewriteEach(g, n -> {
      List<OpNode> inserted = new ArrayList<>();
      OpNode replacement = switch (n.op()) {
        case CONV2D -> lowerConv(g, n, bitsOf, inserted);
        case GEMM -> lowerDense(g, n, bitsOf, inserted);
        default -> null;
      };
      if (replacement == null) {
        return null;
      }
      inserted.add(replacement);
      return inserted;
    });
    int dead = GraphEdits.removeDeadNodes(g);
    if (lowered.isEmpty()) {
      return List.of();
    }
    long convs = lowered.stream().filter(n -> n.op() == OpType.CONV2D).count();
    return List.of(convs + " binary conv(s), " + (lowered.size() - convs) + " binary dense, "
        + bitsOf.size() + " bit source(s); removed " + dead + " float op(s)");
  }

  // ---- binary weights ----

  /**
   * Per-output-channel magnitudes a[m] when rows of {@code w} are all +-a[m], else null. A row
   * of zeros (BatchNorm with gamma 0 folded into the conv) is exact too, with a[m] = 0; at least
   * one row must be non-zero.
   */
  static float[] binaryScales(float[] w, int rows, int rowLen) {
    float[] a = new float[rows];
    boolean anyNonZero = false;
    for (int m = 0; m < rows; m++) {
      int bits = Float.floatToRawIntBits(Math.abs(w[m * rowLen]));
      float mag = Math.abs(w[m * rowLen]);
      if (Float.isNaN(mag) || Float.isInfinite(mag)) {
        return null;
      }
      anyNonZero |= mag > 0f;
      boolean exact = true;
      for (int k = 1; k < rowLen && exact; k++) {
        exact = Float.floatToRawIntBits(Math.abs(w[m * rowLen + k])) == bits;
      }
      if (!exact) {
        mag = NearBinaryWeights.magnitude(w, m * rowLen, rowLen);
        if (Float.isNaN(mag)) {
          return null;
        }
      }
      a[m] = mag;
    }
    return anyNonZero ? a : null;
  }

  // ---- sources ----

  /** Resolves {@code value} as the output of a Sign form or a widening Concat of them. */
  private static BitSource signSource(Graph g, Map<String, OpNode> producers, String value) {
    OpNode p = producers.get(value);
    if (p == null || g.outputs().contains(value)) {
      return null;
    }
    if (isSign(p)) {
      return signForm(g, producers, p);
    }
    if (p.op() == OpType.CONCAT && AxisAttrs.of(p).axis() == 1) {
      String x = null;
      ValueType xType = null;
      String zero = null;
      float[] all = new float[0];
      for (String in : p.inputs()) {
        OpNode s = producers.get(in);
        if (s == null || !isSign(s)) {
          return null;
        }
        BitSource part = signForm(g, producers, s);
        if (part == null || (x != null && !x.equals(part.x))
            || (zero != null && !zero.equals(part.zero))) {
          return null; // one Binarize has one zero mode
        }
        zero = part.zero;
        x = part.x;
        xType = part.xType;
        float[] joined = Arrays.copyOf(all, all.length + part.thresholds.length);
        System.arraycopy(part.thresholds, 0, joined, all.length, part.thresholds.length);
        all = joined;
      }
      return x == null ? null : new BitSource(value, x, all, xType, zero);
    }
    return null;
  }

  /** Sign or the QONNX BipolarSign. */
  private static boolean isSign(OpNode n) {
    return n.op() == OpType.SIGN || n.op() == OpType.BIPOLAR_SIGN;
  }

  /**
   * The Binarize zero mode that reproduces {@code sign} at {@code x == t}: ONNX Sign gives 0
   * there (carried exactly), the QONNX BipolarSign (BipolarQuant, bipolar MultiThreshold) +1.
   */
  private static String zeroMode(OpNode sign) {
    return sign.op() == OpType.BIPOLAR_SIGN ? ZeroStates.PLUS : ZeroStates.ZERO;
  }

  /** {@code Sign(x)}, {@code Sign(x - t)}, {@code Sign(x + b)} or {@code Sign(b + x)}. */
  private static BitSource signForm(Graph g, Map<String, OpNode> producers, OpNode sign) {
    String v = sign.input(0);
    ValueType vt = g.typeOf(v);
    if (vt == null || vt.type() != ElementType.FLOAT32 || (vt.rank() != 4 && vt.rank() != 2)
        || g.isConstant(v)) {
      return null;
    }
    int c = vt.dim(1);
    OpNode p = producers.get(v);
    if (p != null && (p.op() == OpType.SUB || p.op() == OpType.ADD)) {
      for (int side = 0; side < 2; side++) {
        String x = p.input(side);
        String k = p.input(1 - side);
        ValueType xt = g.typeOf(x);
        if (g.isConstant(x) || xt == null || !xt.equals(vt)) {
          continue;
        }
        if (p.op() == OpType.SUB && side == 1) {
          continue; // t - x: the comparison flips, not a threshold form
        }
        float[] t = GraphEdits.perChannel(g, k, c, vt.rank());
        if (t == null) {
          continue;
        }
        if (p.op() == OpType.ADD) {
          for (int i = 0; i < t.length; i++) {
            t[i] = -t[i];
          }
        }
        return new BitSource(sign.output(0), x, t, xt, zeroMode(sign));
      }
    }
    return new BitSource(sign.output(0), v, new float[c], vt, zeroMode(sign));
  }

  /** The Binarize output for a source, creating the node on first use. */
  private static String bitsFor(Graph g, BitSource s, Map<String, String> bitsOf,
      List<OpNode> inserted) {
    String have = bitsOf.get(s.key);
    if (have != null) {
      return have;
    }
    String out = g.freshName(s.key + "_bits");
    String thr = GraphEdits.addConst(g, s.key + "_thresholds",
        new int[] {s.thresholds.length}, s.thresholds);
    OpNode b = new OpNode(g.freshName(s.key + "_binarize"), OpType.BINARIZE,
        List.of(s.x, thr), List.of(out));
    // ONNX Sign(0) is 0: an input exactly at the threshold takes the third state. Sources with
    // +1 there (QONNX BipolarQuant) leave the attribute out, which means "plus".
    if (!ZeroStates.PLUS.equals(s.zero)) {
      b.set(ZeroStates.ATTRIBUTE, s.zero);
    }
    int[] dims = s.xType.dims();
    dims[1] = s.thresholds.length;
    g.types().put(out, ValueType.bits(dims));
    inserted.add(b);
    bitsOf.put(s.key, out);
    return out;
  }

  // ---- conv ----

  private static OpNode lowerConv(Graph g, OpNode conv, Map<String, String> bitsOf,
      List<OpNode> inserted) {
    ConstTensor w = g.constant(conv.input(1));
    if (w == null || w.type() != ElementType.FLOAT32 || w.rank() != 4) {
      return null;
    }
    int m = w.dim(0);
    int cpg = w.dim(1);
    int kh = w.dim(2);
    int kw = w.dim(3);
    float[] scales = binaryScales(w.floats(), m, cpg * kh * kw);
    if (scales == null) {
      return null;
    }
    Map<String, OpNode> producers = g.producers();
    Conv2dAttrs geometry = Conv2dAttrs.of(conv);
    int[] pads = geometry.pads();
    String x = conv.input(0);
    OpNode p = producers.get(x);
    if (p != null && p.op() == OpType.PAD && !g.outputs().contains(x)) {
      int[] padSpatial = zeroSpatialPads(p);
      if (padSpatial == null) {
        return null;
      }
      for (int i = 0; i < 4; i++) {
        pads[i] += padSpatial[i];
      }
      x = p.input(0);
      p = producers.get(x);
    }
    OpNode pool = null;
    if (p != null && p.op() == OpType.MAX_POOL2D && !g.outputs().contains(x)) {
      pool = p;
      x = p.input(0);
    }
    BitSource src = signSource(g, producers, x);
    if (src == null || src.xType.rank() != 4) {
      return null;
    }
    String bits = bitsFor(g, src, bitsOf, inserted);
    if (pool != null) {
      String key = pool.output(0);
      String pooled = bitsOf.get(key);
      if (pooled == null) {
        pooled = g.freshName(key + "_bits");
        OpNode bp = new OpNode(g.freshName(pool.name() + "_bits"), OpType.BIT_MAX_POOL2D,
            List.of(bits), List.of(pooled));
        bp.attrs().putAll(pool.attrs());
        int[] dims = g.typeOf(pool.output(0)).dims();
        dims[1] = src.thresholds.length;
        g.types().put(pooled, ValueType.bits(dims));
        inserted.add(bp);
        bitsOf.put(key, pooled);
      }
      bits = pooled;
    }

    float[] wf = w.floats();
    int words = ConstTensor.wordsPerRow(cpg);
    long[] packed = new long[m * kh * kw * words];
    for (int oc = 0; oc < m; oc++) {
      for (int ci = 0; ci < cpg; ci++) {
        for (int ky = 0; ky < kh; ky++) {
          for (int kx = 0; kx < kw; kx++) {
            if (wf[((oc * cpg + ci) * kh + ky) * kw + kx] < 0f) {
              int row = (oc * kh + ky) * kw + kx;
              packed[row * words + (ci >>> 6)] |= 1L << (ci & 63);
            }
          }
        }
      }
    }
    String wName = GraphEdits.addBits(g, conv.input(1) + "_bits", new int[] {m, kh, kw, cpg},
        packed);
    float[] bias = new float[m];
    if (conv.hasInput(2)) {
      ConstTensor b = g.constant(conv.input(2));
      if (b == null || b.elementCount() != m) {
        return null;
      }
      bias = b.floats().clone();
    }
    OpNode bc = new OpNode(conv.name(), OpType.BINARY_CONV2D, List.of(bits, wName,
        GraphEdits.addConst(g, conv.name() + "_multiplier", new int[] {m}, scales),
        GraphEdits.addConst(g, conv.name() + "_bias", new int[] {m}, bias)),
        List.of(conv.output(0)));
    bc.set(Conv2dAttrs.STRIDES, geometry.strides());
    bc.set(Conv2dAttrs.PADS, pads);
    bc.set(Conv2dAttrs.DILATIONS, geometry.dilations());
    bc.set(Conv2dAttrs.GROUP, (long) geometry.group());
    bc.set(BinaryOutputAttrs.OUTPUT, BinaryOutputAttrs.FLOAT);
    return bc;
  }

  /** [top, left, bottom, right] of a constant-zero Pad that pads only H and W, else null. */
  private static int[] zeroSpatialPads(OpNode pad) {
    PadAttrs a = PadAttrs.of(pad);
    if (!a.mode().equals(PadAttrs.CONSTANT) || a.value() != 0f) {
      return null;
    }
    int[] p = a.pads();
    if (p.length != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0) {
      return null;
    }
    for (int v : p) {
      if (v < 0 || v > 1 << 16) {
        return null;
      }
    }
    return new int[] {p[2], p[3], p[6], p[7]};
  }

  // ---- dense ----

  private static OpNode lowerDense(Graph g, OpNode gemm, Map<String, String> bitsOf,
      List<OpNode> inserted) {
    ConstTensor b = g.constant(gemm.input(1));
    if (b == null || b.type() != ElementType.FLOAT32 || b.rank() != 2
        || GemmAttrs.of(gemm).transA() || g.isConstant(gemm.input(0))) {
      return null;
    }
    GemmAttrs attrs = GemmAttrs.of(gemm);
    boolean transB = attrs.transB();
    int m = transB ? b.dim(0) : b.dim(1);
    int k = transB ? b.dim(1) : b.dim(0);
    float[] rows = new float[m * k];
    float[] bf = b.floats();
    for (int oc = 0; oc < m; oc++) {
      for (int i = 0; i < k; i++) {
        rows[oc * k + i] = transB ? bf[oc * k + i] : bf[i * m + oc];
      }
    }
    float[] scales = binaryScales(rows, m, k);
    if (scales == null) {
      return null;
    }
    float alpha = attrs.alpha();
    float beta = attrs.beta();
    float[] bias = new float[m];
    if (gemm.hasInput(2)) {
      ConstTensor c = g.constant(gemm.input(2));
      if (c == null || c.type() != ElementType.FLOAT32) {
        return null;
      }
      float[] cv = GraphEdits.perChannel(g, gemm.input(2), m, 2);
      if (cv == null) {
        return null;
      }
      for (int oc = 0; oc < m; oc++) {
        bias[oc] = beta * cv[oc];
      }
    }
    Map<String, OpNode> producers = g.producers();
    BitSource src = signSource(g, producers, gemm.input(0));
    if (src == null || src.xType.rank() != 2 || src.thresholds.length != k) {
      return null;
    }
    String bits = bitsFor(g, src, bitsOf, inserted);
    int words = ConstTensor.wordsPerRow(k);
    long[] packed = new long[m * words];
    for (int oc = 0; oc < m; oc++) {
      for (int i = 0; i < k; i++) {
        if (rows[oc * k + i] < 0f) {
          packed[oc * words + (i >>> 6)] |= 1L << (i & 63);
        }
      }
      scales[oc] *= alpha;
    }
    String wName = GraphEdits.addBits(g, gemm.input(1) + "_bits", new int[] {m, k}, packed);
    OpNode bd = new OpNode(gemm.name(), OpType.BINARY_DENSE, List.of(bits, wName,
        GraphEdits.addConst(g, gemm.name() + "_multiplier", new int[] {m}, scales),
        GraphEdits.addConst(g, gemm.name() + "_bias", new int[] {m}, bias)),
        List.of(gemm.output(0)));
    bd.set("output", "float");
    return bd;
  }
}
