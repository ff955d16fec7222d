package org.bnn4j.bench;

import ai.onnxruntime.OrtException;

/**
 * One engine under test with its input and output bound: a run is what a benchmark times, and
 * returns the output it wrote (the same array each time).
 */
interface Runner extends AutoCloseable {
  float[] run() throws OrtException;

  @Override
  void close() throws OrtException;
}
