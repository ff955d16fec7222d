package org.bnn4j.runtime;

/** An op that names its node, for stack traces and debugging. */
record NamedOp(String where, Op body) implements Op {
  @Override
  public void run(float[] arena, long[] words) {
    body.run(arena, words);
  }

  @Override
  public String toString() {
    return where;
  }
}
