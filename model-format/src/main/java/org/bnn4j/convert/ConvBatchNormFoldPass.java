package org.bnn4j.convert;

import java.util.List;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.attrs.BatchNormAttrs;
import org.bnn4j.format.graph.ElementType;

/**
 * Folds an inference BatchNormalization into the float Conv2d before it (the stem, 1x1
 * downsample convs): weights scaled per output channel, bias shifted, one memory pass fewer. It
 * runs after the binary passes, so binary layers keep their exact output transforms; a float
 * conv's sum already differs from PyTorch's in rounding, and the fold moves results by a few ulps
 * more.
 */
public final class ConvBatchNormFoldPass extends RewritePass {

  public ConvBatchNormFoldPass() {
    super("fold-conv-batchnorm");
  }

  @Override
  List<String> rewrite(Graph g) {
    List<OpNode> folded = rewriteEachInPlace(g, n -> n.op() == OpType.CONV2D && fold(g, n));
    if (folded.isEmpty()) {
      return List.of();
    }
    g.removeUnused();
    return List.of("folded " + folded.size() + " BatchNormalization(s) into float convolutions");
  }

  private static boolean fold(Graph g, OpNode conv) {
    String y = conv.output(0);
    OpNode bn = GraphEdits.soleConsumer(g, conv);
    if (bn == null || bn.op() != OpType.BATCH_NORM || !bn.input(0).equals(y)) {
      return false;
    }
    ConstTensor w = g.constant(conv.input(1));
    ConstTensor b = conv.hasInput(2) ? g.constant(conv.input(2)) : null;
    if (w == null || w.type() != ElementType.FLOAT32 || w.dims().length != 4) {
      return false;
    }
    int m = w.dims()[0];
    if (conv.hasInput(2) && GraphEdits.vector(g, conv.input(2), m) == null) {
      return false; // a bias that is not a constant vector of m floats
    }
    float[] gamma = GraphEdits.vector(g, bn.input(1), m);
    float[] beta = GraphEdits.vector(g, bn.input(2), m);
    float[] mean = GraphEdits.vector(g, bn.input(3), m);
    float[] var = GraphEdits.vector(g, bn.input(4), m);
    if (gamma == null || beta == null || mean == null || var == null) {
      return false;
    }
    float eps = BatchNormAttrs.of(bn).epsilon();
    float[] weights = w.floats().clone();
    float[] bias = new float[m];
    float[] oldBias = b == null ? null : b.floats();
    int per = weights.length / m;
    for (int o = 0; o < m; o++) {
      double scale = gamma[o] / Math.sqrt((double) var[o] + eps);
      for (int j = o * per; j < (o + 1) * per; j++) {
        weights[j] = (float) (weights[j] * scale);
      }
      bias[o] = (float) (((oldBias == null ? 0.0 : oldBias[o]) - mean[o]) * scale + beta[o]);
    }
    conv.inputs().set(1, GraphEdits.addConst(g, conv.name() + "_bn_weights", w.dims(), weights));
    String biasName = GraphEdits.addConst(g, conv.name() + "_bn_bias", new int[] {m}, bias);
    if (conv.inputs().size() > 2) {
      conv.inputs().set(2, biasName);
    } else {
      conv.inputs().add(biasName);
    }
    conv.outputs().set(0, bn.output(0));
    g.nodes().remove(bn);
    g.types().remove(y);
    return true;
  }
}
