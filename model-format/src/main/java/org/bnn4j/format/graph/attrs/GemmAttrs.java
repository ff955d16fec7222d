package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/** Gemm's {@code Y = alpha * A' * B' + beta * C}: transA, transB (0 or 1), alpha, beta. */
public record GemmAttrs(boolean transA, boolean transB, float alpha, float beta) {
  public static final String TRANS_A = "transA";
  public static final String TRANS_B = "transB";
  public static final String ALPHA = "alpha";
  public static final String BETA = "beta";
  public static final float DEFAULT_ALPHA = 1f;
  public static final float DEFAULT_BETA = 1f;

  /**
   * Reads, defaults (no transposes, alpha and beta 1) and checks the node's attributes.
   *
   * @throws ModelFormatException when a flag is not 0 or 1 or a value has the wrong type
   */
  public static GemmAttrs of(OpNode node) {
    boolean transA = Check.flag(node, TRANS_A);
    boolean transB = Check.flag(node, TRANS_B);
    return new GemmAttrs(transA, transB, node.getFloat(ALPHA, DEFAULT_ALPHA),
        node.getFloat(BETA, DEFAULT_BETA));
  }
}
