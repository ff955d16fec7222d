package org.bnn4j.format;

import java.util.HashSet;
import java.util.Set;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.attrs.BinarizeAttrs;

/**
 * Which bits values may hold the third state, 0, beside +1 and -1 (see the BIT CONVENTION in
 * bnn4j_model.proto). A Binarize with {@code zero = "zero"} writes 0 for an input exactly at its
 * threshold, as ONNX {@code Sign} and {@code torch.sign} do; a BitMaxPool2d of such a value can
 * give 0 too. Every other bits value is +1/-1 only. At run time such a value carries a zero mask
 * beside its sign bits and a per-image flag saying whether that image met any zero, so that
 * consumers run their plain kernels whenever it did not.
 */
public final class ZeroStates {
  private ZeroStates() {}

  /** The Binarize attribute naming what an input exactly at the threshold becomes. */
  public static final String ATTRIBUTE = BinarizeAttrs.ZERO_ATTRIBUTE;
  /** {@code zero = "plus"} (the default, and every file written before it existed): +1. */
  public static final String PLUS = BinarizeAttrs.PLUS;
  /** {@code zero = "zero"}: 0, carried exactly (ONNX Sign). */
  public static final String ZERO = BinarizeAttrs.ZERO;

  /** True when {@code n} is a Binarize whose inputs at the threshold become 0. */
  public static boolean writesZeros(OpNode n) {
    return n.op() == OpType.BINARIZE && BinarizeAttrs.of(n).zeroState();
  }

  /** The bits values of {@code g} that may hold zeros, in any order. */
  public static Set<String> values(Graph g) {
    Set<String> out = new HashSet<>();
    for (OpNode n : g.nodes()) { // topological order: producers first
      if (writesZeros(n)
          || (n.op() == OpType.BIT_MAX_POOL2D && n.hasInput(0) && out.contains(n.input(0)))) {
        out.add(n.output(0));
      }
    }
    return out;
  }
}
