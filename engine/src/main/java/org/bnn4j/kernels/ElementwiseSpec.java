package org.bnn4j.kernels;

/**
 * A float element-wise op over operands of one shape (no broadcasting): {@code y[i] = f(a[i])}
 * for the unary kinds, {@code y[i] = a[i] op b[i]} for the binary ones.
 */
public record ElementwiseSpec(Kind kind) {
  /** The element-wise ops with a fast kernel; each is one IEEE operation per element. */
  public enum Kind {
    /** {@code x < 0 ? 0 : x}: NaN and -0.0 pass through, as in the reference. */
    RELU,
    ADD,
    SUB,
    MUL,
    DIV;

    /** Whether the op reads one operand. */
    public boolean unary() {
      return this == RELU;
    }
  }

  public ElementwiseSpec {
    if (kind == null) {
      throw new IllegalArgumentException("kind is null");
    }
  }
}
