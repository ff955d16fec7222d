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
  private Executor executor;

  Session(Model model, Executor executor, SessionOptions options) {
    this.model = model;
    this.program = executor.program();
    this.executor = executor;
    this.options = options;
    executor.setThreads(options.threads());
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
  }

  /**
   * Runs the model on named inputs and returns every output by name, in the graph's output order.
   *
   * @param inputs one tensor per model input, of exactly the input's shape
   * @return a new map of new tensors, which stay valid after later runs
   * @throws InvalidInputException when an input is missing, unknown, null or of the wrong shape
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
    for (int i = 0; i < ordered.length; i++) {
      String name = inputNames.get(i);
      Tensor t = inputs.get(name);
      if (t == null) {
        throw new InvalidInputException((inputs.containsKey(name) ? "input '" + name + "' is null"
            : "missing input '" + name + "'") + ", expected shape "
            + Arrays.toString(inputDims[i]) + "; the model's inputs are " + describeInputs());
      }
      checkShape(name, t, inputDims[i]);
      ordered[i] = t;
    }
    for (int i = 0; i < ordered.length; i++) {
      exec.setInput(i, ordered[i].data(), 0);
    }
    exec.run();
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < outputNames.size(); i++) {
      out.put(outputNames.get(i), Tensor.wrap(exec.output(i), outputDims[i]));
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
   * many as {@link Model#inputShape} says) and {@code outputs[i]} receives output i's. For
   * servers that reuse buffers; results equal {@link #run(Map)}'s.
   *
   * @param inputs one array per model input, in {@link Model#inputNames()} order
   * @param outputs one array per model output, in {@link Model#outputNames()} order, filled
   * @throws InvalidInputException when an array count or length does not match the model
   * @throws IllegalStateException when the session is closed
   */
  public void run(float[][] inputs, float[][] outputs) {
    Executor exec = open();
    checkArrays("input", inputs, inputNames, inputDims);
    checkArrays("output", outputs, outputNames, outputDims);
    for (int i = 0; i < inputs.length; i++) {
      exec.setInput(i, inputs[i], 0);
    }
    exec.run();
    for (int i = 0; i < outputs.length; i++) {
      exec.copyOutput(i, outputs[i], 0);
    }
  }

  private static void checkArrays(String what, float[][] arrays, List<String> names,
      int[][] dims) {
    if (arrays == null) {
      throw new NullPointerException(what + "s"); // built only here: run() allocates nothing
    }
    if (arrays.length != names.size()) {
      throw new InvalidInputException("got " + arrays.length + " " + what + " array(s), the model"
          + " has " + names.size() + " " + what + "(s) " + names);
    }
    for (int i = 0; i < arrays.length; i++) {
      long want = 1;
      for (int d : dims[i]) {
        want *= d;
      }
      if (arrays[i] == null || arrays[i].length != want) {
        throw new InvalidInputException(what + " '" + names.get(i) + "' needs an array of " + want
            + " floats (shape " + Arrays.toString(dims[i]) + "), got "
            + (arrays[i] == null ? "null" : arrays[i].length));
      }
    }
  }

  private static void checkShape(String name, Tensor t, int[] expected) {
    int[] actual = t.shape();
    if (!Arrays.equals(actual, expected)) {
      throw new InvalidInputException("input '" + name + "' has shape "
          + Arrays.toString(actual) + ", expected " + Arrays.toString(expected));
    }
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
