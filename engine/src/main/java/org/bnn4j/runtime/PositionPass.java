package org.bnn4j.runtime;

/**
 * An op that is one split pass over output positions (flattened over the batch: position {@code
 * q} of image {@code b} is {@code b * positionsPerImage + q}), with serial work before and after
 * it. Because every chunk of the pass writes exactly its positions' outputs, a consumer that works
 * position by position on this op's output can run inside the same pass, chunk by chunk right
 * after this op ({@link FusedPass}): the float tensor is read while still in cache, and the
 * consumer's own fork and join disappear.
 */
interface PositionPass extends Op {
  /** Items of the pass: output positions over the whole batch. */
  int positions();

  /** Chunks of the pass are multiples of this many positions. */
  int grain();

  /**
   * The serial work before the pass (staging inputs, resetting flags); returns which of the
   * {@link #taskCount()} tasks the pass runs this time.
   */
  int begin(RunContext run);

  int taskCount();

  /** Task {@code which}: positions {@code [from, to)}; its {@code image} argument is unused. */
  RunContext.RangeTask task(int which);

  /** The serial work after the pass. */
  void end(RunContext run);

  /**
   * The float value this pass writes position by position and that a consumer may read in the
   * same chunk, or null when it has none.
   */
  default Operand fusableOutput() {
    return null;
  }

  /**
   * The float value this pass reads only at its own positions (so that it can run chunk by
   * chunk behind the op producing it), or null when it cannot be a consumer.
   */
  default Operand positionwiseInput() {
    return null;
  }

  @Override
  default void run(RunContext run) {
    int which = begin(run);
    run.forRange(positions(), grain(), task(which), 0);
    end(run);
  }
}
