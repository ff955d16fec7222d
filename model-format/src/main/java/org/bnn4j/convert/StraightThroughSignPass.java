package org.bnn4j.convert;

import java.util.List;
import java.util.Map;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;

/**
 * Sees through the straight-through estimator that survives export (Bi-Real Net's ApproxSign,
 * also in ReActNet and AdaBin): {@code out = sign(x).detach() - F(x).detach() + F(x)} exports
 * as {@code Add(Sub(Sign(x), F), F)}. Where {@link SteExactness} proves that this float sum
 * equals {@code Sign(x)} exactly, the sum's readers read the Sign instead, so the binary
 * lowering finds {@code Sign -> Conv}; F's ops become dead and are removed. Where the proof
 * fails, the graph is left as it is and runs in float.
 */
public final class StraightThroughSignPass extends RewritePass {

  public StraightThroughSignPass() {
    super("straight-through-sign");
  }

  @Override
  List<String> rewrite(Graph g) {
    int seen = 0;
    int proven = 0;
    Map<String, OpNode> producers = g.producers();
    for (OpNode add : g.nodes()) {
      if (add.op() != OpType.ADD || g.outputs().contains(add.output(0))) {
        continue;
      }
      for (int side = 0; side < 2; side++) {
        OpNode sub = producers.get(add.input(side));
        String f = add.input(1 - side);
        if (sub == null || sub.op() != OpType.SUB || !sub.input(1).equals(f)) {
          continue;
        }
        OpNode sign = producers.get(sub.input(0));
        if (sign == null || sign.op() != OpType.SIGN || g.isConstant(f)) {
          continue;
        }
        String x = sign.input(0);
        if (!g.typeOf(f).equals(g.typeOf(x)) || !g.typeOf(add.output(0)).equals(g.typeOf(x))) {
          continue; // F must not broadcast x to another shape
        }
        seen++;
        if (SteExactness.prove(g, producers, x, f)) {
          proven++;
          rewire(g, add.output(0), sign.output(0));
        }
        break;
      }
    }
    int dead = GraphEdits.removeDeadNodes(g);
    if (seen == 0) {
      return List.of();
    }
    return List.of(proven + " of " + seen + " straight-through estimator(s) proved equal to"
        + " their Sign (|x| <= 2^62) and read as it; removed " + dead + " float op(s)");
  }

  private static void rewire(Graph g, String from, String to) {
    for (OpNode n : g.nodes()) {
      for (int i = 0; i < n.inputs().size(); i++) {
        if (n.input(i).equals(from)) {
          n.inputs().set(i, to);
        }
      }
    }
  }
}
