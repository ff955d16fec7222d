package org.bnn4j;

import java.util.Objects;
import org.bnn4j.format.Limits;

/** Immutable options for loading a {@link Model}. Start from {@link #defaults()}. */
public final class ModelOptions {
  private static final ModelOptions DEFAULTS = new ModelOptions(Limits.DEFAULT, 1, 0, false);

  private final Limits limits;
  private final int maxBatch;
  private final int warmupRuns;
  private final boolean requireVectorKernels;

  private ModelOptions(Limits limits, int maxBatch, int warmupRuns,
      boolean requireVectorKernels) {
    this.limits = limits;
    this.maxBatch = maxBatch;
    this.warmupRuns = warmupRuns;
    this.requireVectorKernels = requireVectorKernels;
  }

  /**
   * {@return the default options: files up to 1 GiB, 100,000 nodes, 2^28 elements per tensor, batch 1 (the shapes stored in the
   * model), no warm-up, scalar kernels allowed}
   */
  public static ModelOptions defaults() {
    return DEFAULTS;
  }

  /** The limits as the model-format code checks them; internal, hence not public. */
  Limits limits() {
    return limits;
  }

  ModelOptions withLimits(Limits limits) {
    return new ModelOptions(Objects.requireNonNull(limits, "limits"), maxBatch, warmupRuns,
        requireVectorKernels);
  }

  /** {@return the largest model file or stream accepted, in bytes} */
  public long maxFileBytes() {
    return limits.maxFileBytes();
  }

  /**
   * A copy that refuses model files larger than {@code bytes} before reading them.
   *
   * @param bytes the largest file, at least 1
   * @return the new options
   * @throws IllegalArgumentException when {@code bytes < 1}
   */
  public ModelOptions withMaxFileBytes(long bytes) {
    return withLimits(limits.withMaxFileBytes(bytes));
  }

  /** {@return the most graph nodes a model may have} */
  public int maxNodes() {
    return limits.maxNodes();
  }

  /**
   * A copy that refuses models with more than {@code nodes} graph nodes.
   *
   * @param nodes the most nodes, at least 1
   * @return the new options
   * @throws IllegalArgumentException when {@code nodes < 1}
   */
  public ModelOptions withMaxNodes(int nodes) {
    return withLimits(limits.withMaxNodes(nodes));
  }

  /** {@return the most elements any one tensor of a model may have} */
  public long maxTensorElements() {
    return limits.maxTensorElements();
  }

  /**
   * A copy that refuses models with a tensor (weight or activation) of more than {@code
   * elements} elements, checked before anything of that size is allocated.
   *
   * @param elements the most elements, at least 1
   * @return the new options
   * @throws IllegalArgumentException when {@code elements < 1}
   */
  public ModelOptions withMaxTensorElements(long elements) {
    return withLimits(limits.withMaxTensorElements(elements));
  }

  /**
   * The largest batch a session accepts; 1 unless {@link #withMaxBatch} says otherwise.
   *
   * @return the batch bound, at least 1
   */
  public int maxBatch() {
    return maxBatch;
  }

  /**
   * A copy whose model accepts any batch size from 1 to {@code maxBatch} in the leading dim of
   * every input and output (the model must store batch 1 there). A session runs a batch one
   * example at a time on its batch-1 plan, so every example's result is bit-identical to
   * running it alone, and a session's memory does not grow with the batch. Use {@code
   * Integer.MAX_VALUE} for a free batch dim (bounded only by what an array holds).
   *
   * @param maxBatch the largest batch, at least 1
   * @return the new options
   * @throws IllegalArgumentException when {@code maxBatch < 1}
   */
  public ModelOptions withMaxBatch(int maxBatch) {
    return new ModelOptions(limits, atLeast("maxBatch", maxBatch, 1), warmupRuns,
        requireVectorKernels);
  }

  /**
   * Inferences run on zeros while loading; 0 unless {@link #withWarmup} says otherwise.
   *
   * @return the warm-up run count, 0 or more
   */
  public int warmupRuns() {
    return warmupRuns;
  }

  /**
   * A copy whose {@code Model.load} also runs {@code runs} inferences on an input of zeros
   * before returning, so that the JIT has compiled the kernels and the first request does not
   * pay for it; see {@link Model#warmUp(int)}.
   *
   * @param runs how many warm-up inferences, 0 or more
   * @return the new options
   * @throws IllegalArgumentException when {@code runs < 0}
   */
  public ModelOptions withWarmup(int runs) {
    return new ModelOptions(limits, maxBatch, atLeast("warm-up runs", runs, 0),
        requireVectorKernels);
  }

  /**
   * True when loading fails rather than run on the scalar kernels.
   *
   * @return whether the vector kernels are required
   */
  public boolean requireVectorKernels() {
    return requireVectorKernels;
  }

  /**
   * A copy whose {@code Model.load} throws {@link KernelUnavailableException} when the Vector
   * API kernels are not running (for example without {@code --add-modules
   * jdk.incubator.vector}), instead of running the scalar kernels 10 to 20 times slower.
   *
   * @param require true to fail instead of running scalar
   * @return the new options
   */
  public ModelOptions withRequireVectorKernels(boolean require) {
    return new ModelOptions(limits, maxBatch, warmupRuns, require);
  }

  private static int atLeast(String what, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(what + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  @Override
  public String toString() {
    return "ModelOptions[limits=" + limits + ", maxBatch=" + maxBatch + ", warmupRuns="
        + warmupRuns + ", requireVectorKernels=" + requireVectorKernels + "]";
  }
}
