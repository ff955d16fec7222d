package org.bnn4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * One ONNX Runtime session over a model with a single float input {@code x}, as the benchmarks
 * compare bnn4j against: {@code threads} intra-op threads, one inter-op thread, the input tensor
 * made once so a run measures only the inference and the copy of its first output.
 */
final class OrtRunner implements AutoCloseable {
  private final OrtSession session;
  private final OnnxTensor input;
  private final Map<String, OnnxTensor> feed;

  OrtRunner(byte[] onnx, float[] x, long[] dims, int threads) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(threads);
    opts.setInterOpNumThreads(1);
    session = env.createSession(onnx, opts);
    input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
    feed = Map.of("x", input);
  }

  /** Runs the model and copies its first output into {@code out}. */
  void run(float[] out) throws OrtException {
    try (OrtSession.Result r = session.run(feed)) {
      ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
    }
  }

  @Override
  public void close() throws OrtException {
    input.close();
    session.close();
  }
}
