package org.bnn4j.format.graph.attrs;

import java.util.Arrays;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/** Reshape's target shape, fully resolved by the importer (no 0 or -1). Copied in and out. */
public record ReshapeAttrs(int[] shape) {
  public static final String SHAPE = "shape";

  public ReshapeAttrs {
    shape = shape.clone();
  }

  /**
   * Reads and checks the node's shape: present, every dim at least 1 and in the int range.
   *
   * @throws ModelFormatException when it is missing or not fully resolved
   */
  public static ReshapeAttrs of(OpNode node) {
    long[] shape = node.getLongs(SHAPE, null);
    if (shape == null) {
      throw new ModelFormatException(node.where() + ": missing attribute 'shape'");
    }
    int[] out = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 1 || shape[i] > Integer.MAX_VALUE) {
        throw new ModelFormatException(node.where() + ": shape " + Arrays.toString(shape)
            + " must be fully resolved (every dim >= 1, no 0 or -1)");
      }
      out[i] = (int) shape[i];
    }
    return new ReshapeAttrs(out);
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }
}
