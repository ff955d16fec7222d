package org.bnn4j.format.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.ModelFormatException;

/**
 * One op in a graph. Attribute values are {@code Long}, {@code Float}, {@code String},
 * {@code long[]} or {@code float[]}. Input names may be "" for an absent optional input.
 */
public final class OpNode {
  private String name;
  private OpType op;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, Object> attrs;

  public OpNode(String name, OpType op, List<String> inputs, List<String> outputs) {
    this.name = name;
    this.op = op;
    this.inputs = new ArrayList<>(inputs);
    this.outputs = new ArrayList<>(outputs);
    this.attrs = new LinkedHashMap<>();
  }

  public String name() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public OpType op() {
    return op;
  }

  public void setOp(OpType op) {
    this.op = op;
  }

  /** Mutable list of input value names. */
  public List<String> inputs() {
    return inputs;
  }

  /** Mutable list of output value names. */
  public List<String> outputs() {
    return outputs;
  }

  /** Mutable attribute map, in insertion order. */
  public Map<String, Object> attrs() {
    return attrs;
  }

  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }

  public boolean hasInput(int i) {
    return i < inputs.size() && !inputs.get(i).isEmpty();
  }

  public String output(int i) {
    return outputs.get(i);
  }

  public OpNode set(String key, Object value) {
    if (value instanceof Integer i) {
      value = i.longValue();
    } else if (value instanceof Double d) {
      value = d.floatValue();
    } else if (value instanceof int[] a) {
      value = Arrays.stream(a).asLongStream().toArray();
    }
    attrs.put(key, value);
    return this;
  }

  public boolean has(String key) {
    return attrs.containsKey(key);
  }

  public long getLong(String key, long dflt) {
    Long v = get(key, Long.class, "an int");
    return v == null ? dflt : v;
  }

  public int getInt(String key, int dflt) {
    long v = getLong(key, dflt);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new ModelFormatException(where() + ": attribute '" + key + "' is " + v
          + ", out of the int range");
    }
    return (int) v;
  }

  public int requireInt(String key) {
    require(key);
    return getInt(key, 0);
  }

  public float getFloat(String key, float dflt) {
    Float v = get(key, Float.class, "a float");
    return v == null ? dflt : v;
  }

  public String getString(String key, String dflt) {
    String v = get(key, String.class, "a string");
    return v == null ? dflt : v;
  }

  public long[] getLongs(String key, long[] dflt) {
    long[] v = get(key, long[].class, "a list of ints");
    return v == null ? dflt : v.clone();
  }

  /** Ints attribute of exactly {@code length} values, each in the int range. */
  public int[] getInts(String key, int length, int[] dflt) {
    long[] v = getLongs(key, null);
    if (v == null) {
      if (dflt == null) {
        throw new ModelFormatException(where() + ": missing attribute '" + key + "'");
      }
      return dflt.clone();
    }
    if (length >= 0 && v.length != length) {
      throw new ModelFormatException(where() + ": attribute '" + key + "' has " + v.length
          + " values, expected " + length);
    }
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
        throw new ModelFormatException(where() + ": attribute '" + key + "'[" + i + "] is "
            + v[i] + ", out of the int range");
      }
      out[i] = (int) v[i];
    }
    return out;
  }

  public float[] getFloats(String key, float[] dflt) {
    float[] v = get(key, float[].class, "a list of floats");
    return v == null ? dflt : v.clone();
  }

  /** The attribute's value, null when absent; one of another type is malformed. */
  private <T> T get(String key, Class<T> type, String expected) {
    Object v = attrs.get(key);
    if (v == null || type.isInstance(v)) {
      return type.cast(v);
    }
    throw badType(key, expected, v);
  }

  private void require(String key) {
    if (!attrs.containsKey(key)) {
      throw new ModelFormatException(where() + ": missing attribute '" + key + "'");
    }
  }

  private ModelFormatException badType(String key, String expected, Object v) {
    return new ModelFormatException(where() + ": attribute '" + key + "' should be " + expected
        + ", found " + v.getClass().getSimpleName());
  }

  /** "Conv2d node 'conv1'", for messages. */
  public String where() {
    return (op == null ? "?" : op.opName()) + " node '" + name + "'";
  }

  @Override
  public String toString() {
    return where() + " " + inputs + " -> " + outputs + " " + attrsToString();
  }

  private String attrsToString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : attrs.entrySet()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      Object v = e.getValue();
      String s = v instanceof long[] a ? Arrays.toString(a)
          : v instanceof float[] f ? Arrays.toString(f) : String.valueOf(v);
      sb.append(e.getKey()).append('=').append(s);
    }
    return sb.append('}').toString();
  }
}
