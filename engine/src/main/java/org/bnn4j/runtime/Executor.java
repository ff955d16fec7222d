package org.bnn4j.runtime;

import java.util.Arrays;

/**
 * Runs a {@link CompiledGraph} on arenas of its own, allocated once at creation. Not
 * thread-safe: one executor per thread. A run allocates nothing.
 */
public final class Executor {
  private final CompiledGraph program;
  private final Op[] ops;
  private float[] arena;
  private long[] words;
  private int threads = 1;
  /**
   * What every op of a run gets; one per executor, so a run allocates nothing. A run holds it
   * locally, so that a release from another thread does not pull the arenas from under it.
   */
  private RunContext context;

  Executor(CompiledGraph program) {
    this.program = program;
    this.ops = program.ops();
    this.arena = new float[program.floatArenaSize()];
    this.words = new long[program.wordArenaSize()];
    this.context = new RunContext(arena, words);
  }

  public CompiledGraph program() {
    return program;
  }

  /** Copies graph input {@code i} from {@code src[srcOff...]} into the arena. */
  public void setInput(int i, float[] src, int srcOff) {
    Operand in = program.input(i);
    System.arraycopy(src, srcOff, arena(), in.offset(), in.size());
  }

  /**
   * Threads each op may use (clamped to {@link RunContext#MAX_WORKERS}); results do not depend
   * on it.
   */
  public void setThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    RunContext c = context;
    if (c != null) {
      c.setThreads(threads);
    }
  }

  public int threads() {
    return threads;
  }

  /** The pool whose workers each op may borrow; null means {@link WorkerPool#shared()}. */
  public void setPool(WorkerPool pool) {
    RunContext c = context;
    if (c != null) {
      c.setPool(pool);
    }
  }

  /** Runs every op in order. */
  public void run() {
    RunContext c = context();
    for (Op op : ops) {
      op.run(c);
    }
  }

  /**
   * Runs every op in order, like {@link #run()}, and adds each op's wall time in nanoseconds to
   * {@code nanosPerOp[step]} (step = the op's index in the graph's node list). For profilers
   * such as {@code bnn4j bench --profile}; a separate method so that {@link #run()} pays nothing
   * for it. A step whose work runs inside another step's pass (a fused Binarize) shows its time
   * in that step and about zero in its own. Allocates nothing.
   *
   * @throws IllegalArgumentException when the array is shorter than the op count
   */
  public void runProfiled(long[] nanosPerOp) {
    if (nanosPerOp.length < ops.length) {
      throw new IllegalArgumentException("need " + ops.length + " slots, got " + nanosPerOp.length);
    }
    RunContext c = context();
    for (int i = 0; i < ops.length; i++) {
      long t0 = System.nanoTime();
      ops[i].run(c);
      nanosPerOp[i] += System.nanoTime() - t0;
    }
  }

  /** Copies graph output {@code i} into {@code dst[dstOff...]}. */
  public void copyOutput(int i, float[] dst, int dstOff) {
    Operand out = program.output(i);
    System.arraycopy(out.floats(arena()), out.offset(), dst, dstOff, out.size());
  }

  /** A copy of graph output {@code i}. */
  public float[] output(int i) {
    Operand out = program.output(i);
    return Arrays.copyOfRange(out.floats(arena()), out.offset(), out.offset() + out.size());
  }

  /** A copy of the packed words of graph output {@code i}, which must be a BITS value. */
  public long[] outputWords(int i) {
    Operand out = program.output(i);
    if (out.kind() != Operand.Kind.WORD_ARENA) {
      throw new IllegalArgumentException("output '" + out.name() + "' is not a bits value");
    }
    arena();
    return Arrays.copyOfRange(words, out.offset(), out.offset() + out.size());
  }

  /** Drops the arenas; any later call fails. */
  public void release() {
    arena = null;
    words = null;
    context = null;
  }

  private RunContext context() {
    RunContext c = context;
    if (c == null) {
      throw new IllegalStateException("executor is released");
    }
    return c;
  }

  private float[] arena() {
    if (arena == null) {
      throw new IllegalStateException("executor is released");
    }
    return arena;
  }
}
