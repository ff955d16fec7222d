package org.bnn4j.runtime;

import java.util.List;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;

/** Builds small graphs for tests; node output types come from ShapeInference. */
public final class GraphBuilder {
  private final Graph g = new Graph();

  public GraphBuilder input(String name, int... dims) {
    g.inputs().add(name);
    g.types().put(name, ValueType.float32(dims));
    return this;
  }

  public GraphBuilder constant(String name, float[] data, int... dims) {
    g.constants().put(name, ConstTensor.ofFloats(dims, data));
    return this;
  }

  /** Adds a node; attrs are key, value pairs. Its output type is inferred. */
  public GraphBuilder node(OpType op, String out, List<String> inputs, Object... attrs) {
    OpNode n = new OpNode(out + "_node", op, inputs, List.of(out));
    for (int i = 0; i < attrs.length; i += 2) {
      n.set((String) attrs[i], attrs[i + 1]);
    }
    g.nodes().add(n);
    g.types().put(out, ShapeInference.infer(g, n).get(0));
    return this;
  }

  /** Adds a node with an explicit output type, bypassing inference. */
  public GraphBuilder nodeTyped(OpType op, String out, List<String> inputs, int[] outDims,
      Object... attrs) {
    OpNode n = new OpNode(out + "_node", op, inputs, List.of(out));
    for (int i = 0; i < attrs.length; i += 2) {
      n.set((String) attrs[i], attrs[i + 1]);
    }
    g.nodes().add(n);
    g.types().put(out, ValueType.float32(outDims));
    return this;
  }

  public GraphBuilder output(String name) {
    g.outputs().add(name);
    return this;
  }

  public Graph build() {
    return g;
  }

  /** input x[dims] then {@code length} Relu nodes r0..r(length-1); output is the last. */
  public static Graph reluChain(int length, int... dims) {
    GraphBuilder b = new GraphBuilder().input("x", dims);
    String prev = "x";
    for (int i = 0; i < length; i++) {
      String out = "r" + i;
      b.node(OpType.RELU, out, List.of(prev));
      prev = out;
    }
    return b.output(prev).build();
  }
}
