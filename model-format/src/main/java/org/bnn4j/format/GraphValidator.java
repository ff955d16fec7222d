package org.bnn4j.format;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bnn4j.Bnn4jException;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.ElementType;

/**
 * Checks a whole graph before the engine runs it: sizes against the {@link Limits}, that values
 * are written once and before they are read, and that every stored type is what {@link
 * ShapeInference} derives. A graph from a .bnn file is untrusted, so this throws nothing but
 * {@link Bnn4jException}s, whatever the graph holds.
 */
public final class GraphValidator {
  private GraphValidator() {}

  /**
   * Validates {@code g}.
   *
   * @throws ModelFormatException when the graph is malformed or over a limit
   * @throws org.bnn4j.UnsupportedModelException when it is well formed but uses something bnn4j
   *     does not run
   */
  public static void validate(Graph g, Limits limits) {
    Objects.requireNonNull(g, "graph");
    Objects.requireNonNull(limits, "limits");
    try {
      check(g, limits);
    } catch (Bnn4jException e) {
      throw e;
    } catch (RuntimeException e) {
      // Defence in depth: a check above missed a malformed case. Still report it as a bad model.
      throw new ModelFormatException("internal error while validating the graph (a bnn4j bug,"
          + " please report it): " + e, e);
    }
  }

  private static void check(Graph g, Limits limits) {
    List<OpNode> nodes = g.nodes();
    if (nodes.size() > limits.maxNodes()) {
      throw new ModelFormatException("graph has " + nodes.size() + " nodes, over the limit of "
          + limits.maxNodes() + " (maxNodes)");
    }
    // Where each available value comes from, for messages: "graph input", "constant", a node.
    Map<String, String> available = new HashMap<>();

    for (Map.Entry<String, ConstTensor> e : g.constants().entrySet()) {
      String name = requireName(e.getKey(), "a constant");
      ConstTensor c = e.getValue();
      if (c == null) {
        throw new ModelFormatException("constant '" + name + "' has no data");
      }
      checkDims("constant '" + name + "'", c.dims(), limits, false);
      available.put(name, "a constant");
    }

    for (Map.Entry<String, ValueType> e : g.types().entrySet()) {
      String name = requireName(e.getKey(), "a typed value");
      ValueType t = e.getValue();
      if (t == null) {
        throw new ModelFormatException("value '" + name + "' has a null type");
      }
      ConstTensor c = g.constants().get(name);
      if (c != null) {
        if (!t.equals(c.valueType())) {
          throw new ModelFormatException("constant '" + name + "' is " + c.valueType()
              + " but its stored type is " + t);
        }
        continue;
      }
      if (t.type() != ElementType.FLOAT32 && t.type() != ElementType.BITS) {
        throw new ModelFormatException("value '" + name + "' has type " + t.type()
            + ", expected FLOAT32 or BITS");
      }
      checkDims("value '" + name + "'", t.dims(), limits, true);
    }

    for (String in : g.inputs()) {
      String name = requireName(in, "a graph input");
      if (available.containsKey(name)) {
        throw new ModelFormatException("graph input '" + name + "' is listed twice or is also "
            + available.get(name));
      }
      ValueType t = g.types().get(name);
      if (t == null) {
        throw new ModelFormatException("graph input '" + name + "' has no type");
      }
      if (t.type() != ElementType.FLOAT32) {
        throw new ModelFormatException("graph input '" + name + "' is " + t
            + ", expected float");
      }
      available.put(name, "a graph input");
    }

    // The first node that writes each value, to tell "read too early" from "never written".
    Map<String, String> writers = new HashMap<>();
    for (OpNode n : nodes) {
      if (n != null) {
        for (String o : n.outputs()) {
          if (o != null) {
            writers.putIfAbsent(o, describe(n));
          }
        }
      }
    }

    Set<String> nodeNames = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      OpNode n = nodes.get(i);
      if (n == null) {
        throw new ModelFormatException("node " + i + " is missing");
      }
      String where = describe(n);
      if (n.name() == null || n.name().isEmpty()) {
        throw new ModelFormatException("node " + i + " (" + where + ") has no name");
      }
      if (!nodeNames.add(n.name())) {
        throw new ModelFormatException("node name '" + n.name() + "' is used twice");
      }
      if (n.op() == null) {
        throw new ModelFormatException("node '" + n.name() + "' has no op type");
      }
      for (String in : n.inputs()) {
        if (in == null) {
          throw new ModelFormatException(where + " has a null input name");
        }
        if (in.isEmpty() || available.containsKey(in)) {
          continue; // "" is an absent optional input; ShapeInference decides if that is allowed
        }
        String writer = writers.get(in);
        if (writer != null) {
          throw new ModelFormatException(where + " reads '" + in + "' before it is written (by "
              + writer + ")");
        }
        throw new ModelFormatException(where + " reads '" + in + "', which is not a graph input,"
            + " a constant or the output of any node");
      }
      Set<String> own = new HashSet<>();
      for (String o : n.outputs()) {
        if (o == null || o.isEmpty()) {
          throw new ModelFormatException(where + " has an empty output name");
        }
        if (!own.add(o)) {
          throw new ModelFormatException("value '" + o + "' is written twice by " + where);
        }
        String earlier = available.get(o);
        if (earlier != null) {
          throw new ModelFormatException("value '" + o + "' is written twice: by " + where
              + (earlier.startsWith("a ") ? ", and it is " + earlier : " and by " + earlier));
        }
      }
      List<ValueType> inferred = ShapeInference.infer(g, n, limits);
      if (inferred.size() != n.outputs().size()) {
        throw new ModelFormatException(where + " has " + n.outputs().size()
            + " outputs, its op defines " + inferred.size());
      }
      for (int k = 0; k < inferred.size(); k++) {
        String o = n.outputs().get(k);
        ValueType stored = g.types().get(o);
        if (stored == null) {
          throw new ModelFormatException("value '" + o + "' written by " + where
              + " has no stored type (it infers as " + inferred.get(k) + ")");
        }
        if (!stored.equals(inferred.get(k))) {
          throw new ModelFormatException("value '" + o + "' written by " + where
              + " is stored as " + stored + " but infers as " + inferred.get(k));
        }
        available.put(o, where);
      }
    }

    if (g.outputs().isEmpty()) {
      throw new ModelFormatException("graph has no outputs");
    }
    for (String out : g.outputs()) {
      String name = requireName(out, "a graph output");
      if (!available.containsKey(name)) {
        throw new ModelFormatException("graph output '" + name + "' is never written and is"
            + " neither a graph input nor a constant");
      }
      ValueType t = g.typeOf(name);
      if (t == null || (t.type() != ElementType.FLOAT32 && t.type() != ElementType.BITS)) {
        throw new ModelFormatException("graph output '" + name + "' is " + t
            + ", expected float or bits");
      }
    }
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new ModelFormatException(what + " has an empty name");
    }
    return name;
  }

  private static void checkDims(String what, int[] dims, Limits limits, boolean nonEmpty) {
    if (dims == null) {
      throw new ModelFormatException(what + " has no dims");
    }
    if (dims.length > ShapeInference.MAX_RANK) {
      throw new ModelFormatException(what + " has rank " + dims.length + ", at most "
          + ShapeInference.MAX_RANK + " allowed");
    }
    long[] d = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (nonEmpty && dims[i] == 0) {
        throw new ModelFormatException(what + " has an empty dim " + i + " in "
            + java.util.Arrays.toString(dims) + "; values must hold at least one element");
      }
      d[i] = dims[i];
    }
    limits.checkedElementCount(what, d);
  }

  private static String describe(OpNode n) {
    return (n.op() == null ? "?" : n.op().opName()) + " node '" + n.name() + "'";
  }
}
