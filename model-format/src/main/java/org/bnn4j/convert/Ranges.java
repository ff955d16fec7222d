package org.bnn4j.convert;

import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.attrs.ClipAttrs;

/** Value bounds that hold for every finite input, from the op that produces a value. */
final class Ranges {
  private Ranges() {}

  /** {@code [lo, hi]} with every element of {@code value} inside, or null when unbounded. */
  static double[] of(Graph g, String value) {
    OpNode p = g.producers().get(value);
    if (p == null) {
      return null;
    }
    return switch (p.op()) {
      case SIGMOID, HARD_SIGMOID -> new double[] {0, 1};
      case TANH, SIGN, BIPOLAR_SIGN -> new double[] {-1, 1};
      case CLIP -> {
        ClipAttrs clip = ClipAttrs.of(p);
        float lo = clip.min();
        float hi = clip.max();
        yield Float.isInfinite(lo) || Float.isInfinite(hi) ? null : new double[] {lo, hi};
      }
      default -> null;
    };
  }
}
