package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.ElementwiseSpec;
import org.bnn4j.kernels.FloatElementwiseKernel;

/**
 * Element-wise float ops a vector at a time, the tail in scalar code. Every lane does the one
 * IEEE operation the scalar loop does, so results are the reference's bits; Relu blends on
 * {@code x < 0} rather than taking a max, so that -0.0 and NaN pass through as they do there.
 */
final class VectorElementwise implements FloatElementwiseKernel {
  private static final VectorSpecies<Float> S = VectorConstants.FLOATS;

  private final ElementwiseSpec.Kind kind;

  VectorElementwise(ElementwiseSpec spec) {
    this.kind = spec.kind();
  }

  @Override
  public void run(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int from,
      int to) {
    switch (kind) {
      case RELU -> relu(a, aOff, y, yOff, from, to);
      case ADD -> binary(VectorOperators.ADD, a, aOff, b, bOff, y, yOff, from, to);
      case SUB -> binary(VectorOperators.SUB, a, aOff, b, bOff, y, yOff, from, to);
      case MUL -> binary(VectorOperators.MUL, a, aOff, b, bOff, y, yOff, from, to);
      case DIV -> binary(VectorOperators.DIV, a, aOff, b, bOff, y, yOff, from, to);
    }
  }

  private static void relu(float[] x, int xOff, float[] y, int yOff, int from, int to) {
    int i = from;
    for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      v.blend(0f, v.lt(0f)).intoArray(y, yOff + i);
    }
    for (; i < to; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v < 0f ? 0f : v;
    }
  }

  private void binary(VectorOperators.Binary op, float[] a, int aOff, float[] b, int bOff,
      float[] y, int yOff, int from, int to) {
    int i = from;
    for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
      FloatVector.fromArray(S, a, aOff + i)
          .lanewise(op, FloatVector.fromArray(S, b, bOff + i)).intoArray(y, yOff + i);
    }
    for (; i < to; i++) {
      y[yOff + i] = scalar(a[aOff + i], b[bOff + i]);
    }
  }

  private float scalar(float p, float q) {
    return switch (kind) {
      case ADD -> p + q;
      case SUB -> p - q;
      case MUL -> p * q;
      case DIV -> p / q;
      case RELU -> throw new IllegalStateException("unary");
    };
  }
}
