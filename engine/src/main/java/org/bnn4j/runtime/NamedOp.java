package org.bnn4j.runtime;

/** An op that names its node, for stack traces and debugging. */
record NamedOp(String where, Op body) implements Op {
  @Override
  public void run(RunContext run) {
    body.run(run);
  }

  @Override
  public String toString() {
    return where;
  }
}
