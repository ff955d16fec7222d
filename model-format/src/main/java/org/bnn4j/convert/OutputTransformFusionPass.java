package org.bnn4j.convert;

import java.util.List;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.BatchNormAttrs;
import org.bnn4j.format.graph.attrs.BinaryOutputAttrs;

/**
 * Folds the per-channel float ops after a binary conv or dense layer into its output transform:
 * Mul, Div, Add and Sub by per-channel constants, BatchNormalization, PReLU (so also RPReLU, which
 * is Sub, PRelu, Add), and a real-valued residual Add. The transform's fixed stage order
 * ({@code d*multiplier + bias}, residual, PReLU, post bias) decides what may still fold: a Mul
 * after the residual, for example, stays a float op.
 */
public final class OutputTransformFusionPass extends RewritePass {
  static final int MULTIPLIER = 2;
  static final int BIAS = 3;
  static final int RESIDUAL = 4;
  static final int SLOPE = 5;
  static final int POST_BIAS = 6;
  static final int TAP_BIAS = 7;

  public OutputTransformFusionPass() {
    super("fuse-output-transform");
  }

  @Override
  List<String> rewrite(Graph g) {
    // After a fold the layer has a new sole consumer that may fold too: walk until none does.
    int fused = 0;
    int round;
    do {
      round = rewriteEachInPlace(g, n -> (n.op() == OpType.BINARY_CONV2D
          || n.op() == OpType.BINARY_DENSE) && !BinaryOutputAttrs.of(n).bits()
          && fuseNext(g, n)).size();
      fused += round;
    } while (round > 0);
    return fused > 0 ? List.of("folded " + fused + " float op(s) into binary layers") : List.of();
  }

  /** Pads the input list of a float-output binary node to its full transform arity. */
  static void normalizeInputs(OpNode n) {
    while (n.inputs().size() <= TAP_BIAS) {
      n.inputs().add("");
    }
  }

  /** Folds the sole consumer of {@code n}'s output when possible; true when it did. */
  private static boolean fuseNext(Graph g, OpNode n) {
    String y = n.output(0);
    OpNode c = GraphEdits.soleConsumer(g, n);
    if (c == null) {
      return false;
    }
    ValueType yt = g.typeOf(y);
    int ch = yt.dim(1);
    int rank = yt.rank();
    normalizeInputs(n);
    int stage = !n.input(POST_BIAS).isEmpty() ? 3 : !n.input(SLOPE).isEmpty() ? 2
        : !n.input(RESIDUAL).isEmpty() ? 1 : 0;
    float[] mult = g.constant(n.input(MULTIPLIER)).floats().clone();
    float[] bias = g.constant(n.input(BIAS)).floats().clone();
    boolean done = false;
    switch (c.op()) {
      case MUL, DIV -> {
        float[] k = otherChannelConst(g, c, y, ch, rank, c.op() == OpType.MUL);
        if (k != null && stage == 0) {
          for (int i = 0; i < ch; i++) {
            double s = c.op() == OpType.MUL ? k[i] : 1.0 / k[i];
            mult[i] = (float) (mult[i] * s);
            bias[i] = (float) (bias[i] * s);
          }
          done = true;
        }
      }
      case ADD, SUB -> {
        float[] k = otherChannelConst(g, c, y, ch, rank, c.op() == OpType.ADD);
        if (k != null) {
          double sign = c.op() == OpType.SUB ? -1 : 1;
          if (stage <= 1) {
            for (int i = 0; i < ch; i++) {
              bias[i] = (float) (bias[i] + sign * k[i]);
            }
          } else {
            float[] post = stage == 3 ? g.constant(n.input(POST_BIAS)).floats().clone()
                : new float[ch];
            for (int i = 0; i < ch; i++) {
              post[i] = (float) (post[i] + sign * k[i]);
            }
            n.inputs().set(POST_BIAS, GraphEdits.addConst(g, n.name() + "_post_bias",
                new int[] {ch}, post));
          }
          done = true;
        } else if (c.op() == OpType.ADD && stage == 0) {
          done = fuseResidual(g, n, c, y, yt);
        }
      }
      case BATCH_NORM -> {
        if (stage == 0 && c.input(0).equals(y)) {
          float[] scale = GraphEdits.vector(g, c.input(1), ch);
          float[] beta = GraphEdits.vector(g, c.input(2), ch);
          float[] mean = GraphEdits.vector(g, c.input(3), ch);
          float[] var = GraphEdits.vector(g, c.input(4), ch);
          if (scale != null && beta != null && mean != null && var != null) {
            float eps = BatchNormAttrs.of(c).epsilon();
            for (int i = 0; i < ch; i++) {
              // PyTorch's CPU inference BatchNorm, in float: y = x * alpha + beta with
              // alpha = gamma / sqrt(var + eps) and beta = bias - mean * alpha. Folding in the
              // same arithmetic keeps d * alpha + beta bit-identical for +-1 weights (mult 1,
              // bias 0), so thresholds agree with PyTorch even a few ulps from zero. PyTorch's
              // C++ contracts bias - mean * alpha into one fused multiply-add (one rounding);
              // with two roundings BN(d) can be exactly 0 where PyTorch's is a few ulps off it,
              // and Sign tells 0 from +1.
              float invStd = 1f / (float) Math.sqrt(var[i] + eps);
              float alpha = invStd * scale[i];
              float shift = Math.fma(-mean[i], alpha, beta[i]);
              mult[i] = mult[i] * alpha;
              bias[i] = bias[i] * alpha + shift;
            }
            done = true;
          }
        }
      }
      case PRELU -> {
        if (stage <= 1 && c.input(0).equals(y)) {
          float[] slope = GraphEdits.perChannel(g, c.input(1), ch, rank);
          if (slope != null) {
            n.inputs().set(SLOPE, GraphEdits.addConst(g, n.name() + "_prelu_slope",
                new int[] {ch}, slope));
            done = true;
          }
        }
      }
      default -> { }
    }
    if (!done) {
      return false;
    }
    n.inputs().set(MULTIPLIER, GraphEdits.addConst(g, n.name() + "_multiplier", new int[] {ch},
        mult));
    n.inputs().set(BIAS, GraphEdits.addConst(g, n.name() + "_bias", new int[] {ch}, bias));
    // The binary node now writes what the folded op wrote.
    n.outputs().set(0, c.output(0));
    g.nodes().remove(c);
    g.types().remove(y);
    g.removeUnused();
    return true;
  }

  /**
   * The per-channel constant on the other side of a binary element-wise op. Sub and Div only
   * fold with the constant on the right; Add and Mul are commutative.
   */
  private static float[] otherChannelConst(Graph g, OpNode c, String y, int ch, int rank,
      boolean commutative) {
    if (c.inputs().size() != 2 || c.input(0).equals(c.input(1))) {
      return null;
    }
    int side = c.input(0).equals(y) ? 1 : 0;
    if (side == 0 && !commutative) {
      return null;
    }
    ValueType out = g.typeOf(c.output(0));
    if (out == null || !out.equals(g.typeOf(y))) {
      return null; // the constant would broadcast the output to a new shape
    }
    return GraphEdits.perChannel(g, c.input(side), ch, rank);
  }

  /** {@code Add(y, r)} with r a float value of y's shape: r becomes the residual input. */
  private static boolean fuseResidual(Graph g, OpNode n, OpNode add, String y, ValueType yt) {
    String r = add.input(0).equals(y) ? add.input(1) : add.input(0);
    if (g.isConstant(r) || !yt.equals(g.typeOf(r))) {
      return false;
    }
    n.inputs().set(RESIDUAL, r);
    // The residual may be computed after n; run n where the Add ran, which sees every input.
    g.nodes().remove(n);
    g.nodes().add(g.nodes().indexOf(add), n);
    return true;
  }
}
