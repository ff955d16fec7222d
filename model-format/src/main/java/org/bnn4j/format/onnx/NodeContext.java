package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.ConstantFolding.Where;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;

/**
 * One ONNX node being imported: its attributes, its resolved input names, and the operations a
 * translator needs (checks that throw the importer's messages, constant lookup, emitting engine
 * nodes, folding, aliasing), all working on the {@link ImportContext} of the import.
 */
final class NodeContext {
  private static final int FLOAT = DataType.FLOAT_VALUE;

  private final ImportContext im;
  final NodeProto p;
  final String op;
  final String name;
  final OnnxAttributes attrs;
  final Where where;
  final List<String> ins = new ArrayList<>();
  private boolean named;

  NodeContext(ImportContext im, NodeProto p, String name) {
    this.im = im;
    this.p = p;
    this.op = p.getOpType();
    this.name = name;
    this.where = new Where(op, name);
    this.attrs = new OnnxAttributes(p, name);
  }

  UnsupportedModelException unsupported(String reason) {
    return UnsupportedModelException.of(op, name, reason);
  }

  ModelFormatException malformed(String reason) {
    return new ModelFormatException(op + " node '" + name + "': " + reason);
  }

  /** Checks the input count and that the first {@code min} inputs are given. */
  void inputs(int min, int max) {
    int n = ins.size();
    if (n < min || n > max) {
      throw malformed("has " + n + " inputs, expected "
          + (min == max ? String.valueOf(min) : min + " to " + max));
    }
    for (int i = 0; i < min; i++) {
      if (ins.get(i).isEmpty()) {
        throw malformed("required input " + i + " is empty");
      }
    }
  }

  boolean has(int i) {
    return i < ins.size() && !ins.get(i).isEmpty();
  }

  String in(int i) {
    return i < ins.size() ? ins.get(i) : "";
  }

  String out(int i) {
    return p.getOutput(i);
  }

  boolean isConst(int i) {
    return has(i) && im.constant(ins.get(i)) != null;
  }

  Value constIn(int i) {
    return has(i) ? im.constant(ins.get(i)) : null;
  }

  /** A constant input that must be there, for constant-only ops. */
  Value requireConst(int i, String role) {
    Value v = constIn(i);
    if (v == null) {
      throw unsupported(role + " '" + in(i) + "' is "
          + (im.g.inputs().contains(in(i)) ? "a graph input" : "computed at runtime")
          + "; bnn4j needs it to be a constant");
    }
    return v;
  }

  /** A constant 1-D (or scalar) integer input's values. */
  long[] constInts(int i, String role) {
    Value v = requireConst(i, role);
    if (v.isFloat() || v.rank() > 1) {
      throw malformed(role + " '" + in(i) + "' is " + v.typeName() + " "
          + Arrays.toString(v.dims()) + ", expected a 1-D integer tensor");
    }
    return v.longs();
  }

  ValueType type(int i) {
    if (!has(i)) {
      throw malformed("input " + i + " is missing");
    }
    im.constant(ins.get(i));
    return im.g.typeOf(ins.get(i));
  }

  String nodeName(String suffix) {
    if (!named) {
      named = true;
      return im.uniqueNodeName(name);
    }
    return im.uniqueNodeName(name + "/" + suffix);
  }

  /** Emits an engine node; attrs are key, value pairs. Returns the output name. */
  String emit(OpType opType, String suffix, List<String> inputs, String output,
      Object... kv) {
    for (String in : inputs) {
      Value c = in.isEmpty() ? null : im.constant(in);
      if (c != null && c.onnxType() != FLOAT) {
        throw unsupported("input '" + in + "' is a constant of type " + c.typeName() + "; "
            + opType.opName() + " runs on float32");
      }
    }
    OpNode n = new OpNode(nodeName(suffix), opType, inputs, List.of(output));
    for (int i = 0; i < kv.length; i += 2) {
      n.set((String) kv[i], kv[i + 1]);
    }
    im.g.types().put(output, ShapeInference.infer(im.g, n, im.limits).get(0));
    im.g.nodes().add(n);
    return output;
  }

  /** Reshapes (folds constants, aliases when nothing changes). */
  String reshapeTo(String input, int[] dims, String output, String suffix) {
    if (dims.length > ShapeInference.MAX_RANK) {
      throw unsupported("result rank " + dims.length + " is over the "
          + ShapeInference.MAX_RANK + " dims bnn4j supports");
    }
    Value c = im.constant(input);
    if (c != null) {
      if (c.count() != count(dims)) {
        throw malformed("cannot reshape " + Arrays.toString(c.dims()) + " to "
            + Arrays.toString(dims));
      }
      im.defineConst(output, c.reshaped(dims));
    } else if (Arrays.equals(im.g.typeOf(input).dims(), dims)) {
      im.alias(output, input);
    } else {
      emit(OpType.RESHAPE, suffix, List.of(input), output,
          "shape", Arrays.stream(dims).asLongStream().toArray());
    }
    return output;
  }

  /** A fresh name for an intermediate value of this node. */
  String temp(String what) {
    return im.fresh(out(0) + "/" + what);
  }

  /** Defines {@code name} as a folded constant. */
  void define(String name, Value v) {
    im.defineConst(name, v);
  }

  /** Makes {@code out} another name for the value {@code in}. */
  void alias(String out, String in) {
    im.alias(out, in);
  }

  int opset() {
    return im.opset;
  }

  Limits limits() {
    return im.limits;
  }

  Graph graph() {
    return im.g;
  }

  /** The constant called {@code name}, or null when it is computed at runtime. */
  Value constant(String name) {
    return im.constant(name);
  }

  /** A one-element float constant input, such as a Clip bound or a Pad value. */
  float scalarFloat(int i, String role) {
    Value v = requireConst(i, role);
    if (!v.isFloat() || v.count() != 1) {
      throw malformed(role + " '" + in(i) + "' is " + v.typeName() + " "
          + Arrays.toString(v.dims()) + ", expected one float");
    }
    return v.floats()[0];
  }

  /**
   * Axes from the attribute (opsets before {@code inputSince}) or from input 1; null when absent.
   * Also checks the attributes ({@code otherAttrs} plus axes where it is one) and input count.
   */
  long[] axesOf(int inputSince, String... otherAttrs) {
    if (opset() < inputSince) {
      String[] allowed = Arrays.copyOf(otherAttrs, otherAttrs.length + 1);
      allowed[otherAttrs.length] = "axes";
      attrs.allowOnly(allowed);
      inputs(1, 1);
      return attrs.getInts("axes");
    }
    attrs.allowOnly(otherAttrs);
    inputs(1, 2);
    return has(1) ? constInts(1, "axes") : null;
  }

  /** Marks the given axes (negative ones counted from the end) of a value of this rank. */
  boolean[] normaliseAxes(long[] axes, int rank) {
    boolean[] mark = new boolean[rank];
    for (long a : axes) {
      long x = a < 0 ? a + rank : a;
      if (x < 0 || x >= rank || mark[(int) x]) {
        throw malformed("axes " + Arrays.toString(axes) + " are out of range or repeated for"
            + " rank " + rank);
      }
      mark[(int) x] = true;
    }
    return mark;
  }

  /** The element count of these dims (callers' dims are already within the limits). */
  static long count(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
