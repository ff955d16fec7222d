package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/** Transpose's perm: required, one entry per axis of the input. Copied in and out. */
public record TransposeAttrs(int[] perm) {
  public static final String PERM = "perm";

  public TransposeAttrs {
    perm = perm.clone();
  }

  /**
   * Reads the node's perm for an input of rank {@code rank} (whether it is a permutation is
   * checked by the reader, with the input's dims at hand).
   *
   * @throws ModelFormatException when it is missing or does not have {@code rank} int values
   */
  public static TransposeAttrs of(OpNode node, int rank) {
    return new TransposeAttrs(node.getInts(PERM, rank, null));
  }

  @Override
  public int[] perm() {
    return perm.clone();
  }
}
