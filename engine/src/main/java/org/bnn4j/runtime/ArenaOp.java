package org.bnn4j.runtime;

/**
 * An op that runs on the calling thread and needs nothing from its {@link RunContext} but the
 * arenas: every reference op.
 */
@FunctionalInterface
interface ArenaOp extends Op {
  /**
   * @param arena the session's float arena
   * @param words the session's word arena (BITS activations); may be empty
   */
  void run(float[] arena, long[] words);

  @Override
  default void run(RunContext run) {
    run(run.arena(), run.words());
  }
}
