package org.bnn4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 3x3 convolution layer (stride 1, pad 1, Cin = Cout, batch 1) three ways:
 * <ul>
 *   <li>{@code binary}: bnn4j's Binarize (packing the float input) then BinaryConv2d with float
 *       output, through {@code Session.run(float[][], float[][])};
 *   <li>{@code float}: bnn4j's own float Conv2d (im2col + vector FMA GEMM), same API;
 *   <li>{@code onnxruntime}: ONNX Runtime Java's float Conv, {@code threads} intra-op threads.
 * </ul>
 * Setup checks each result once: binary exactly against the reference ops, float within 1e-4 and
 * ONNX Runtime within 1e-3 of bnn4j's float reference.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar
 * ConvLayerBench} (add {@code -p threads=2} for two threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvLayerBench {
  @Param({"56x56x64", "28x28x128", "14x14x256", "7x7x512"})
  public String shape;

  @Param({"binary", "float", "onnxruntime"})
  public String impl;

  @Param({"1"})
  public int threads;

  private float[][] inputs;
  private float[][] outputs;
  private Model model;
  private Session session;
  private OrtEnvironment env;
  private OrtSession ort;
  private OnnxTensor ortInput;
  private Map<String, OnnxTensor> ortFeed;

  @Setup(Level.Trial)
  public void setup() throws OrtException {
    int[] s = BenchModels.parseShape(shape);
    int h = s[0];
    int w = s[1];
    int c = s[2];
    float[] x = BenchModels.gaussian(new Random(1), c * h * w, 1f);
    inputs = new float[][] {x};
    outputs = new float[][] {new float[c * h * w]};
    switch (impl) {
      case "binary" -> {
        Graph g = BenchModels.binaryConvLayer(h, w, c, 2);
        model = ModelInternals.fromGraph(g);
        session = model.newSession(SessionOptions.defaults().withThreads(threads));
        session.run(inputs, outputs);
        BenchModels.checkExact("binary " + shape, BenchModels.reference(
            BenchModels.binaryConvLayer(h, w, c, 2), x), outputs[0]);
        System.out.println("kernels: " + Kernels.provider().name());
        warmUp();
      }
      case "float" -> {
        float[][] weights = BenchModels.floatConvWeights(c, 3);
        model = ModelInternals.fromGraph(BenchModels.floatConvLayer(h, w, c, weights));
        session = model.newSession(SessionOptions.defaults().withThreads(threads));
        session.run(inputs, outputs);
        BenchModels.checkClose("float " + shape, BenchModels.reference(
            BenchModels.floatConvLayer(h, w, c, weights), x), outputs[0], 1e-4f);
        warmUp();
      }
      case "onnxruntime" -> {
        float[][] weights = BenchModels.floatConvWeights(c, 3);
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        ort = env.createSession(BenchModels.onnxConv(h, w, c, weights), opts);
        ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, c, h, w});
        ortFeed = Map.of("x", ortInput);
        try (OrtSession.Result r = ort.run(ortFeed)) {
          FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
          fb.get(outputs[0]);
        }
        BenchModels.checkClose("onnxruntime " + shape, BenchModels.reference(
            BenchModels.floatConvLayer(h, w, c, weights), x), outputs[0], 1e-3f);
      }
      default -> throw new IllegalArgumentException("impl " + impl);
    }
  }

  /**
   * The vector kernels are very slow until C2 compiles them: get that done before the JMH
   * warm-up, which a quick run keeps short.
   */
  private void warmUp() {
    long until = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < until) {
      session.run(inputs, outputs);
    }
  }

  @Benchmark
  public float[] layer() throws OrtException {
    if (ort != null) {
      try (OrtSession.Result r = ort.run(ortFeed)) {
        ((OnnxTensor) r.get(0)).getFloatBuffer().get(outputs[0]);
      }
      return outputs[0];
    }
    session.run(inputs, outputs);
    return outputs[0];
  }

  @TearDown(Level.Trial)
  public void close() throws OrtException {
    if (session != null) {
      session.close();
      model.close();
    }
    if (ort != null) {
      ortInput.close();
      ort.close();
    }
  }
}
