package org.bnn4j;

import java.util.Objects;
import org.bnn4j.format.Limits;

/** Immutable options for loading a {@link Model}. Start from {@link #defaults()}. */
public final class ModelOptions {
  private static final ModelOptions DEFAULTS = new ModelOptions(Limits.DEFAULT);

  private final Limits limits;

  private ModelOptions(Limits limits) {
    this.limits = limits;
  }

  /** {@return the default options: {@link Limits#DEFAULT}} */
  public static ModelOptions defaults() {
    return DEFAULTS;
  }

  /** {@return the resource limits checked while loading (file size, node count, tensor sizes)} */
  public Limits limits() {
    return limits;
  }

  /**
   * A copy with other limits.
   *
   * @param limits the limits to check while loading
   * @return the new options
   */
  public ModelOptions withLimits(Limits limits) {
    return new ModelOptions(Objects.requireNonNull(limits, "limits"));
  }

  @Override
  public String toString() {
    return "ModelOptions[limits=" + limits + "]";
  }
}
