package org.bnn4j.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ElementType;

/**
 * What an {@link OpFactory} sees while it builds the op for one node: the node, its bound
 * operands, and helpers that check them and report errors naming the node.
 */
public final class OpContext {
  private final Graph graph;
  private final OpNode node;
  private final Map<String, Operand> operands;
  private final List<Operand> scratch = new ArrayList<>();

  OpContext(Graph graph, OpNode node, Map<String, Operand> operands) {
    this.graph = graph;
    this.node = node;
    this.operands = operands;
  }

  /** The graph, read-only. */
  public Graph graph() {
    return graph;
  }

  /** The node being compiled, read-only. */
  public OpNode node() {
    return node;
  }

  public int inputCount() {
    return node.inputs().size();
  }

  public int outputCount() {
    return node.outputs().size();
  }

  /** Input {@code i}, or null when it is absent (past the end or named ""). */
  public Operand input(int i) {
    if (!node.hasInput(i)) {
      return null;
    }
    return lookup(node.input(i));
  }

  public Operand output(int i) {
    return lookup(node.output(i));
  }

  private Operand lookup(String name) {
    Operand o = operands.get(name);
    if (o == null) {
      throw error("value '" + name + "' has no type or constant");
    }
    return o;
  }

  /** Checks the input count is in {@code [min, max]} and the output count is {@code outputs}. */
  public void expectArity(int min, int max, int outputs) {
    int n = inputCount();
    if (n < min || n > max) {
      throw error("has " + n + " inputs, expected "
          + (min == max ? String.valueOf(min) : min + " to " + max));
    }
    if (outputCount() != outputs) {
      throw error("has " + outputCount() + " outputs, expected " + outputs);
    }
  }

  /** Required float input {@code i}. */
  public Operand floatInput(int i) {
    Operand o = input(i);
    if (o == null) {
      throw error("input " + i + " is missing");
    }
    requireFloat(o);
    return o;
  }

  /** Optional float input {@code i}, or null. */
  public Operand optionalFloatInput(int i) {
    Operand o = input(i);
    if (o != null) {
      requireFloat(o);
    }
    return o;
  }

  /** Float output {@code i} (always an arena value). */
  public Operand floatOutput(int i) {
    Operand o = output(i);
    if (o.isConstant()) {
      throw error("output '" + o.name() + "' is also a constant");
    }
    requireFloat(o);
    return o;
  }

  private void requireFloat(Operand o) {
    if (o.type().type() != ElementType.FLOAT32) {
      throw UnsupportedModelException.of(node.op().opName(), node.name(),
          "value '" + o.name() + "' is " + o.type() + "; this op runs on float values only");
    }
  }

  /** Checks an operand's dims, naming it and both shapes on mismatch. */
  public void expectDims(Operand o, int[] expected) {
    if (!Arrays.equals(o.dims(), expected)) {
      throw error("'" + o.name() + "' has shape " + Arrays.toString(o.dims()) + ", the op needs "
          + Arrays.toString(expected));
    }
  }

  /** Checks an operand's rank. */
  public void expectRank(Operand o, int rank) {
    if (o.rank() != rank) {
      throw error("'" + o.name() + "' has rank " + o.rank() + " (shape "
          + Arrays.toString(o.dims()) + "), expected " + rank);
    }
  }

  /** Requests {@code floats} of scratch, live only while this node runs. */
  public Operand scratchFloats(int floats) {
    Operand o = Operand.scratch(node.name() + "#scratch" + scratch.size(), floats);
    scratch.add(o);
    return o;
  }

  /** Requests {@code words} 64-bit words of scratch, live only while this node runs. */
  public Operand scratchWords(int words) {
    Operand o = Operand.scratchWords(node.name() + "#scratch" + scratch.size(), words);
    scratch.add(o);
    return o;
  }

  List<Operand> scratch() {
    return scratch;
  }

  /** A ModelFormatException prefixed with the node, e.g. "Conv2d node 'c1': ...". */
  public ModelFormatException error(String message) {
    return new ModelFormatException(node.where() + ": " + message);
  }

  /** An UnsupportedModelException naming the op and node. */
  public UnsupportedModelException unsupported(String reason) {
    return UnsupportedModelException.of(node.op().opName(), node.name(), reason);
  }
}
