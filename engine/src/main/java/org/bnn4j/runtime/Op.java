package org.bnn4j.runtime;

/**
 * One executable op, created once per model by an {@link OpFactory} from a graph node, with its
 * attributes parsed, shapes checked and operands bound. Ops are immutable and shared by every
 * session of a model: all mutable state lives in the {@link RunContext} passed to {@link #run}.
 */
public interface Op {
  /**
   * Runs the op, reading its inputs from and writing its outputs to the context's arenas (or its
   * bound constants) at the offsets the memory plan assigned, on at most the context's threads.
   */
  void run(RunContext run);
}
