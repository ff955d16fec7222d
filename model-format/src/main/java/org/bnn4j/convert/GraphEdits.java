package org.bnn4j.convert;

import java.util.List;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ValueType;

/** Small queries and edits that several passes share. */
final class GraphEdits {
  private GraphEdits() {}

  /**
   * The values of constant {@code name} as one float per channel of a value of rank
   * {@code valueRank} with {@code channels} channels on axis 1, or null when the constant does not
   * broadcast that way. Scalars and [1] broadcast to every channel; for rank 4, [C], which numpy
   * would align with W, is not per-channel, while [C,1,1] and [1,C,1,1] are.
   */
  static float[] perChannel(Graph g, String name, int channels, int valueRank) {
    ConstTensor c = g.constant(name);
    if (c == null || c.type() != org.bnn4j.format.graph.ElementType.FLOAT32) {
      return null;
    }
    int[] d = c.dims();
    float[] v = c.floats();
    if (v.length == 1) {
      float[] out = new float[channels];
      java.util.Arrays.fill(out, v[0]);
      return out;
    }
    if (v.length != channels || d.length > valueRank) {
      return null;
    }
    // Right-align dims against the value's rank: the channel axis is index 1.
    int axis = valueRank - d.length;
    for (int i = 0; i < d.length; i++) {
      int valueAxis = axis + i;
      int expected = valueAxis == 1 ? channels : 1;
      if (d[i] != expected) {
        return null;
      }
    }
    return v.clone();
  }

  /** A float constant of exactly {@code n} elements, whatever its dims, else null. */
  static float[] vector(Graph g, String name, int n) {
    ConstTensor c = g.constant(name);
    if (c == null || c.type() != org.bnn4j.format.graph.ElementType.FLOAT32
        || c.elementCount() != n) {
      return null;
    }
    return c.floats().clone();
  }

  /**
   * The one node that reads {@code n}'s first output, or null when that value has no reader or
   * several, or is a graph output: the node a fusion may fold into {@code n}.
   */
  static OpNode soleConsumer(Graph g, OpNode n) {
    String value = n.output(0);
    List<OpNode> c = g.consumers().get(value);
    return c != null && c.size() == 1 && !g.outputs().contains(value) ? c.get(0) : null;
  }

  /** Adds a float constant under a fresh name derived from {@code base} and returns the name. */
  static String addConst(Graph g, String base, int[] dims, float[] data) {
    String name = g.freshName(base);
    g.constants().put(name, ConstTensor.ofFloats(dims, data));
    return name;
  }

  static String addInt64(Graph g, String base, long[] data) {
    String name = g.freshName(base);
    g.constants().put(name, ConstTensor.ofInt64(new int[] {data.length}, data));
    return name;
  }

  static String addBits(Graph g, String base, int[] dims, long[] words) {
    String name = g.freshName(base);
    g.constants().put(name, ConstTensor.ofBits(dims, words));
    return name;
  }

  /**
   * Removes nodes whose outputs nobody reads, then unused constants and types ({@link
   * Graph#removeDeadNodes}, which the ONNX importer uses too).
   */
  static int removeDeadNodes(Graph g) {
    return g.removeDeadNodes();
  }

  static ValueType typeOf(Graph g, String name) {
    return g.typeOf(name);
  }
}
