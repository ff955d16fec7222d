package org.bnn4j.format.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.ConstantFolding.Value;

/**
 * The QONNX dialect that Brevitas (FINN) exports: {@code BipolarQuant}, {@code Quant} and
 * {@code MultiThreshold}, following the op definitions of the qonnx project.
 *
 * <p>A binarising op reads 0 as +1 ({@code where(x >= 0, +1, -1)}), unlike ONNX {@code Sign},
 * which gives 0. So a runtime one is never imported as a Sign: it becomes the engine's {@link
 * OpType#BIPOLAR_SIGN} (+1 unless {@code x < 0}), which the binary lowering turns into a plain
 * {@code Binarize} (whose threshold test {@code x < t} is the same comparison). On constants
 * (weights) every op folds exactly.
 */
final class QonnxTranslators {
  private QonnxTranslators() {}

  /** The domains Brevitas and the qonnx/FINN tools write these ops in. */
  static final Set<String> DOMAINS = Set.of("onnx.brevitas", "qonnx.custom_op.general",
      "finn.custom_op.general");

  static boolean isQonnxDomain(String domain) {
    return DOMAINS.contains(domain);
  }

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("BipolarQuant", 6, 25, QonnxTranslators::bipolarQuant);
    f.register("Quant", 6, 25, QonnxTranslators::quant);
    f.register("MultiThreshold", 6, 25, QonnxTranslators::multiThreshold);
  }

  /** The message for a QONNX op that is not registered. */
  static String notSupported(String op) {
    return "QONNX operator " + op + " is not supported; bnn4j reads BipolarQuant, Quant and"
        + " MultiThreshold";
  }

  /** {@code y = where(x / scale >= 0, +1, -1) * scale}, scale > 0. */
  private static void bipolarQuant(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    float[] scale = positiveScale(c, 1);
    Value x = c.constIn(0);
    if (x != null) {
      if (!x.isFloat()) {
        throw c.unsupported("BipolarQuant of a " + x.typeName() + " constant");
      }
      float[] v = x.floats();
      float[] r = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        // x / scale >= 0 exactly when x >= 0 for a positive scale (the quotient of a non-zero
        // x never rounds to a zero of the other sign, and underflows only to a signed zero).
        r[i] = v[i] >= 0f ? 1f : -1f;
      }
      Value signs = Value.floats(x.dims(), r);
      c.define(c.out(0), scale.length == 1 && scale[0] == 1f ? signs
          : ConstantFolding.binary(c.where, "Mul", signs, c.constIn(1), c.limits()));
      return;
    }
    emitScaledSign(c, c.in(0), scale);
  }

  /**
   * Integer quantisation {@code y = (clamp(round(x / scale + zeropt), lo, hi) - zeropt) * scale}.
   * Folded on constants (weights) at any bit width; on a runtime tensor only at 1 bit ({@link
   * #oneBitQuant}), wider ones are declined.
   */
  private static void quant(NodeContext c) {
    c.attrs.allowOnly("signed", "narrow", "rounding_mode");
    c.inputs(4, 4);
    Value x = c.constIn(0);
    Value scale = c.requireConst(1, "scale");
    Value zero = c.requireConst(2, "zeropt");
    Value bits = c.requireConst(3, "bitwidth");
    if (!scale.isFloat() || !zero.isFloat() || !bits.isFloat() || bits.count() != 1) {
      throw c.malformed("scale, zeropt and bitwidth must be float tensors, bitwidth a scalar");
    }
    float bw = bits.floats()[0];
    if (!(bw >= 1 && bw <= 24) || bw != Math.rint(bw)) {
      throw c.unsupported("bit width " + bw + " (bnn4j folds integer widths 1 to 24)");
    }
    boolean signed = c.attrs.getInt("signed", 1) != 0;
    boolean narrow = c.attrs.getInt("narrow", 0) != 0;
    String mode = c.attrs.getString("rounding_mode", "ROUND");
    int b = (int) bw;
    double lo = signed ? -Math.pow(2, b - 1) + (narrow ? 1 : 0) : 0;
    double hi = signed ? Math.pow(2, b - 1) - 1 : Math.pow(2, b) - 1 - (narrow ? 1 : 0);
    if (x == null) {
      if (b != 1) {
        throw c.unsupported("Quant of the runtime tensor '" + c.in(0) + "' at " + b
            + " bits is not supported; bnn4j folds Quant of constants (weights) and binarises"
            + " activations at 1 bit (Quant, BipolarQuant or a bipolar MultiThreshold)");
      }
      oneBitQuant(c, scale, zero, (float) lo, (float) hi, mode);
      return;
    }
    if (!x.isFloat()) {
      throw c.unsupported("Quant of a " + x.typeName() + " constant");
    }
    Value q = ConstantFolding.binary(c.where, "Div", x, scale, c.limits());
    q = ConstantFolding.binary(c.where, "Add", q, zero, c.limits());
    float[] v = q.floats().clone();
    for (int i = 0; i < v.length; i++) {
      double r = switch (mode) {
        case "ROUND" -> Math.rint(v[i]);
        case "CEIL" -> Math.ceil(v[i]);
        case "FLOOR" -> Math.floor(v[i]);
        case "ROUND_TO_ZERO" -> v[i] < 0 ? Math.ceil(v[i]) : Math.floor(v[i]);
        default -> throw c.unsupported("rounding_mode '" + mode + "'");
      };
      v[i] = (float) Math.min(hi, Math.max(lo, r));
    }
    Value y = ConstantFolding.binary(c.where, "Sub", Value.floats(q.dims(), v), zero,
        c.limits());
    c.define(c.out(0), ConstantFolding.binary(c.where, "Mul", y, scale, c.limits()));
  }

  /**
   * A 1-bit Quant of a runtime tensor: {@code q = clamp(R(u), lo, hi)} with {@code u = x / scale
   * + zeropt} (float32, as QONNX computes it) and {@code hi = lo + 1}, so q is hi exactly when
   * {@code u >= T}, T the least float that R rounds to hi or above: half to even (ROUND) gives
   * {@code T = hi - 1/2} when hi is even, else the next float above it; FLOOR {@code T = hi};
   * CEIL the next float above {@code hi - 1}; ROUND_TO_ZERO {@code hi} for {@code hi > 0}, else
   * the next float above {@code hi - 1}. That is {@code BipolarSign(u - T)} (a difference of
   * floats is {@code >= 0} exactly when {@code u >= T}), and the output {@code (q - zeropt) *
   * scale} takes two float values: {@code ±c} (then {@code c * BipolarSign}, a plain sign when c
   * is 1), or {@code 0} and {@code c} (then {@code (BipolarSign + 1) * c/2}, exact). Other level
   * pairs, and tensor scales or zero points, are declined.
   */
  private static void oneBitQuant(NodeContext c, Value scale, Value zero, float lo, float hi,
      String mode) {
    if (scale.count() != 1 || zero.count() != 1) {
      throw c.unsupported("1-bit Quant of a runtime tensor needs one scale and one zero point;"
          + " found " + scale.count() + " and " + zero.count());
    }
    float s = scale.floats()[0];
    float z = zero.floats()[0];
    if (!(s > 0f) || !Float.isFinite(s) || !Float.isFinite(z)) {
      throw c.unsupported("scale " + s + " and zero point " + z + " (bnn4j needs a positive"
          + " finite scale and a finite zero point)");
    }
    float yHi = (hi - z) * s;
    float yLo = (lo - z) * s;
    ValueType xt = c.type(0);
    if (lo == hi) {
      float[] fill = new float[(int) xt.elementCount()];
      Arrays.fill(fill, yHi);
      c.define(c.out(0), Value.floats(xt.dims(), fill));
      return;
    }
    float t = switch (mode) {
      case "ROUND" -> hi % 2 == 0 ? hi - 0.5f : Math.nextUp(hi - 0.5f);
      case "FLOOR" -> hi;
      case "CEIL" -> Math.nextUp(hi - 1f);
      case "ROUND_TO_ZERO" -> hi > 0 ? hi : Math.nextUp(hi - 1f);
      default -> throw c.unsupported("rounding_mode '" + mode + "'");
    };
    boolean symmetric = yHi == -yLo && yHi > 0f;
    float half = yHi == 0f ? yLo * 0.5f : yHi * 0.5f;
    if (!symmetric && ((yLo != 0f && yHi != 0f) || half * 2f != (yHi == 0f ? yLo : yHi))) {
      throw c.unsupported("1-bit Quant with levels " + yLo + " and " + yHi + " (bnn4j lowers"
          + " levels -c, +c or 0, c)");
    }
    String u = c.in(0);
    if (s != 1f) {
      u = c.emit(OpType.DIV, "div", List.of(u, scalar(c, "scale", s)), c.temp("scaled"));
    }
    if (z != 0f) {
      u = c.emit(OpType.ADD, "zero_point", List.of(u, scalar(c, "zeropt", z)), c.temp("shifted"));
    }
    if (t != 0f) {
      u = c.emit(OpType.SUB, "threshold", List.of(u, scalar(c, "threshold", t)),
          c.temp("minus_threshold"));
    }
    if (symmetric && yHi == 1f) {
      c.emit(OpType.BIPOLAR_SIGN, "sign", List.of(u), c.out(0));
      return;
    }
    String sign = c.emit(OpType.BIPOLAR_SIGN, "sign", List.of(u), c.temp("sign"));
    if (symmetric) {
      c.emit(OpType.MUL, "levels", List.of(sign, scalar(c, "level", yHi)), c.out(0));
      return;
    }
    // 0 and c: (b + 1) * (c/2) when hi's level is c, (b - 1) * (-c/2) when lo's is (both give
    // +0, as (0 - zeropt) * scale does, for the zero level).
    String shifted = yHi != 0f
        ? c.emit(OpType.ADD, "plus_one", List.of(sign, scalar(c, "one", 1f)), c.temp("plus_one"))
        : c.emit(OpType.SUB, "minus_one", List.of(sign, scalar(c, "one", 1f)),
            c.temp("minus_one"));
    c.emit(OpType.MUL, "levels", List.of(shifted, scalar(c, "half_level",
        yHi != 0f ? half : -half)), c.out(0));
  }

  private static String scalar(NodeContext c, String what, float v) {
    String name = c.temp(what);
    c.define(name, Value.floats(new int[0], new float[] {v}));
    return name;
  }

  /**
   * {@code y = out_scale * #{t in thresholds[c] : x >= t} + out_bias}. The bipolar form, one
   * threshold per channel with out_scale 2 and out_bias -1, is a sign with 0 read as +1: it
   * becomes {@code BipolarSign(x - t)} ({@code x - t >= 0} exactly when {@code x >= t} for finite
   * floats, since a difference rounds to zero only when the operands are equal).
   */
  private static void multiThreshold(NodeContext c) {
    c.attrs.allowOnly("out_dtype", "out_scale", "out_bias", "data_layout");
    c.inputs(2, 2);
    float outScale = c.attrs.getFloat("out_scale", 1f);
    float outBias = c.attrs.getFloat("out_bias", 0f);
    String layout = c.attrs.getString("data_layout", "NCHW");
    Value t = c.requireConst(1, "thresholds");
    ValueType x = c.type(0);
    if (!t.isFloat() || t.rank() != 2) {
      throw c.malformed("thresholds are " + t.typeName() + " " + Arrays.toString(t.dims())
          + ", expected float [C, N]");
    }
    if (t.dims()[1] != 1 || outScale != 2f || outBias != -1f) {
      throw c.unsupported("only the bipolar MultiThreshold (one threshold per channel, out_scale"
          + " 2, out_bias -1) is supported; this one has " + t.dims()[1] + " threshold(s),"
          + " out_scale " + outScale + ", out_bias " + outBias);
    }
    if (!layout.equals("NCHW") && !(layout.equals("NC") && x.rank() == 2)) {
      throw c.unsupported("data_layout '" + layout + "' (bnn4j reads NCHW and NC)");
    }
    if (x.rank() < 2) {
      throw c.unsupported("input of rank " + x.rank() + " (expected [N, C, ...])");
    }
    int channels = t.dims()[0];
    if (channels != 1 && channels != x.dim(1)) {
      throw c.malformed(channels + " threshold rows for " + x.dim(1) + " channels");
    }
    int[] td = new int[x.rank()];
    Arrays.fill(td, 1);
    td[1] = channels;
    String thr = c.temp("thresholds");
    c.define(thr, Value.floats(td, t.floats()));
    String shifted = c.temp("shifted");
    c.emit(OpType.SUB, "sub", List.of(c.in(0), thr), shifted);
    c.emit(OpType.BIPOLAR_SIGN, "sign", List.of(shifted), c.out(0));
  }

  /** BipolarSign(x), times the scale unless it is one. */
  private static void emitScaledSign(NodeContext c, String x, float[] scale) {
    if (scale.length == 1 && scale[0] == 1f) {
      c.emit(OpType.BIPOLAR_SIGN, "sign", List.of(x), c.out(0));
      return;
    }
    String s = c.temp("sign");
    c.emit(OpType.BIPOLAR_SIGN, "sign", List.of(x), s);
    c.emit(OpType.MUL, "scale", List.of(s, c.in(1)), c.out(0));
  }

  private static float[] positiveScale(NodeContext c, int i) {
    Value s = c.requireConst(i, "scale");
    if (!s.isFloat()) {
      throw c.malformed("scale is " + s.typeName() + ", expected float");
    }
    for (float v : s.floats()) {
      if (!(v > 0f) || Float.isInfinite(v)) {
        throw c.unsupported("scale " + v + " (bnn4j needs positive finite scales)");
      }
    }
    return s.floats();
  }
}
