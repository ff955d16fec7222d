package org.bnn4j.runtime;

/**
 * An op that is one split pass over output positions (flattened over the batch: position {@code
 * q} of image {@code b} is {@code b * positionsPerImage + q}), with serial work before and after
 * it. Because every chunk of the pass writes exactly its positions' outputs, a consumer that works
 * position by position on this op's output can run inside the same pass, chunk by chunk right
 * after this op ({@link FusedPass}): the float tensor is read while still in cache, and the
 * consumer's own fork and join disappear.
 *
 * <p>The size of the pass, its grain and its tasks are fixed when it is built; a subclass says
 * only what runs before and after the pass and which task this inference runs.
 */
abstract class PositionPass implements Op {
  /** Items of the pass: output positions over the whole batch. */
  final int positions;
  /** Chunks of the pass are multiples of this many positions. */
  final int grain;
  private final RunContext.RangeTask[] tasks;

  /**
   * @param positions items of the pass: output positions over the whole batch
   * @param grain chunks of the pass are multiples of this many positions
   * @param tasks the alternatives {@link #begin} chooses from; each runs positions {@code [from,
   *     to)}, and its {@code image} argument is unused
   */
  PositionPass(int positions, int grain, RunContext.RangeTask... tasks) {
    this.positions = positions;
    this.grain = grain;
    this.tasks = tasks;
  }

  /**
   * The serial work before the pass (staging inputs, resetting flags); returns which of the
   * {@link #taskCount()} tasks the pass runs this time.
   */
  abstract int begin(RunContext run);

  final int taskCount() {
    return tasks.length;
  }

  /** Task {@code which}: positions {@code [from, to)}; its {@code image} argument is unused. */
  final RunContext.RangeTask task(int which) {
    return tasks[which];
  }

  /** The serial work after the pass; none unless a subclass says so. */
  void end(RunContext run) {}

  /**
   * The float value this pass writes position by position and that a consumer may read in the
   * same chunk, or null when it has none.
   */
  Operand fusableOutput() {
    return null;
  }

  /**
   * The float value this pass reads only at its own positions (so that it can run chunk by
   * chunk behind the op producing it), or null when it cannot be a consumer.
   */
  Operand positionwiseInput() {
    return null;
  }

  @Override
  public final void run(RunContext run) {
    int which = begin(run);
    run.forRange(positions, grain, tasks[which], 0);
    end(run);
  }
}
