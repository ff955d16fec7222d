package org.bnn4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.bnn4j.Model;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.runtime.CompiledGraph;
import org.bnn4j.runtime.Executor;
import org.bnn4j.runtime.FastOps;

/**
 * Per-op timing for {@code bnn4j bench --profile}, and the bench command's only reach into the
 * engine's internals (the model's graph, the runtime's executor), kept in this one class so
 * that it is the one place to adapt when the public API hides them.
 */
final class BenchProfiler {
  /** One graph node: its position, op type and name. */
  record Step(int index, String op, String name) {}

  private final List<Step> steps = new ArrayList<>();
  private final Executor executor;
  private final long[] nanos;

  /** Compiles {@code m}'s graph again, with the same fast ops a session uses. */
  BenchProfiler(Model m, int threads, float[][] inputs) {
    Graph graph = ModelInternals.graph(m);
    CompiledGraph program = CompiledGraph.compile(graph, new FastOps());
    List<OpNode> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      steps.add(new Step(i, nodes.get(i).op().toString(), nodes.get(i).name()));
    }
    executor = program.newExecutor();
    executor.setThreads(threads);
    for (int i = 0; i < inputs.length; i++) {
      executor.setInput(i, inputs[i], 0);
    }
    nanos = new long[program.opCount()];
  }

  /** The model's stored name, or "" when it has none. */
  static String modelName(Model m) {
    String n = m.metadata().name();
    return n == null ? "" : n;
  }

  List<Step> steps() {
    return steps;
  }

  /** Runs the model {@code runs} times; {@code record} adds the op times to the totals. */
  void run(int runs, boolean record) {
    long[] sink = record ? nanos : new long[nanos.length];
    for (int r = 0; r < runs; r++) {
      executor.runProfiled(sink);
    }
  }

  /** Summed nanoseconds per step over the recorded runs. */
  long[] nanos() {
    return nanos.clone();
  }

  void release() {
    executor.release();
  }
}
