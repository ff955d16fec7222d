package org.bnn4j.bench;

import ai.onnxruntime.OrtException;
import java.util.Random;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

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
public class ConvLayerBench extends RunnerBench {
  @Param({"56x56x64", "28x28x128", "14x14x256", "7x7x512"})
  public String shape;

  @Param({"binary", "float", "onnxruntime"})
  public String impl;

  @Param({"1"})
  public int threads;

  @Setup(Level.Trial)
  public void setup() throws OrtException {
    BenchModels.LayerShape s = BenchModels.LayerShape.parse(shape);
    int h = s.h();
    int w = s.w();
    int c = s.c();
    float[] x = BenchModels.gaussian(new Random(1), s.elements(), 1f);
    float[] y = new float[s.elements()];
    switch (impl) {
      case "binary" -> {
        Graph g = BenchModels.binaryConvLayer(h, w, c, 2);
        Bnn4jRunner bnn = new Bnn4jRunner(ModelInternals.fromGraph(g), threads, x, y);
        runner = bnn;
        BenchModels.checkExact("binary " + shape, BenchModels.reference(
            BenchModels.binaryConvLayer(h, w, c, 2), x), bnn.run());
        System.out.println("kernels: " + Kernels.provider().name());
        bnn.warmUp();
      }
      case "float" -> {
        float[][] weights = BenchModels.floatConvWeights(c, 3);
        Bnn4jRunner bnn = new Bnn4jRunner(
            ModelInternals.fromGraph(BenchModels.floatConvLayer(h, w, c, weights)), threads, x, y);
        runner = bnn;
        BenchModels.checkClose("float " + shape, BenchModels.reference(
            BenchModels.floatConvLayer(h, w, c, weights), x), bnn.run(), 1e-4f);
        bnn.warmUp();
      }
      case "onnxruntime" -> {
        float[][] weights = BenchModels.floatConvWeights(c, 3);
        runner = new OrtRunner(BenchModels.onnxConv(h, w, c, weights), x,
            new long[] {1, c, h, w}, threads, y);
        BenchModels.checkClose("onnxruntime " + shape, BenchModels.reference(
            BenchModels.floatConvLayer(h, w, c, weights), x), runner.run(), 1e-3f);
      }
      default -> throw new IllegalArgumentException("impl " + impl);
    }
  }

  @Benchmark
  public float[] layer() throws OrtException {
    return runner.run();
  }
}
