package org.bnn4j.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.ElementType;

/**
 * A graph compiled for execution: one {@link Op} per node, every activation bound to an arena
 * offset by a static {@link MemoryPlan}. Immutable and shared by all sessions of a model; each
 * session gets its own arenas from {@link #newExecutor()}.
 */
public final class CompiledGraph {
  /** Largest arena a Java array can hold. */
  static final long MAX_ARENA = Integer.MAX_VALUE - 8;

  private final List<String> inputNames;
  private final List<String> outputNames;
  private final Operand[] inputs;
  private final Operand[] outputs;
  private final Op[] ops;
  private final int floatArenaSize;
  private final int wordArenaSize;
  private final List<BufferInfo> buffers;

  private CompiledGraph(List<String> inputNames, List<String> outputNames, Operand[] inputs,
      Operand[] outputs, Op[] ops, int floatArenaSize, int wordArenaSize,
      List<BufferInfo> buffers) {
    this.inputNames = List.copyOf(inputNames);
    this.outputNames = List.copyOf(outputNames);
    this.inputs = inputs;
    this.outputs = outputs;
    this.ops = ops;
    this.floatArenaSize = floatArenaSize;
    this.wordArenaSize = wordArenaSize;
    this.buffers = List.copyOf(buffers);
  }

  /** Compiles with the reference ops. */
  public static CompiledGraph compile(Graph g) {
    return compile(g, new ReferenceOps());
  }

  /**
   * Compiles a graph whose types are known (as after GraphValidator): binds operands, checks the
   * execution order, creates every op with {@code factory}, and plans memory.
   *
   * @throws ModelFormatException when the graph is inconsistent
   * @throws UnsupportedModelException when an op, type or size is not supported
   */
  public static CompiledGraph compile(Graph g, OpFactory factory) {
    return compile(g, factory, true);
  }

  /**
   * {@link #compile(Graph, OpFactory)}, with or without running a consumer pass inside the pass
   * of the op producing its input ({@link FusedPass}); without, for tests that compare the two.
   */
  static CompiledGraph compile(Graph g, OpFactory factory, boolean fuse) {
    Map<String, Operand> operands = new HashMap<>();
    for (Map.Entry<String, ConstTensor> e : g.constants().entrySet()) {
      ConstTensor c = e.getValue();
      operands.put(e.getKey(), c.type() == ElementType.FLOAT32
          ? Operand.constantFloats(e.getKey(), c.valueType(), c.floats())
          : Operand.constantLongs(e.getKey(), c.valueType(), c.longs()));
    }
    Set<String> withZeros = ZeroStates.values(g);
    for (Map.Entry<String, ValueType> e : g.types().entrySet()) {
      String name = e.getKey();
      if (operands.containsKey(name)) {
        throw new ModelFormatException("value '" + name + "' is both a constant and a value");
      }
      ValueType t = e.getValue();
      if (t.type() != ElementType.FLOAT32 && t.type() != ElementType.BITS) {
        throw new ModelFormatException("value '" + name + "' has type " + t
            + "; activations are float or bits");
      }
      boolean zeros = withZeros.contains(name) && t.type() == ElementType.BITS;
      long size = t.type() == ElementType.FLOAT32 ? t.elementCount()
          : Operand.packedWords(t.dims()) * (zeros ? 2 : 1) + (zeros ? t.dims()[0] : 0);
      if (size > MAX_ARENA) {
        throw new UnsupportedModelException("value '" + name + "' " + t + " has " + size
            + " elements, more than a Java array holds");
      }
      operands.put(name, zeros ? Operand.activationWithZeros(name, t)
          : Operand.activation(name, t));
    }

    Set<String> graphInputs = new HashSet<>();
    Operand[] inputs = new Operand[g.inputs().size()];
    for (int i = 0; i < inputs.length; i++) {
      String name = g.inputs().get(i);
      Operand o = operands.get(name);
      if (o == null || o.isConstant()) {
        throw new ModelFormatException("graph input '" + name + "' has no type"
            + (o == null ? "" : " (it is a constant)"));
      }
      if (!graphInputs.add(name)) {
        throw new ModelFormatException("graph input '" + name + "' is listed twice");
      }
      requireFloatIo("input", o);
      inputs[i] = o;
    }

    int steps = g.nodes().size();
    Map<String, Integer> firstWrite = new HashMap<>();
    Map<String, Integer> lastRead = new HashMap<>();
    Op[] ops = new Op[steps];
    List<List<Operand>> scratch = new ArrayList<>(steps);
    for (int step = 0; step < steps; step++) {
      OpNode node = g.nodes().get(step);
      for (String in : node.inputs()) {
        if (in.isEmpty()) {
          continue;
        }
        Operand o = operands.get(in);
        if (o == null) {
          throw new ModelFormatException(node.where() + ": reads unknown value '" + in + "'");
        }
        if (!o.isConstant() && !graphInputs.contains(in) && !firstWrite.containsKey(in)) {
          throw new ModelFormatException(node.where() + ": reads '" + in
              + "' before any node writes it (nodes are not in execution order)");
        }
        lastRead.put(in, step);
      }
      for (String out : node.outputs()) {
        Operand o = operands.get(out);
        if (o == null || o.isConstant()) {
          throw new ModelFormatException(node.where() + ": output '" + out + "' has no type"
              + (o == null ? "" : " (it is a constant)"));
        }
        if (graphInputs.contains(out) || firstWrite.containsKey(out)) {
          throw new ModelFormatException(node.where() + ": writes '" + out
              + "', which is already a graph input or another node's output");
        }
        firstWrite.put(out, step);
      }
      OpContext ctx = new OpContext(g, node, operands);
      ops[step] = factory.create(ctx);
      scratch.add(List.copyOf(ctx.scratch()));
    }

    int[] runsAt = fuse ? fuse(g, ops, firstWrite) : identity(steps);

    Set<String> pinned = new HashSet<>(graphInputs);
    Operand[] outputs = new Operand[g.outputs().size()];
    for (int i = 0; i < outputs.length; i++) {
      String name = g.outputs().get(i);
      Operand o = operands.get(name);
      if (o == null) {
        throw new ModelFormatException("graph output '" + name + "' has no type");
      }
      if (!o.isConstant() && !graphInputs.contains(name) && !firstWrite.containsKey(name)) {
        throw new ModelFormatException("graph output '" + name + "' is written by no node");
      }
      if (!o.isConstant()) {
        pinned.add(name);
      }
      outputs[i] = o;
    }

    // Liveness and placement, per arena.
    List<Operand> planned = new ArrayList<>();
    List<MemoryPlan.Request> requests = new ArrayList<>();
    // Pinned first, in input then output order, so the layout is readable and deterministic.
    Set<String> ordered = new java.util.LinkedHashSet<>(g.inputs());
    ordered.addAll(g.outputs());
    for (String name : ordered) {
      Operand o = operands.get(name);
      if (pinned.contains(name)) {
        planned.add(o);
        requests.add(new MemoryPlan.Request(o.size(), -1, steps, true));
      }
    }
    for (int step = 0; step < steps; step++) {
      for (String out : g.nodes().get(step).outputs()) {
        if (pinned.contains(out)) {
          continue;
        }
        Operand o = operands.get(out);
        int last = Math.max(step, lastRead.getOrDefault(out, step));
        planned.add(o);
        // A fused consumer writes its outputs during its producer's step.
        requests.add(new MemoryPlan.Request(o.size(), runsAt[step], last, false));
      }
      for (Operand s : scratch.get(step)) {
        planned.add(s);
        requests.add(new MemoryPlan.Request(s.size(), runsAt[step], step, false));
      }
    }
    int[] arenaSizes = new int[2];
    List<BufferInfo> buffers = new ArrayList<>(planned.size());
    for (Operand.Kind kind : new Operand.Kind[] {Operand.Kind.FLOAT_ARENA,
        Operand.Kind.WORD_ARENA}) {
      List<Integer> idx = new ArrayList<>();
      List<MemoryPlan.Request> reqs = new ArrayList<>();
      for (int i = 0; i < planned.size(); i++) {
        if (planned.get(i).kind() == kind) {
          idx.add(i);
          reqs.add(requests.get(i));
        }
      }
      MemoryPlan.Assignment a = MemoryPlan.assign(reqs);
      if (a.arenaSize() > MAX_ARENA) {
        throw new UnsupportedModelException("the model needs " + a.arenaSize() + " "
            + (kind == Operand.Kind.FLOAT_ARENA ? "floats" : "words")
            + " of working memory, more than one Java array holds");
      }
      arenaSizes[kind.ordinal()] = (int) a.arenaSize();
      for (int j = 0; j < idx.size(); j++) {
        Operand o = planned.get(idx.get(j));
        MemoryPlan.Request r = reqs.get(j);
        o.assignOffset((int) a.offsets()[j]);
        buffers.add(new BufferInfo(o.name(), kind, o.offset(), o.size(),
            r.pinned() ? -1 : r.firstStep(), r.pinned() ? steps : r.lastStep(), r.pinned()));
      }
    }
    // Values no node writes or reads (dangling types) never get a buffer; make that explicit.
    for (Operand o : operands.values()) {
      if (!o.isConstant() && !o.hasOffset()) {
        o.assignOffset(0);
      }
    }
    return new CompiledGraph(g.inputs(), g.outputs(), inputs, outputs, ops,
        arenaSizes[Operand.Kind.FLOAT_ARENA.ordinal()],
        arenaSizes[Operand.Kind.WORD_ARENA.ordinal()], buffers);
  }

  private static int[] identity(int steps) {
    int[] at = new int[steps];
    for (int i = 0; i < steps; i++) {
      at[i] = i;
    }
    return at;
  }

  /**
   * Moves each pass that reads only its input's positions (Binarize) into the pass of the op
   * that writes that input, when the producer writes it position by position (a binary layer
   * with float output); a producer takes one consumer. The consumer's step keeps an empty op, so
   * that steps still match the graph's nodes. Returns the step each node's work now runs at.
   */
  private static int[] fuse(Graph g, Op[] ops, Map<String, Integer> firstWrite) {
    int[] runsAt = identity(ops.length);
    boolean[] taken = new boolean[ops.length];
    for (int c = 0; c < ops.length; c++) {
      PositionPass consumer = pass(ops[c]);
      if (consumer == null || consumer.positionwiseInput() == null) {
        continue;
      }
      Integer p = firstWrite.get(consumer.positionwiseInput().name());
      if (p == null || taken[p] || runsAt[p] != p) {
        continue;
      }
      PositionPass producer = pass(ops[p]);
      if (producer == null || !FusedPass.fits(producer, consumer)) {
        continue;
      }
      String where = g.nodes().get(c).where();
      ops[p] = new NamedOp(ops[p] + " with " + where, new FusedPass(producer, consumer));
      ops[c] = new NamedOp(where + " (runs with " + g.nodes().get(p).where() + ")", run -> { });
      taken[p] = true;
      runsAt[c] = p;
    }
    return runsAt;
  }

  private static PositionPass pass(Op op) {
    Op body = op instanceof NamedOp n ? n.body() : op;
    return body instanceof PositionPass pp ? pp : null;
  }

  private static void requireFloatIo(String what, Operand o) {
    if (o.type().type() != ElementType.FLOAT32) {
      throw new UnsupportedModelException("graph " + what + " '" + o.name() + "' is "
          + o.type() + "; graph inputs and outputs must be float");
    }
  }

  public List<String> inputNames() {
    return inputNames;
  }

  public List<String> outputNames() {
    return outputNames;
  }

  /** Graph input {@code i} (a pinned float arena operand). */
  public Operand input(int i) {
    return inputs[i];
  }

  /** Graph output {@code i} (a pinned float arena operand, or a constant). */
  public Operand output(int i) {
    return outputs[i];
  }

  public int opCount() {
    return ops.length;
  }

  /** Floats in each session's float arena. */
  public int floatArenaSize() {
    return floatArenaSize;
  }

  /** Words in each session's word arena. */
  public int wordArenaSize() {
    return wordArenaSize;
  }

  /** Every planned buffer, for inspection and tests. */
  public List<BufferInfo> buffers() {
    return buffers;
  }

  /** Sum of the sizes of all planned float buffers: the arena size without any reuse. */
  public long unsharedFloatSize() {
    long n = 0;
    for (BufferInfo b : buffers) {
      if (b.arena() == Operand.Kind.FLOAT_ARENA) {
        n += b.size();
      }
    }
    return n;
  }

  /** A new executor with its own arenas, allocated now. */
  public Executor newExecutor() {
    return new Executor(this);
  }

  Op[] ops() {
    return ops;
  }

  @Override
  public String toString() {
    return "CompiledGraph[" + ops.length + " ops, inputs " + inputNames + ", outputs "
        + outputNames + ", arena " + floatArenaSize + " floats (" + unsharedFloatSize()
        + " without reuse) + " + wordArenaSize + " words]";
  }
}
