package org.bnn4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bnn4j.runtime.CompiledGraph;
import org.bnn4j.runtime.Executor;

/**
 * Runs inference on a {@link Model}. A session owns its working memory (allocated once, when it
 * is created) and reuses it on every run.
 *
 * <p><b>Not thread-safe.</b> Use one session per thread; sessions of the same model run
 * independently and concurrently.
 *
 * <p><b>NaN and infinity</b> in inputs are accepted and propagate as IEEE 754 float arithmetic
 * does (for example, Relu and MaxPool pass NaN through, and x / 0 gives ±Inf or NaN). Inputs are
 * not scanned for them.
 *
 * <p>After {@link #close()}, every method but {@code close}, {@code isClosed} and {@code
 * toString} throws {@link IllegalStateException} ("session is closed").
 */
public final class Session implements AutoCloseable {
  private final Model model;
  private final CompiledGraph program;
  private final SessionOptions options;
  private final List<String> inputNames;
  private final List<String> outputNames;
  private final int[][] inputDims;
  private final int[][] outputDims;
  private final int[] inputSizes;
  private final int[] outputSizes;
  private final int maxBatch;
  private Executor executor;

  Session(Model model, Executor executor, SessionOptions options, int maxBatch) {
    this.model = model;
    this.program = executor.program();
    this.executor = executor;
    this.options = options;
    this.maxBatch = maxBatch;
    executor.setThreads(options.threads());
    executor.setPool(options.pool() == null ? null : options.pool().workers());
    this.inputNames = model.inputNames();
    this.outputNames = model.outputNames();
    this.inputDims = new int[inputNames.size()][];
    for (int i = 0; i < inputDims.length; i++) {
      inputDims[i] = program.input(i).dims();
    }
    this.outputDims = new int[outputNames.size()][];
    for (int i = 0; i < outputDims.length; i++) {
      outputDims[i] = program.output(i).dims();
    }
    this.inputSizes = new int[inputDims.length];
    for (int i = 0; i < inputSizes.length; i++) {
      inputSizes[i] = program.input(i).size();
    }
    this.outputSizes = new int[outputDims.length];
    for (int i = 0; i < outputSizes.length; i++) {
      outputSizes[i] = program.output(i).size();
    }
  }

  /**
   * Runs the model on named inputs and returns every output by name, in the graph's output order.
   *
   * <p>With a model loaded with {@link ModelOptions#withMaxBatch}, every input may carry a batch
   * of n examples (1 to {@link Model#maxBatch()}) in its leading dim, the same n for all inputs;
   * each output then has n in its leading dim, and example i's result is bit-identical to
   * running example i alone.
   *
   * @param inputs one tensor per model input, of exactly the input's shape (up to the batch)
   * @return a new map of new tensors, which stay valid after later runs
   * @throws InvalidInputException when an input is missing, unknown, null or of the wrong shape,
   *     or the batch is over the bound
   * @throws IllegalStateException when the session is closed
   */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    Executor exec = open();
    Objects.requireNonNull(inputs, "inputs");
    for (String name : inputs.keySet()) {
      if (!inputNames.contains(name)) {
        throw new InvalidInputException("unknown input '" + name + "'; the model's inputs are "
            + describeInputs());
      }
    }
    Tensor[] ordered = new Tensor[inputNames.size()];
    int batch = -1;
    for (int i = 0; i < ordered.length; i++) {
      String name = inputNames.get(i);
      Tensor t = inputs.get(name);
      if (t == null) {
        throw new InvalidInputException((inputs.containsKey(name) ? "input '" + name + "' is null"
            : "missing input '" + name + "'") + ", expected shape "
            + Arrays.toString(inputDims[i]) + "; the model's inputs are " + describeInputs());
      }
      int n = checkShape(name, t, inputDims[i]);
      if (batch >= 0 && n != batch) {
        throw new InvalidInputException("input '" + name + "' has batch " + n + ", input '"
            + inputNames.get(0) + "' has batch " + batch + "; every input needs the same batch");
      }
      batch = n;
      ordered[i] = t;
    }
    if (batch < 0) {
      batch = 1;
    }
    float[][] outs = new float[outputNames.size()][];
    for (int o = 0; o < outs.length; o++) {
      long n = (long) batch * outputSizes[o];
      if (n > Integer.MAX_VALUE - 8) {
        throw new InvalidInputException("a batch of " + batch + " makes output '"
            + outputNames.get(o) + "' " + n + " floats, more than one array holds");
      }
      outs[o] = new float[(int) n];
    }
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < ordered.length; i++) {
        exec.setInput(i, ordered[i].data(), b * inputSizes[i]);
      }
      exec.run();
      for (int o = 0; o < outs.length; o++) {
        exec.copyOutput(o, outs[o], b * outputSizes[o]);
      }
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int o = 0; o < outputNames.size(); o++) {
      int[] dims = outputDims[o].clone();
      if (batch != 1) {
        dims[0] = batch;
      }
      out.put(outputNames.get(o), Tensor.wrap(outs[o], dims));
    }
    return out;
  }

  /**
   * Runs a model with exactly one input and one output.
   *
   * @param input the input tensor, of the input's shape
   * @return the output tensor
   * @throws InvalidInputException when the model does not have exactly one input and one
   *     output, or the tensor has the wrong shape
   * @throws IllegalStateException when the session is closed
   */
  public Tensor run(Tensor input) {
    open();
    Objects.requireNonNull(input, "input");
    if (inputNames.size() != 1 || outputNames.size() != 1) {
      throw new InvalidInputException("run(Tensor) needs a model with one input and one output;"
          + " this one has inputs " + inputNames + " and outputs " + outputNames
          + ", use run(Map)");
    }
    return run(Map.of(inputNames.get(0), input)).get(outputNames.get(0));
  }

  /**
   * Runs the model without allocating: {@code inputs[i]} holds input i's values row-major (as
   * many as {@link Model#inputShape} says, or n times that for a batch of n when the model was
   * loaded with {@link ModelOptions#withMaxBatch}) and {@code outputs[i]} receives output i's
   * (n times its size for a batch). For servers that reuse buffers; results equal {@link
   * #run(Map)}'s.
   *
   * @param inputs one array per model input, in {@link Model#inputNames()} order
   * @param outputs one array per model output, in {@link Model#outputNames()} order, filled
   * @throws InvalidInputException when an array count or length does not match the model, or
   *     the batch is over the bound
   * @throws IllegalStateException when the session is closed
   */
  public void run(float[][] inputs, float[][] outputs) {
    Executor exec = open();
    int batch = checkArrays("input", inputs, inputNames, inputDims, inputSizes, -1);
    checkArrays("output", outputs, outputNames, outputDims, outputSizes, batch);
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < inputs.length; i++) {
        exec.setInput(i, inputs[i], b * inputSizes[i]);
      }
      exec.run();
      for (int i = 0; i < outputs.length; i++) {
        exec.copyOutput(i, outputs[i], b * outputSizes[i]);
      }
    }
  }

  /**
   * Checks array count and lengths: each a whole number n of examples, 1 <= n <= maxBatch, the
   * same for all (and equal to {@code batch} when that is not -1). Returns n.
   */
  private int checkArrays(String what, float[][] arrays, List<String> names, int[][] dims,
      int[] sizes, int batch) {
    if (arrays == null) {
      throw new NullPointerException(what + "s"); // built only here: run() allocates nothing
    }
    if (arrays.length != names.size()) {
      throw new InvalidInputException("got " + arrays.length + " " + what + " array(s), the model"
          + " has " + names.size() + " " + what + "(s) " + names);
    }
    for (int i = 0; i < arrays.length; i++) {
      int want = sizes[i];
      int len = arrays[i] == null ? -1 : arrays[i].length;
      int n = want == 0 ? (len == 0 ? Math.max(batch, 1) : -1)
          : len > 0 && len % want == 0 ? len / want : -1;
      boolean ok = n >= 1 && n <= maxBatch && (batch < 0 || n == batch);
      if (!ok) {
        String expected = maxBatch == 1 ? want + " floats"
            : batch >= 1 ? (long) batch * want + " floats (" + batch + " x " + want + ", the"
                + " inputs' batch)"
            : "n x " + want + " floats for a batch of n in 1.." + maxBatch;
        throw new InvalidInputException(what + " '" + names.get(i) + "' needs an array of "
            + expected + " (shape " + Arrays.toString(dims[i]) + "), got "
            + (arrays[i] == null ? "null" : len));
      }
      batch = n;
    }
    return Math.max(batch, 1);
  }

  /** Checks a tensor against an input's shape, allowing a batch; returns the batch. */
  private int checkShape(String name, Tensor t, int[] expected) {
    int[] actual = t.shape();
    if (Arrays.equals(actual, expected)) {
      return 1;
    }
    if (maxBatch > 1 && actual.length == expected.length && actual.length > 0
        && Arrays.equals(actual, 1, actual.length, expected, 1, expected.length)) {
      if (actual[0] >= 1 && actual[0] <= maxBatch) {
        return actual[0];
      }
      throw new InvalidInputException("input '" + name + "' has batch " + actual[0]
          + ", expected 1 to " + maxBatch + " (the model's maxBatch)");
    }
    int[] want = expected.clone();
    throw new InvalidInputException("input '" + name + "' has shape "
        + Arrays.toString(actual) + ", expected " + (maxBatch > 1 && want.length > 0
            ? "[n" + Arrays.toString(Arrays.copyOfRange(want, 1, want.length)).replace("[", ", ")
                .replace(", ]", "]") + " with n in 1.." + maxBatch
            : Arrays.toString(want)));
  }

  private String describeInputs() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < inputNames.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(inputNames.get(i))
          .append(Arrays.toString(inputDims[i]));
    }
    return sb.append(']').toString();
  }

  /** {@return the model this session runs} */
  public Model model() {
    open();
    return model;
  }

  /** {@return the options this session was created with} */
  public SessionOptions options() {
    open();
    return options;
  }

  /** {@return whether {@link #close()} has been called} */
  public boolean isClosed() {
    return executor == null;
  }

  private Executor open() {
    Executor e = executor;
    if (e == null) {
      throw new IllegalStateException("session is closed");
    }
    return e;
  }

  /** Releases the session's working memory; idempotent. */
  @Override
  public void close() {
    Executor e = executor;
    executor = null;
    if (e != null) {
      e.release();
    }
  }

  @Override
  public String toString() {
    return "Session[" + (executor == null ? "closed" : "open") + ", " + options + "]";
  }
}
