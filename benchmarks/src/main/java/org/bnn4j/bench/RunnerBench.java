package org.bnn4j.bench;

import ai.onnxruntime.OrtException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A benchmark that times one {@link Runner}, chosen and checked by the subclass's setup, and
 * closes it after the trial.
 */
public abstract class RunnerBench extends BenchDefaults {
  protected Runner runner;

  @TearDown(Level.Trial)
  public void close() throws OrtException {
    if (runner != null) {
      runner.close();
    }
  }
}
