package org.bnn4j.bench;

import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;

/** A bnn4j session over a model with one input and one output, both arrays made once. */
final class Bnn4jRunner implements Runner {
  private final Model model;
  private final Session session;
  private final float[][] inputs;
  private final float[][] outputs;

  /** Opens a session of {@code threads} threads reading {@code x} and writing {@code y}. */
  Bnn4jRunner(Model model, int threads, float[] x, float[] y) {
    this.model = model;
    this.session = model.newSession(SessionOptions.defaults().withThreads(threads));
    this.inputs = new float[][] {x};
    this.outputs = new float[][] {y};
  }

  Model model() {
    return model;
  }

  @Override
  public float[] run() {
    session.run(inputs, outputs);
    return outputs[0];
  }

  /**
   * Runs for 1.5 s: the vector kernels are very slow until C2 compiles them, so that is done
   * before the JMH warm-up, which a quick run keeps short.
   */
  void warmUp() {
    long until = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < until) {
      session.run(inputs, outputs);
    }
  }

  @Override
  public void close() {
    session.close();
    model.close();
  }
}
