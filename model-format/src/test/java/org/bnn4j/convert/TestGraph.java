package org.bnn4j.convert;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnn4j.format.GraphValidator;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ValueType;

/**
 * Builds the small graphs the pass tests feed to one pass: values typed by {@link
 * ShapeInference}, bits constants packed by the BIT CONVENTION of bnn4j_model.proto, and a
 * snapshot that tells whether a pass left a graph as it was.
 */
final class TestGraph {
  final Graph g = new Graph();

  TestGraph input(String name, int... dims) {
    g.inputs().add(name);
    g.types().put(name, ValueType.float32(dims));
    return this;
  }

  TestGraph constant(String name, float[] data, int... dims) {
    g.constants().put(name, ConstTensor.ofFloats(dims, data));
    return this;
  }

  TestGraph int64(String name, long... data) {
    g.constants().put(name, ConstTensor.ofInt64(new int[] {data.length}, data));
    return this;
  }

  /**
   * A BITS constant of logical dims {@code [rows..., channels]} holding the signs of {@code
   * values} (row-major over those dims): a negative value is bit 1 (-1), anything else bit 0.
   */
  TestGraph bits(String name, float[] values, int... dims) {
    int channels = dims[dims.length - 1];
    int words = ConstTensor.wordsPerRow(channels);
    long[] packed = new long[values.length / channels * words];
    for (int i = 0; i < values.length; i++) {
      int row = i / channels;
      int c = i % channels;
      if (values[i] < 0f) {
        packed[row * words + c / 64] |= 1L << (c % 64);
      }
    }
    g.constants().put(name, ConstTensor.ofBits(dims, packed));
    return this;
  }

  /** Adds a node whose output type {@link ShapeInference} derives; attrs are key, value pairs. */
  OpNode node(OpType op, String out, List<String> inputs, Object... attrs) {
    OpNode n = new OpNode(out + "_node", op, inputs, List.of(out));
    for (int i = 0; i < attrs.length; i += 2) {
      n.set((String) attrs[i], attrs[i + 1]);
    }
    g.nodes().add(n);
    g.types().put(out, ShapeInference.infer(g, n).get(0));
    return n;
  }

  TestGraph output(String name) {
    g.outputs().add(name);
    return this;
  }

  /** The graph, checked as the converter checks it after every pass. */
  Graph build() {
    return build(g);
  }

  /** {@code g} after the checks the converter runs after every pass. */
  static Graph build(Graph g) {
    GraphValidator.validate(g, Limits.DEFAULT);
    return g;
  }

  // ---- queries the tests share ----

  static long count(Graph g, OpType op) {
    return g.nodes().stream().filter(n -> n.op() == op).count();
  }

  static OpNode only(Graph g, OpType op) {
    List<OpNode> found = g.nodes().stream().filter(n -> n.op() == op).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + op + ", found " + found + " in " + g.nodes());
    }
    return found.get(0);
  }

  static List<OpType> ops(Graph g) {
    return g.nodes().stream().map(OpNode::op).toList();
  }

  /** Everything a pass could change: nodes, attributes, types, constants' contents, metadata. */
  static String snapshot(Graph g) {
    StringBuilder sb = new StringBuilder();
    sb.append(g.inputs()).append(" -> ").append(g.outputs()).append('\n');
    for (OpNode n : g.nodes()) {
      // Trailing "" inputs mean absent: padding a binary layer to its full transform arity
      // (which OutputTransformFusionPass does to every layer it looks at) changes nothing.
      List<String> in = new java.util.ArrayList<>(n.inputs());
      while (!in.isEmpty() && in.get(in.size() - 1).isEmpty()) {
        in.remove(in.size() - 1);
      }
      sb.append(n.where()).append(' ').append(in).append(" -> ").append(n.outputs());
      for (Map.Entry<String, Object> a : n.attrs().entrySet()) {
        Object v = a.getValue();
        sb.append(' ').append(a.getKey()).append('=').append(v instanceof long[] l
            ? Arrays.toString(l) : v instanceof float[] f ? Arrays.toString(f) : v);
      }
      sb.append('\n');
    }
    sb.append(g.types()).append('\n');
    for (Map.Entry<String, ConstTensor> e : g.constants().entrySet()) {
      ConstTensor c = e.getValue();
      sb.append(e.getKey()).append(' ').append(c.valueType()).append(' ')
          .append(c.type() == org.bnn4j.format.graph.ElementType.FLOAT32
              ? Arrays.toString(c.floats()) : Arrays.toString(c.longs()))
          .append('\n');
    }
    return sb.append(g.metadata()).toString();
  }

  static float[] gaussian(Random rnd, int n, float scale, float offset) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = offset + scale * (float) rnd.nextGaussian();
    }
    return f;
  }

  /** Values +-a[m] per row of {@code rowLen}, signs random. */
  static float[] plusMinus(Random rnd, float[] a, int rowLen) {
    float[] w = new float[a.length * rowLen];
    for (int i = 0; i < w.length; i++) {
      w[i] = rnd.nextBoolean() ? a[i / rowLen] : -a[i / rowLen];
    }
    return w;
  }

  /** Random signs, +-1. */
  static float[] signs(Random rnd, int n) {
    return plusMinus(rnd, new float[] {1f}, n);
  }
}
