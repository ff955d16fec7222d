package org.bnn4j.runtime;

/**
 * A producer pass and a consumer of its output run as one pass: each chunk runs the producer on
 * its positions, then the consumer on the same positions. The two compute exactly what they
 * compute apart (same float operations on the same values), so the results are the same bits;
 * the consumer's output is merely written earlier, which {@link CompiledGraph} accounts for in
 * the memory plan.
 */
final class FusedPass extends PositionPass {
  private final PositionPass producer;
  private final PositionPass consumer;

  FusedPass(PositionPass producer, PositionPass consumer) {
    if (producer.positions != consumer.positions) {
      throw new IllegalArgumentException("passes over " + producer.positions + " and "
          + consumer.positions + " positions");
    }
    super(producer.positions, producer.grain, pairs(producer, consumer));
    this.producer = producer;
    this.consumer = consumer;
  }

  /** {@code tasks[p * consumer.taskCount() + c]}: producer task p, then consumer task c. */
  private static RunContext.RangeTask[] pairs(PositionPass producer, PositionPass consumer) {
    int pc = producer.taskCount();
    int cc = consumer.taskCount();
    RunContext.RangeTask[] tasks = new RunContext.RangeTask[pc * cc];
    for (int p = 0; p < pc; p++) {
      for (int c = 0; c < cc; c++) {
        RunContext.RangeTask first = producer.task(p);
        RunContext.RangeTask second = consumer.task(c);
        tasks[p * cc + c] = (from, to, slot, img, arena, words) -> {
          first.run(from, to, slot, img, arena, words);
          second.run(from, to, slot, img, arena, words);
        };
      }
    }
    return tasks;
  }

  /** Whether {@code consumer} can run inside {@code producer}'s pass. */
  static boolean fits(PositionPass producer, PositionPass consumer) {
    Operand out = producer.fusableOutput();
    return out != null && consumer.positionwiseInput() == out
        && producer.positions == consumer.positions;
  }

  @Override
  int begin(RunContext run) {
    int p = producer.begin(run);
    return p * consumer.taskCount() + consumer.begin(run);
  }

  @Override
  void end(RunContext run) {
    producer.end(run);
    consumer.end(run);
  }
}
