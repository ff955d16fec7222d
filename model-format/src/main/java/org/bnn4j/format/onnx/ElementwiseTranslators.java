package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.attrs.EluAttrs;
import org.bnn4j.format.graph.attrs.HardSigmoidAttrs;
import org.bnn4j.format.graph.attrs.LeakyReluAttrs;
import org.bnn4j.format.graph.attrs.ShrinkAttrs;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.ConstantFolding.Value;

/**
 * Activations and the four arithmetic ops, with opset-6 broadcasting lowered to explicit
 * Reshapes; Relu, Sign, Neg, Abs and arithmetic fold where their inputs are constants.
 */
final class ElementwiseTranslators {
  private ElementwiseTranslators() {}

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("Relu", 6, 25, c -> foldableUnary(c, OpType.RELU));
    f.register("Sign", 6, 25, c -> foldableUnary(c, OpType.SIGN));
    f.register("Sigmoid", 6, 25, c -> unary(c, OpType.SIGMOID));
    f.register("Tanh", 6, 25, c -> unary(c, OpType.TANH));
    f.register("HardSwish", 6, 25, c -> unary(c, OpType.HARD_SWISH));
    f.register("LeakyRelu", 6, 25,
        floatAttributes(OpType.LEAKY_RELU, LeakyReluAttrs.DEFAULT_ALPHA));
    f.register("HardSigmoid", 6, 25, floatAttributes(OpType.HARD_SIGMOID,
        HardSigmoidAttrs.DEFAULT_ALPHA, HardSigmoidAttrs.DEFAULT_BETA));
    f.register("PRelu", 6, 25, ElementwiseTranslators::prelu);
    f.register("Add", 6, 25, ElementwiseTranslators::arithmetic);
    f.register("Sub", 6, 25, ElementwiseTranslators::arithmetic);
    f.register("Mul", 6, 25, ElementwiseTranslators::arithmetic);
    f.register("Div", 6, 25, ElementwiseTranslators::arithmetic);
    f.register("Neg", 6, 25, ElementwiseTranslators::neg);
    f.register("Abs", 6, 25, ElementwiseTranslators::abs);
    f.register("Clip", 6, 25, ElementwiseTranslators::clip);
    f.register("Elu", 6, 25, floatAttributes(OpType.ELU, EluAttrs.DEFAULT_ELU_ALPHA));
    f.register("Selu", 6, 25, floatAttributes(OpType.SELU,
        EluAttrs.DEFAULT_SELU_ALPHA, EluAttrs.DEFAULT_SELU_GAMMA));
    f.register("Shrink", 9, 25, floatAttributes(OpType.SHRINK,
        ShrinkAttrs.DEFAULT_BIAS, ShrinkAttrs.DEFAULT_LAMBD));
  }

  private static void foldableUnary(NodeContext c, OpType op) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    Value v = c.constIn(0);
    if (v != null) {
      c.define(c.out(0), ConstantFolding.unary(c.where, c.op, v));
    } else {
      c.emit(op, "", List.of(c.in(0)), c.out(0));
    }
  }

  private static void unary(NodeContext c, OpType op) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    c.emit(op, "", List.of(c.in(0)), c.out(0));
  }

  /**
   * The translator of a one-input op whose attributes are the floats its {@link OpType} constant
   * declares: each read with its ONNX default (given in declaration order) and written out, so
   * the engine sees no defaults. The declaration is checked here, when the registry is built.
   */
  private static TranslatorRegistry.Translator floatAttributes(OpType op,
      float... onnxDefaults) {
    List<OpType.Attribute> declared = op.attributes();
    if (declared.size() != onnxDefaults.length
        || declared.stream().anyMatch(a -> a.kind() != OpType.Attribute.Kind.FLOAT)) {
      throw new IllegalStateException(op + ": give one default per declared float attribute");
    }
    String[] names = declared.stream().map(OpType.Attribute::name).toArray(String[]::new);
    return c -> {
      c.attrs.allowOnly(names);
      c.inputs(1, 1);
      Object[] kv = new Object[2 * names.length];
      for (int i = 0; i < names.length; i++) {
        kv[2 * i] = names[i];
        kv[2 * i + 1] = c.attrs.getFloat(names[i], onnxDefaults[i]);
      }
      c.emit(op, "", List.of(c.in(0)), c.out(0), kv);
    };
  }

  private static void prelu(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    ValueType x = c.type(0);
    ValueType s = c.type(1);
    String slope = c.in(1);
    if (c.opset() < 7 && s.rank() == 1 && s.dim(0) > 1 && x.rank() >= 3 && s.dim(0) == x.dim(1)) {
      // PRelu-6 exports (PyTorch) give one slope per channel: make that broadcast explicit.
      int[] d = new int[x.rank() - 1];
      Arrays.fill(d, 1);
      d[0] = s.dim(0);
      slope = c.reshapeTo(slope, d, c.temp("slope"), "slope");
    }
    c.emit(OpType.PRELU, "prelu", List.of(c.in(0), slope), c.out(0));
  }

  private static void arithmetic(NodeContext c) {
    if (c.opset() < 7) {
      c.attrs.allowOnly("axis", "broadcast");
    } else {
      c.attrs.allowOnly();
    }
    c.inputs(2, 2);
    String a = c.in(0);
    String b = c.opset() < 7 ? legacyBroadcast(c) : c.in(1);
    Value va = c.constant(a);
    Value vb = c.constant(b);
    if (va != null && vb != null) {
      c.define(c.out(0), ConstantFolding.binary(c.where, c.op, va, vb, c.limits()));
      return;
    }
    OpType op = switch (c.op) {
      case "Add" -> OpType.ADD;
      case "Sub" -> OpType.SUB;
      case "Mul" -> OpType.MUL;
      default -> OpType.DIV;
    };
    a = MathTranslators.unexpanded(c, a, va, vb == null ? c.graph().typeOf(b) : null);
    b = MathTranslators.unexpanded(c, b, vb, va == null ? c.graph().typeOf(a) : null);
    c.emit(op, c.op.toLowerCase(), List.of(a, b), c.out(0));
  }

  /**
   * Opset &lt; 7 broadcasting: without broadcast=1 the shapes must be equal; with it, B matches a
   * contiguous run of A's dims starting at axis (suffix by default). Returns B, reshaped so that
   * numpy broadcasting means the same.
   */
  private static String legacyBroadcast(NodeContext c) {
    int[] ad = c.type(0).dims();
    int[] bd = c.type(1).dims();
    if (c.attrs.getInt("broadcast", 0) == 0) {
      if (!Arrays.equals(ad, bd)) {
        throw c.malformed("shapes " + Arrays.toString(ad) + " and " + Arrays.toString(bd)
            + " differ and broadcast is not set");
      }
      return c.in(1);
    }
    if (NodeContext.count(bd) == 1) {
      return c.reshapeTo(c.in(1), new int[0], c.temp("scalar"), "broadcast");
    }
    int axis = c.attrs.has("axis") ? c.attrs.getSmallInt("axis", 0) : ad.length - bd.length;
    if (axis < 0) {
      axis += ad.length;
    }
    boolean ok = axis >= 0 && axis + bd.length <= ad.length;
    for (int i = 0; ok && i < bd.length; i++) {
      ok = bd[i] == ad[axis + i];
    }
    if (!ok) {
      throw c.malformed("B " + Arrays.toString(bd) + " does not match A " + Arrays.toString(ad)
          + " from axis " + axis);
    }
    int[] nd = Arrays.copyOf(bd, ad.length - axis);
    Arrays.fill(nd, bd.length, nd.length, 1);
    return Arrays.equals(nd, bd) ? c.in(1) : c.reshapeTo(c.in(1), nd, c.temp("b"), "broadcast");
  }

  private static void neg(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    Value v = c.constIn(0);
    if (v != null) {
      c.define(c.out(0), ConstantFolding.unary(c.where, "Neg", v));
      return;
    }
    String minusOne = c.temp("minus_one");
    c.define(minusOne, Value.floats(new int[0], new float[] {-1f}));
    c.emit(OpType.MUL, "neg", List.of(c.in(0), minusOne), c.out(0));
  }

  private static void abs(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    c.define(c.out(0), ConstantFolding.unary(c.where, "Abs",
        c.requireConst(0, "input")));
  }

  private static void clip(NodeContext c) {
    float min = Float.NEGATIVE_INFINITY;
    float max = Float.POSITIVE_INFINITY;
    boolean hasMin;
    boolean hasMax;
    if (c.opset() < 11) {
      c.attrs.allowOnly("min", "max");
      c.inputs(1, 1);
      hasMin = c.attrs.has("min");
      hasMax = c.attrs.has("max");
      min = c.attrs.getFloat("min", min);
      max = c.attrs.getFloat("max", max);
    } else {
      c.attrs.allowOnly();
      c.inputs(1, 3);
      hasMin = c.has(1);
      hasMax = c.has(2);
      if (hasMin) {
        min = c.scalarFloat(1, "min");
      }
      if (hasMax) {
        max = c.scalarFloat(2, "max");
      }
    }
    if (Float.isNaN(min) || Float.isNaN(max)) {
      throw c.unsupported("a NaN bound is not supported");
    }
    if (min > max) {
      throw c.unsupported("min " + min + " is greater than max " + max);
    }
    Value x = c.constIn(0);
    if (x != null) {
      if (!x.isFloat()) {
        throw c.unsupported("Clip of " + x.typeName() + " constants is not supported");
      }
      c.define(c.out(0), ConstantFolding.clip(x, min, max));
    } else if (!hasMin && !hasMax) {
      c.alias(c.out(0), c.in(0));
    } else {
      List<Object> kv = new ArrayList<>();
      if (hasMin) {
        kv.add("min");
        kv.add(min);
      }
      if (hasMax) {
        kv.add("max");
        kv.add(max);
      }
      c.emit(OpType.CLIP, "", List.of(c.in(0)), c.out(0), kv.toArray());
    }
  }
}
