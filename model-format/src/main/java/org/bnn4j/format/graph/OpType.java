package org.bnn4j.format.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's operator set: the contract between the converter (which emits these) and the
 * runtime (which executes them). Float tensors are row-major; 4-D float activations are NCHW.
 * BITS activations follow the convention in bnn4j_model.proto (NHWC, packed along C).
 *
 * <p>Attributes are fully resolved by the converter: no auto_pad, no defaults that depend on the
 * source opset. 2-D spatial attributes are {@code [h, w]}; {@code pads} is {@code [top, left,
 * bottom, right]}. Each op's attributes are read, defaulted and checked by its record in {@link
 * org.bnn4j.format.graph.attrs} (for example {@code Conv2dAttrs.of(node)}); nothing else reads
 * them from the node's map.
 */
public enum OpType {
  /** X[N,C,H,W], W[M,C/group,kH,kW], optional B[M]. Attrs: strides, pads, dilations, group. */
  CONV2D("Conv2d"),
  /**
   * Y = alpha * A' * B' + beta * C, where A' is A or A^T (transA), B' is B or B^T (transB).
   * A and B are 2-D; optional C broadcasts unidirectionally to [M, N]. Attrs: transA, transB,
   * alpha, beta.
   */
  GEMM("Gemm"),
  /** Attrs: kernel, strides, pads, dilations, ceil_mode. Padding never wins the max. */
  MAX_POOL2D("MaxPool2d"),
  /** Attrs: kernel, strides, pads, ceil_mode, count_include_pad. */
  AVG_POOL2D("AvgPool2d"),
  /** X[N,C,H,W] to [N,C,1,1]. */
  GLOBAL_AVG_POOL("GlobalAvgPool"),
  /** X[N,C,H,W] to [N,C,1,1]. */
  GLOBAL_MAX_POOL("GlobalMaxPool"),
  /**
   * Inference BatchNormalization over axis 1: X, scale, bias, mean, var (each [C]).
   * y = (x - mean) / sqrt(var + epsilon) * scale + bias. Attr: epsilon.
   */
  BATCH_NORM("BatchNorm"),
  /** Element-wise with numpy (multidirectional) broadcasting. */
  ADD("Add"),
  SUB("Sub"),
  MUL("Mul"),
  DIV("Div"),
  /** X, slope; slope broadcasts unidirectionally to X. y = x &lt; 0 ? slope * x : x. */
  PRELU("PRelu"),
  RELU("Relu", ShapeRule.SAME_AS_INPUT),
  /** Attr: alpha. */
  LEAKY_RELU("LeakyRelu", ShapeRule.SAME_AS_INPUT, Attribute.ALPHA),
  SIGMOID("Sigmoid", ShapeRule.SAME_AS_INPUT),
  TANH("Tanh", ShapeRule.SAME_AS_INPUT),
  /** y = max(0, min(1, alpha * x + beta)). Attrs: alpha, beta. */
  HARD_SIGMOID("HardSigmoid", ShapeRule.SAME_AS_INPUT, Attribute.ALPHA, Attribute.BETA),
  /** y = x * max(0, min(1, x / 6 + 1 / 2)). */
  HARD_SWISH("HardSwish", ShapeRule.SAME_AS_INPUT),
  /** ONNX Sign on floats: -1, 0 or +1 (0 stays 0; binarisation uses BinarizeThreshold). */
  SIGN("Sign", ShapeRule.SAME_AS_INPUT),
  /** Attrs: min, max (floats; absent means unbounded). */
  CLIP("Clip"),
  /** Softmax along one non-negative axis. Attr: axis. */
  SOFTMAX("Softmax"),
  /** Attr: axis (non-negative). */
  CONCAT("Concat"),
  /** Attr: shape (fully resolved, no 0 or -1). Row-major data is unchanged. */
  RESHAPE("Reshape"),
  /** Attr: perm. */
  TRANSPOSE("Transpose"),
  /**
   * Attrs: pads (2 * rank: all begins, then all ends; non-negative), mode ("constant", "reflect"
   * or "edge"), value (for constant).
   */
  PAD("Pad"),
  IDENTITY("Identity"),
  /**
   * The QONNX bipolar sign (BipolarQuant, bipolar MultiThreshold): -1 where {@code x < 0}, else
   * +1, so 0 reads as +1 (and NaN as +1, as Binarize reads it). Unlike SIGN, never 0.
   */
  BIPOLAR_SIGN("BipolarSign", ShapeRule.SAME_AS_INPUT),
  /** 1 where {@code a < b}, else 0 (ONNX Less, its bool result held as float 0/1). */
  LESS("Less"),
  /** 1 where {@code a > b}, else 0 (ONNX Greater, as float 0/1). */
  GREATER("Greater"),
  /** Cond, A, B, broadcast together: A where cond is non-zero, else B (ONNX Where). */
  WHERE("Where"),
  /** {@code x - max - log(sum(exp(x - max)))} along one non-negative axis. Attr: axis. */
  LOG_SOFTMAX("LogSoftmax"),
  /**
   * Strided slice with fully resolved attributes: starts, steps (each one value per axis, steps
   * non-zero) and the output's dims; element i of axis d reads index starts[d] + i*steps[d].
   */
  SLICE("Slice"),

  // ---- Binary ops (see the BIT CONVENTION in bnn4j_model.proto) ----

  /**
   * Float X[N,C,H,W] or X[N,C] to BITS [N,Cout,H,W] (or [N,Cout]). Inputs: X, thresholds T[Cout]
   * (float), optional source map S[Cout] (int64; default j % C, which needs Cout a multiple of C).
   * Output channel j is -1 (bit 1) exactly when {@code x[S[j]] < T[j]}, +1 when it is above, so
   * sign(x - t) is threshold t. Widening with K thresholds per channel is Cout = K*C. Attr
   * {@code zero} says what {@code x[S[j]] == T[j]} gives: "plus" (default, and what an absent
   * attribute means) +1, as in QONNX BipolarQuant and Larq; "zero" 0, the third state of the BIT
   * CONVENTION, as ONNX Sign and torch.sign give (see {@code org.bnn4j.format.ZeroStates}). NaN reads as +1.
   */
  BINARIZE("Binarize"),
  /**
   * BITS X[N,Cin,H,W] (NHWC words) with constant BITS W of logical dims [M,kH,kW,Cin/group].
   * Attrs: strides, pads, dilations, group, output ("float" or "bits"). Inputs 2.. hold the
   * output transform of the integer dot d, the exact sum of x*w over the taps with x in
   * {-1, 0, +1} (inputs in the zero state and taps in the zero padding contribute 0, and
   * {@code tap_bias[M,kH,kW]}, when given, adds its valid taps' values to d):
   * <ul>
   *   <li>float output: 2 multiplier[M], 3 bias[M], 4 residual (float, output's shape) or "",
   *       5 PReLU slope[M] or "", 6 post bias[M] or "", 7 tap_bias or "".
   *       {@code y = d*multiplier + bias (+ residual) (PReLU) (+ post bias)}.
   *   <li>bits output: 2 threshold[M] (int64), 3 flip[M] (int64 0/1), 4 tap_bias or "".
   *       Channel m is -1 when {@code (d < threshold[m]) != (flip[m] == 1)}.
   * </ul>
   */
  BINARY_CONV2D("BinaryConv2d"),
  /**
   * BITS X[N,K] with constant BITS W[M,K]; output [N,M]. Attr output; inputs 2.. as
   * BinaryConv2d, with tap_bias of dims [M].
   */
  BINARY_DENSE("BinaryDense"),
  /**
   * Max pooling on BITS, attrs as MaxPool2d. The max of +1/-1 values is -1 only when every valid
   * tap is -1: a bitwise AND under bit 1 = -1. On an input that may hold zeros the max over
   * {-1, 0, +1} is 0 when no valid tap is +1 and not every one is -1. Padding never wins.
   */
  BIT_MAX_POOL2D("BitMaxPool2d"),
  /** y = x for x &gt; 0, else alpha * (exp(x) - 1). Attr: alpha (ONNX default 1). */
  ELU("Elu", ShapeRule.SAME_AS_INPUT, Attribute.ALPHA),
  /**
   * y = gamma * x for x &gt; 0, else gamma * alpha * (exp(x) - 1). Attrs: alpha, gamma (ONNX
   * defaults 1.67326319217681884765625 and 1.05070102214813232421875).
   */
  SELU("Selu", ShapeRule.SAME_AS_INPUT, Attribute.ALPHA, Attribute.GAMMA),
  /**
   * y = x + bias for x &lt; -lambd, x - bias for x &gt; lambd, else 0. Attrs: bias, lambd (ONNX
   * defaults 0 and 0.5).
   */
  SHRINK("Shrink", ShapeRule.SAME_AS_INPUT, Attribute.BIAS, Attribute.LAMBD);

  /** How an op's output type follows from its inputs, where many ops share one rule. */
  public enum ShapeRule {
    /** The op's own case in {@code ShapeInference} checks it. */
    OWN,
    /**
     * Element-wise on one float input, output of the input's dims: its attributes are exactly
     * the declared ones, each of its declared kind (values are the op's record's to check).
     */
    SAME_AS_INPUT
  }

  /**
   * An attribute a {@link ShapeRule#SAME_AS_INPUT} op declares: its stored name and kind. The
   * op's record in {@link org.bnn4j.format.graph.attrs} reads it by this name and gives its default.
   */
  public record Attribute(String name, Kind kind) {
    /** What an attribute's value is, as {@link OpNode}'s getters read it. */
    public enum Kind { FLOAT, INT, STRING }

    public static final Attribute ALPHA = new Attribute("alpha", Kind.FLOAT);
    public static final Attribute BETA = new Attribute("beta", Kind.FLOAT);
    public static final Attribute GAMMA = new Attribute("gamma", Kind.FLOAT);
    public static final Attribute BIAS = new Attribute("bias", Kind.FLOAT);
    public static final Attribute LAMBD = new Attribute("lambd", Kind.FLOAT);

    /**
     * Checks the node's value of this attribute, when present, is of this kind.
     *
     * @throws org.bnn4j.ModelFormatException when it is not
     */
    public void checkKind(OpNode node) {
      switch (kind) {
        case FLOAT -> node.getFloat(name, 0f);
        case INT -> node.getLong(name, 0);
        case STRING -> node.getString(name, "");
      }
    }
  }

  private final String opName;
  private final ShapeRule shapeRule;
  private final List<Attribute> attributes;

  OpType(String opName) {
    this(opName, ShapeRule.OWN);
  }

  OpType(String opName, ShapeRule shapeRule, Attribute... attributes) {
    this.opName = opName;
    this.shapeRule = shapeRule;
    this.attributes = List.of(attributes);
  }

  /** How ShapeInference finds the output type: a shared rule, or the op's own case. */
  public ShapeRule shapeRule() {
    return shapeRule;
  }

  /** The attributes a {@link ShapeRule#SAME_AS_INPUT} op accepts (empty for the others). */
  public List<Attribute> attributes() {
    return attributes;
  }

  /** The name stored in {@code Node.op_type}. */
  public String opName() {
    return opName;
  }

  private static final Map<String, OpType> BY_NAME = new HashMap<>();

  static {
    for (OpType t : values()) {
      BY_NAME.put(t.opName, t);
    }
  }

  /** Returns the op with that stored name, or null when there is none. */
  public static OpType byName(String name) {
    return BY_NAME.get(name);
  }
}
