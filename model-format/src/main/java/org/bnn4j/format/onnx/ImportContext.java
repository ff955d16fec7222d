package org.bnn4j.format.onnx;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.proto.TensorProto;

/**
 * The names of one import: the graph being built, the initializers not yet converted, which ONNX
 * names are aliases of another value (Identity and friends), and which names are taken. Every
 * translator reaches it through its {@link NodeContext}.
 */
final class ImportContext {
  final Limits limits;
  final int opset;
  final Graph g = new Graph();
  /** Initializers not yet converted; converted on first use. */
  final Map<String, TensorProto> pending = new HashMap<>();
  /** ONNX element type of each constant in {@code g}. */
  final Map<String, Integer> constTypes = new HashMap<>();
  /** ONNX value name to the value it stands for (Identity and friends). */
  final Map<String, String> aliases = new HashMap<>();
  /** Every value name in the ONNX graph plus every name generated so far. */
  final Set<String> reserved = new HashSet<>();
  private final Set<String> nodeNames = new HashSet<>();
  /** Names written by some ONNX node, for "read before written" messages. */
  final Set<String> nodeOutputs = new HashSet<>();

  ImportContext(Limits limits, int opset) {
    this.limits = limits;
    this.opset = opset;
  }

  boolean isDefined(String name) {
    return g.types().containsKey(name) || g.constants().containsKey(name)
        || pending.containsKey(name) || aliases.containsKey(name);
  }

  /** The constant called {@code name} (converting an initializer on first use), or null. */
  Value constant(String name) {
    TensorProto t = pending.remove(name);
    if (t != null) {
      ConstTensor c = OnnxTensors.toConstTensor(t, "initializer '" + name + "'", limits);
      g.constants().put(name, c);
      constTypes.put(name, t.getDataType());
    }
    ConstTensor c = g.constants().get(name);
    return c == null ? null : new Value(c, constTypes.get(name));
  }

  void defineConst(String name, Value v) {
    g.constants().put(name, v.tensor());
    constTypes.put(name, v.onnxType());
  }

  /** Makes {@code name} another name for the value {@code target}. */
  void alias(String name, String target) {
    aliases.put(name, target);
  }

  String fresh(String base) {
    String n = base;
    for (int i = 1; reserved.contains(n) || isDefined(n); i++) {
      n = base + "_" + i;
    }
    reserved.add(n);
    return n;
  }

  String uniqueNodeName(String base) {
    String n = base;
    for (int i = 1; !nodeNames.add(n); i++) {
      n = base + "_" + i;
    }
    return n;
  }
}
