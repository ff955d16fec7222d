package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * Slice's fully resolved starts, steps and output dims, one value per input axis; element i of
 * axis d reads index {@code starts[d] + i * steps[d]}. Whether that stays inside the input is
 * checked by the reader, with the input's dims at hand. Arrays are copied in and out.
 */
public record SliceAttrs(long[] starts, long[] steps, long[] dims) {
  public static final String STARTS = "starts";
  public static final String STEPS = "steps";
  public static final String DIMS = "dims";

  public SliceAttrs {
    starts = starts.clone();
    steps = steps.clone();
    dims = dims.clone();
  }

  /**
   * Reads the node's attributes for an input of rank {@code rank}.
   *
   * @throws ModelFormatException when one is missing or does not have {@code rank} values
   */
  public static SliceAttrs of(OpNode node, int rank) {
    long[] starts = node.getLongs(STARTS, null);
    long[] steps = node.getLongs(STEPS, null);
    long[] dims = node.getLongs(DIMS, null);
    if (starts == null || steps == null || dims == null || starts.length != rank
        || steps.length != rank || dims.length != rank) {
      throw new ModelFormatException(node.where() + ": starts, steps and dims need " + rank
          + " values each");
    }
    return new SliceAttrs(starts, steps, dims);
  }

  @Override
  public long[] starts() {
    return starts.clone();
  }

  @Override
  public long[] steps() {
    return steps.clone();
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }
}
