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
final class OrtRunner implements Runner {
  private final OrtSession session;
  private final OnnxTensor input;
  private final Map<String, OnnxTensor> feed;
  private final float[] y;

  /** Opens a session of {@code threads} intra-op threads, reading {@code x}, writing {@code y}. */
  OrtRunner(byte[] onnx, float[] x, long[] dims, int threads, float[] y) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(threads);
    opts.setInterOpNumThreads(1);
    session = env.createSession(onnx, opts);
    input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
    feed = Map.of("x", input);
    this.y = y;
  }

  /** Runs the model and copies its first output into {@code y}. */
  @Override
  public float[] run() throws OrtException {
    try (OrtSession.Result r = session.run(feed)) {
      ((OnnxTensor) r.get(0)).getFloatBuffer().get(y);
    }
    return y;
  }

  @Override
  public void close() throws OrtException {
    input.close();
    session.close();
  }
}
