package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnn4j.format.onnx.ConstantFolding.Value;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;

/**
 * The shape arithmetic PyTorch exports (Constant, Shape, Gather, Cast, ConstantOfShape, Slice,
 * ReduceMean, ReduceSum): folded to constants at import, since bnn4j's shapes are static. Slice
 * and Cast to float also run on runtime tensors.
 */
final class ShapeTranslators {
  private static final int FLOAT = DataType.FLOAT_VALUE;
  private static final int INT64 = DataType.INT64_VALUE;

  private ShapeTranslators() {}

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("Constant", 6, 25, ShapeTranslators::constantNode);
    f.register("Shape", 6, 25, ShapeTranslators::shape);
    f.register("Gather", 6, 25, ShapeTranslators::gather);
    f.register("Cast", 6, 25, ShapeTranslators::cast);
    f.register("ConstantOfShape", 6, 25, ShapeTranslators::constantOfShape);
    f.register("Slice", 6, 25, ShapeTranslators::slice);
    f.register("ReduceMean", 6, 25, ShapeTranslators::reduce);
    f.register("ReduceSum", 6, 25, ShapeTranslators::reduce);
  }

  private static void constantNode(NodeContext c) {
    c.attrs.allowOnly("value", "value_float", "value_floats", "value_int", "value_ints",
        "sparse_value", "value_string", "value_strings");
    c.inputs(0, 0);
    List<String> given = new ArrayList<>();
    for (String k : List.of("value", "value_float", "value_floats", "value_int", "value_ints",
        "sparse_value", "value_string", "value_strings")) {
      if (c.attrs.has(k)) {
        given.add(k);
      }
    }
    if (given.size() != 1) {
      throw c.malformed("needs exactly one value attribute, found " + given);
    }
    Value v = switch (given.get(0)) {
      case "value" -> {
        TensorProto t = c.attrs.getTensor("value");
        yield new Value(OnnxTensors.toConstTensor(t, "Constant node '" + c.name + "' value",
            c.limits()), t.getDataType());
      }
      case "value_float" -> Value.floats(new int[0],
          new float[] {c.attrs.getFloat("value_float", 0f)});
      case "value_floats" -> {
        float[] f = c.attrs.getFloats("value_floats");
        yield Value.floats(new int[] {f.length}, f);
      }
      case "value_int" -> Value.longs(new int[0], new long[] {c.attrs.getInt("value_int", 0)},
          INT64);
      case "value_ints" -> {
        long[] l = c.attrs.getInts("value_ints");
        yield Value.longs(new int[] {l.length}, l, INT64);
      }
      default -> throw c.unsupported("attribute '" + given.get(0) + "' is not supported");
    };
    c.define(c.out(0), v);
  }

  private static void shape(NodeContext c) {
    c.attrs.allowOnly("start", "end");
    c.inputs(1, 1);
    int[] d = c.type(0).dims();
    long start = c.attrs.getInt("start", 0);
    long end = c.attrs.getInt("end", d.length);
    start = Math.clamp(start < 0 ? start + d.length : start, 0, d.length);
    end = Math.clamp(end < 0 ? end + d.length : end, 0, d.length);
    long[] v = new long[(int) Math.max(0, end - start)];
    for (int i = 0; i < v.length; i++) {
      v[i] = d[(int) start + i];
    }
    c.define(c.out(0), Value.longs(new int[] {v.length}, v, INT64));
  }

  private static void gather(NodeContext c) {
    c.attrs.allowOnly("axis");
    c.inputs(2, 2);
    Value data = c.requireConst(0, "data");
    Value idx = c.requireConst(1, "indices");
    int r = data.rank();
    int axis = c.attrs.getSmallInt("axis", 0);
    if (axis < 0) {
      axis += r;
    }
    if (axis < 0 || axis >= r) {
      throw c.malformed("axis " + c.attrs.getInt("axis", 0) + " is out of range for rank " + r);
    }
    c.define(c.out(0), LayoutFolding.gather(c.where, data, idx, axis, c.limits()));
  }

  private static void cast(NodeContext c) {
    c.attrs.allowOnly("to", "saturate");
    c.inputs(1, 1);
    if (!c.attrs.has("to")) {
      throw c.malformed("missing attribute 'to'");
    }
    int to = c.attrs.getSmallInt("to", 0);
    Value v = c.constIn(0);
    if (v != null) {
      c.define(c.out(0), ConstantFolding.cast(c.where, v, to));
    } else if (to == FLOAT) {
      c.alias(c.out(0), c.in(0));
    } else {
      throw c.unsupported("Cast of the runtime tensor '" + c.in(0) + "' to "
          + OnnxTensors.typeName(to) + " is not supported; bnn4j computes in float32");
    }
  }

  private static void constantOfShape(NodeContext c) {
    c.attrs.allowOnly("value");
    c.inputs(1, 1);
    long[] shape = c.constInts(0, "shape");
    Value value = Value.floats(new int[] {1}, new float[] {0f});
    TensorProto t = c.attrs.getTensor("value");
    if (t != null) {
      value = new Value(OnnxTensors.toConstTensor(t, "ConstantOfShape node '" + c.name
          + "' value", c.limits()), t.getDataType());
      if (value.count() != 1) {
        throw c.malformed("value has " + value.count() + " elements, expected 1");
      }
    }
    c.define(c.out(0), ConstantFolding.constantOfShape(c.where, shape, value, c.limits()));
  }

  private static void slice(NodeContext c) {
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    Value data;
    if (c.opset() < 10) {
      c.attrs.allowOnly("starts", "ends", "axes");
      c.inputs(1, 1);
      starts = c.attrs.getInts("starts");
      ends = c.attrs.getInts("ends");
      axes = c.attrs.getInts("axes");
      if (starts == null || ends == null) {
        throw c.malformed("missing attribute 'starts' or 'ends'");
      }
    } else {
      c.attrs.allowOnly();
      c.inputs(3, 5);
      starts = c.constInts(1, "starts");
      ends = c.constInts(2, "ends");
      axes = c.has(3) ? c.constInts(3, "axes") : null;
      steps = c.has(4) ? c.constInts(4, "steps") : null;
    }
    data = c.constIn(0);
    if (axes == null) {
      axes = new long[starts.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    if (steps == null) {
      steps = new long[starts.length];
      Arrays.fill(steps, 1);
    }
    if (data == null) {
      MathTranslators.runtimeSlice(c, starts, ends, axes, steps);
      return;
    }
    c.define(c.out(0), LayoutFolding.slice(c.where, data, starts, ends, axes, steps,
        c.limits()));
  }

  private static void reduce(NodeContext c) {
    boolean mean = c.op.equals("ReduceMean");
    long[] axes = c.axesOf(mean ? 18 : 13, "keepdims", "noop_with_empty_axes");
    Value data = c.requireConst(0, "data");
    boolean keep = c.attrs.getInt("keepdims", 1) != 0;
    if ((axes == null || axes.length == 0) && c.attrs.getInt("noop_with_empty_axes", 0) != 0) {
      c.define(c.out(0), data);
      return;
    }
    boolean[] reduced;
    if (axes == null || axes.length == 0) {
      reduced = new boolean[data.rank()];
      Arrays.fill(reduced, true);
    } else {
      reduced = c.normaliseAxes(axes, data.rank());
    }
    c.define(c.out(0), ConstantFolding.reduce(c.where, data, reduced, keep, mean));
  }
}
