package org.bnn4j.format.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.onnx.proto.AttributeProto;
import org.bnn4j.format.onnx.proto.AttributeProto.AttributeType;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.TensorProto;

/**
 * Typed access to one ONNX node's attributes. A wrong attribute type is a {@link
 * ModelFormatException}; an attribute the op mapping does not know is an {@link
 * UnsupportedModelException}, since it may change the op's meaning.
 */
final class OnnxAttributes {
  private final String opType;
  private final String node;
  private final Map<String, AttributeProto> byName = new LinkedHashMap<>();

  OnnxAttributes(NodeProto proto, String nodeName) {
    this.opType = proto.getOpType();
    this.node = nodeName;
    for (AttributeProto a : proto.getAttributeList()) {
      if (!a.getRefAttrName().isEmpty()) {
        throw new ModelFormatException(where() + ": attribute '" + a.getName()
            + "' refers to a function attribute outside a function");
      }
      if (byName.put(a.getName(), a) != null) {
        throw new ModelFormatException(where() + ": attribute '" + a.getName()
            + "' is given twice");
      }
    }
  }

  private String where() {
    return opType + " node '" + node + "'";
  }

  /** Declines the node when it has an attribute outside {@code known}. */
  void allowOnly(String... known) {
    Set<String> ok = Set.of(known);
    for (String k : byName.keySet()) {
      if (!ok.contains(k)) {
        throw UnsupportedModelException.of(opType, node, "attribute '" + k
            + "' is not supported" + (known.length == 0 ? "" : " (supported: "
            + new TreeSet<>(ok) + ")"));
      }
    }
  }

  boolean has(String name) {
    return byName.containsKey(name);
  }

  long getInt(String name, long dflt) {
    AttributeProto a = typed(name, AttributeType.INT, AttributeProto::hasI);
    return a == null ? dflt : a.getI();
  }

  /** An int attribute in the int range. */
  int getSmallInt(String name, int dflt) {
    long v = getInt(name, dflt);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new ModelFormatException(where() + ": attribute '" + name + "' is " + v
          + ", out of range");
    }
    return (int) v;
  }

  float getFloat(String name, float dflt) {
    AttributeProto a = typed(name, AttributeType.FLOAT, AttributeProto::hasF);
    return a == null ? dflt : a.getF();
  }

  String getString(String name, String dflt) {
    AttributeProto a = typed(name, AttributeType.STRING, AttributeProto::hasS);
    return a == null ? dflt : a.getS().toString(StandardCharsets.UTF_8);
  }

  /** An ints attribute, or null when absent. */
  long[] getInts(String name) {
    AttributeProto a = typed(name, AttributeType.INTS, x -> true);
    return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * An ints attribute of exactly {@code length} values in the int range, or {@code dflt} when
   * absent.
   */
  int[] getInts(String name, int length, int[] dflt) {
    long[] v = getInts(name);
    if (v == null) {
      return dflt == null ? null : dflt.clone();
    }
    if (length >= 0 && v.length != length) {
      throw new ModelFormatException(where() + ": attribute '" + name + "' "
          + Arrays.toString(v) + " has " + v.length + " values, expected " + length);
    }
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
        throw new ModelFormatException(where() + ": attribute '" + name + "' "
            + Arrays.toString(v) + " is out of range");
      }
      out[i] = (int) v[i];
    }
    return out;
  }

  /** A floats attribute, or null when absent. */
  float[] getFloats(String name) {
    AttributeProto a = typed(name, AttributeType.FLOATS, x -> true);
    if (a == null) {
      return null;
    }
    float[] out = new float[a.getFloatsCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.getFloats(i);
    }
    return out;
  }

  /** A tensor attribute, or null when absent. */
  TensorProto getTensor(String name) {
    AttributeProto a = typed(name, AttributeType.TENSOR, AttributeProto::hasT);
    return a == null ? null : a.getT();
  }

  /** The named attribute checked to be of type {@code expected}, or null when absent. */
  private AttributeProto typed(String name, AttributeType expected,
      Predicate<AttributeProto> hasField) {
    AttributeProto a = byName.get(name);
    if (a != null) {
      check(a, expected, hasField.test(a));
    }
    return a;
  }

  /**
   * Checks the declared type; very old files leave it UNDEFINED, and then the field that holds a
   * value decides.
   */
  private void check(AttributeProto a, AttributeType expected, boolean hasField) {
    AttributeType t = a.getType();
    if (t == expected || (t == AttributeType.UNDEFINED && hasField)) {
      return;
    }
    throw new ModelFormatException(where() + ": attribute '" + a.getName() + "' should be "
        + expected + ", found " + t);
  }
}
