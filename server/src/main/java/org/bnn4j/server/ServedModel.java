package org.bnn4j.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bnn4j.Model;
import org.bnn4j.Session;

/**
 * One model being served: its input and output specs, a bounded request queue and the worker
 * threads that drain it. Each worker owns one session for its whole life, so a request costs
 * no model load and no arena allocation. A worker takes up to {@code maxBatch} queued requests
 * at once, waiting at most the batch window for the group to fill, and runs them as one group.
 */
final class ServedModel {
  private static final Logger LOG = Logger.getLogger("org.bnn4j.server");

  /** One input tensor of a request, decoded by the protocol layer. */
  record InputTensor(String name, String datatype, long[] shape, float[] data) {}

  /** A queued request: its inputs in model order and the output arrays its worker fills. */
  private static final class Job {
    final float[][] inputs;
    final float[][] outputs;
    final long deadline;
    final CompletableFuture<float[][]> done = new CompletableFuture<>();

    Job(float[][] inputs, float[][] outputs, long deadline) {
      this.inputs = inputs;
      this.outputs = outputs;
      this.deadline = deadline;
    }
  }

  final String name;
  final Model model;
  final List<String> inputNames;
  final List<String> outputNames;
  private final int[][] inputShapes;
  private final int[][] outputShapes;
  private final int[] inputSizes;
  private final int[] outputSizes;
  final ModelMetrics metrics = new ModelMetrics();
  private final ArrayBlockingQueue<Job> queue;
  private final Thread[] workers;
  private final int maxBatch;
  private final long batchWindowNanos;
  private volatile boolean accepting = true;

  ServedModel(String name, Model model, ServerConfig config) {
    this(name, model, config, true);
  }

  /** With {@code startWorkers} false nothing drains the queue: for tests of a full queue. */
  ServedModel(String name, Model model, ServerConfig config, boolean startWorkers) {
    this.name = name;
    this.model = model;
    this.inputNames = model.inputNames();
    this.outputNames = model.outputNames();
    this.inputShapes = new int[inputNames.size()][];
    this.inputSizes = new int[inputNames.size()];
    for (int i = 0; i < inputShapes.length; i++) {
      inputShapes[i] = model.inputShape(inputNames.get(i));
      inputSizes[i] = elements(inputShapes[i]);
    }
    this.outputShapes = new int[outputNames.size()][];
    this.outputSizes = new int[outputNames.size()];
    for (int i = 0; i < outputShapes.length; i++) {
      outputShapes[i] = model.outputShape(outputNames.get(i));
      outputSizes[i] = elements(outputShapes[i]);
    }
    this.queue = new ArrayBlockingQueue<>(config.maxQueue());
    this.maxBatch = config.maxBatch();
    this.batchWindowNanos = config.batchWindow().toNanos();
    this.workers = new Thread[config.workers()];
    // Sessions are made here, on the caller's thread, so a model that cannot run fails at start.
    Session[] sessions = new Session[workers.length];
    for (int w = 0; w < workers.length; w++) {
      sessions[w] = EngineAdapter.newSession(model);
    }
    for (int w = 0; w < workers.length; w++) {
      Session s = sessions[w];
      workers[w] = Thread.ofPlatform().daemon().name("bnn4j-" + name + "-worker-" + w)
          .unstarted(() -> work(s));
      if (startWorkers) {
        workers[w].start();
      }
    }
  }

  private static int elements(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  int[] inputShape(int i) {
    return inputShapes[i].clone();
  }

  int[] outputShape(int i) {
    return outputShapes[i].clone();
  }

  int outputIndex(String outputName) {
    return outputNames.indexOf(outputName);
  }

  boolean ready() {
    return accepting;
  }

  int queueDepth() {
    return queue.size();
  }

  /**
   * Checks decoded inputs against the model and orders them as the model wants.
   *
   * @throws ServeException (bad request) naming what is wrong and what was expected
   */
  float[][] orderInputs(List<InputTensor> given) {
    float[][] ordered = new float[inputNames.size()][];
    for (InputTensor t : given) {
      int i = inputNames.indexOf(t.name());
      if (i < 0) {
        throw ServeException.badRequest("unknown input '" + t.name() + "'; model '" + name
            + "' has inputs " + describeInputs());
      }
      if (ordered[i] != null) {
        throw ServeException.badRequest("input '" + t.name() + "' is given twice");
      }
      if (!"FP32".equals(t.datatype())) {
        throw ServeException.badRequest("input '" + t.name() + "' has datatype " + t.datatype()
            + ", expected FP32");
      }
      if (!Arrays.equals(t.shape(), Arrays.stream(inputShapes[i]).asLongStream().toArray())) {
        throw ServeException.badRequest("input '" + t.name() + "' has shape "
            + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(inputShapes[i]));
      }
      if (t.data().length != inputSizes[i]) {
        throw ServeException.badRequest("input '" + t.name() + "' has " + t.data().length
            + " values, its shape " + Arrays.toString(inputShapes[i]) + " holds "
            + inputSizes[i]);
      }
      ordered[i] = t.data();
    }
    for (int i = 0; i < ordered.length; i++) {
      if (ordered[i] == null) {
        throw ServeException.badRequest("missing input '" + inputNames.get(i) + "'; model '"
            + name + "' has inputs " + describeInputs());
      }
    }
    return ordered;
  }

  String describeInputs() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < inputNames.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(inputNames.get(i)).append(" FP32 ")
          .append(Arrays.toString(inputShapes[i]));
    }
    return sb.append(']').toString();
  }

  /**
   * Queues checked inputs (from {@link #orderInputs}) and waits for the outputs, in model order.
   *
   * @param deadline {@link System#nanoTime()} by which the answer must be ready
   * @throws ServeException when the model is not accepting, the queue is full or the deadline
   *     passes
   */
  float[][] infer(float[][] inputs, long deadline) {
    if (!accepting) {
      throw new ServeException(ServeException.Kind.UNAVAILABLE, "model '" + name
          + "' is not ready (the server is shutting down)");
    }
    float[][] outputs = new float[outputSizes.length][];
    for (int o = 0; o < outputs.length; o++) {
      outputs[o] = new float[outputSizes[o]];
    }
    Job job = new Job(inputs, outputs, deadline);
    if (!queue.offer(job)) {
      throw new ServeException(ServeException.Kind.QUEUE_FULL, "model '" + name
          + "' has " + queue.size() + " requests queued, the limit; retry later");
    }
    try {
      return job.done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // The worker skips a job that is already done, so the slot is not wasted on it.
      job.done.completeExceptionally(deadlineExceeded());
      throw deadlineExceeded();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException(ServeException.Kind.UNAVAILABLE, "request interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ServeException se) {
        throw new ServeException(se.kind(), se.getMessage());
      }
      throw new ServeException(ServeException.Kind.INTERNAL, "inference failed: "
          + e.getCause());
    }
  }

  private ServeException deadlineExceeded() {
    return new ServeException(ServeException.Kind.DEADLINE, "model '" + name
        + "' did not answer within the request deadline");
  }

  private void work(Session session) {
    List<Job> group = new ArrayList<>(maxBatch);
    List<float[][]> ins = new ArrayList<>(maxBatch);
    List<float[][]> outs = new ArrayList<>(maxBatch);
    try (session) {
      while (true) {
        Job first;
        try {
          first = queue.poll(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (first == null) {
          if (!accepting) {
            return; // stopped and drained
          }
          continue;
        }
        group.clear();
        group.add(first);
        gather(group);
        ins.clear();
        outs.clear();
        long now = System.nanoTime();
        for (Job j : group) {
          if (j.done.isDone()) {
            continue; // its caller gave up
          }
          if (now - j.deadline > 0) {
            j.done.completeExceptionally(deadlineExceeded());
            continue;
          }
          ins.add(j.inputs);
          outs.add(j.outputs);
        }
        run(session, group, ins, outs);
      }
    }
  }

  /** Adds queued jobs to the group until it holds maxBatch or the batch window has passed. */
  private void gather(List<Job> group) {
    if (maxBatch == 1) {
      return;
    }
    queue.drainTo(group, maxBatch - group.size());
    long end = System.nanoTime() + batchWindowNanos;
    while (group.size() < maxBatch) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Job j;
      try {
        j = queue.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (j == null) {
        return;
      }
      group.add(j);
      queue.drainTo(group, maxBatch - group.size());
    }
  }

  private static void run(Session session, List<Job> group, List<float[][]> ins,
      List<float[][]> outs) {
    if (ins.isEmpty()) {
      return;
    }
    try {
      EngineAdapter.runGroup(session, ins, outs);
    } catch (RuntimeException e) {
      // Inputs were checked before queueing, so this is an engine bug: report it, keep serving.
      LOG.log(Level.WARNING, "inference failed", e);
      for (Job j : group) {
        j.done.completeExceptionally(new ServeException(ServeException.Kind.INTERNAL,
            "inference failed: " + e));
      }
      return;
    }
    for (Job j : group) {
      j.done.complete(j.outputs);
    }
  }

  /** Refuses new requests; queued ones still run. */
  void stopAccepting() {
    accepting = false;
  }

  /**
   * Waits until the workers have drained the queue and exited, at most until {@code deadline}
   * ({@link System#nanoTime()}); then fails whatever is left.
   */
  void awaitDrained(long deadline) {
    stopAccepting();
    for (Thread w : workers) {
      try {
        w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Job j;
    while ((j = queue.poll()) != null) {
      j.done.completeExceptionally(new ServeException(ServeException.Kind.UNAVAILABLE,
          "server shut down before the request ran"));
    }
    for (Thread w : workers) {
      w.interrupt();
    }
  }
}
