package org.bnn4j.format.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model graph: nodes in execution order over named values, with constants and static types.
 * Mutable while the converter works on it; the engine treats a loaded graph as read-only.
 */
public final class Graph {
  private final List<String> inputs = new ArrayList<>();
  private final List<String> outputs = new ArrayList<>();
  private final Map<String, ValueType> types = new LinkedHashMap<>();
  private final Map<String, ConstTensor> constants = new LinkedHashMap<>();
  private final List<OpNode> nodes = new ArrayList<>();
  private GraphMetadata metadata = GraphMetadata.EMPTY;

  /** Graph input names, in order (mutable). */
  public List<String> inputs() {
    return inputs;
  }

  /** Graph output names, in order (mutable). */
  public List<String> outputs() {
    return outputs;
  }

  /** Static type of every non-constant value: inputs, intermediates, outputs (mutable). */
  public Map<String, ValueType> types() {
    return types;
  }

  /** Constants by name (mutable). */
  public Map<String, ConstTensor> constants() {
    return constants;
  }

  /** Nodes in execution order (mutable). */
  public List<OpNode> nodes() {
    return nodes;
  }

  /** What the model says about itself; {@link GraphMetadata#EMPTY} until set. */
  public GraphMetadata metadata() {
    return metadata;
  }

  public void setMetadata(GraphMetadata metadata) {
    this.metadata = Objects.requireNonNull(metadata, "metadata");
  }

  public boolean isConstant(String name) {
    return constants.containsKey(name);
  }

  public ConstTensor constant(String name) {
    return constants.get(name);
  }

  /** Type of a value or constant, or null when the name is unknown. */
  public ValueType typeOf(String name) {
    ValueType t = types.get(name);
    if (t == null) {
      ConstTensor c = constants.get(name);
      if (c != null) {
        return c.valueType();
      }
    }
    return t;
  }

  /** The node that writes each value. */
  public Map<String, OpNode> producers() {
    Map<String, OpNode> m = new HashMap<>();
    for (OpNode n : nodes) {
      for (String o : n.outputs()) {
        m.put(o, n);
      }
    }
    return m;
  }

  /** The nodes that read each value, in execution order. */
  public Map<String, List<OpNode>> consumers() {
    Map<String, List<OpNode>> m = new HashMap<>();
    for (OpNode n : nodes) {
      for (String i : n.inputs()) {
        if (!i.isEmpty()) {
          m.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
      }
    }
    return m;
  }

  /** A value name not yet used in this graph, derived from {@code base}. */
  public String freshName(String base) {
    if (!types.containsKey(base) && !constants.containsKey(base)) {
      return base;
    }
    for (int i = 1; ; i++) {
      String n = base + "_" + i;
      if (!types.containsKey(n) && !constants.containsKey(n)) {
        return n;
      }
    }
  }

  /** Drops constants and value types that no node, input or output refers to. */
  public void removeUnused() {
    java.util.Set<String> used = new java.util.HashSet<>(inputs);
    used.addAll(outputs);
    for (OpNode n : nodes) {
      used.addAll(n.inputs());
      used.addAll(n.outputs());
    }
    constants.keySet().retainAll(used);
    types.keySet().retainAll(used);
  }

  /**
   * Removes the nodes that no graph output depends on, then the constants and types nothing
   * refers to any more; returns how many nodes went. Liveness is walked back from the outputs
   * through each value's producer, so the cost is linear whatever the node order.
   */
  public int removeDeadNodes() {
    Map<String, OpNode> producers = producers();
    java.util.Set<OpNode> live = java.util.Collections.newSetFromMap(
        new java.util.IdentityHashMap<>());
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(outputs);
    while (!todo.isEmpty()) {
      OpNode n = producers.get(todo.pop());
      if (n != null && live.add(n)) {
        todo.addAll(n.inputs());
      }
    }
    int before = nodes.size();
    nodes.removeIf(n -> !live.contains(n));
    removeUnused();
    return before - nodes.size();
  }
}
