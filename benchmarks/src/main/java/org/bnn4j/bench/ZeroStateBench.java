package org.bnn4j.bench;

import ai.onnxruntime.OrtException;
import java.util.Random;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.format.ZeroStates;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The cost of exact sign(0): ConvLayerBench's binary layer (Binarize, then a 3x3 BinaryConv2d
 * with float output, batch 1) with the Binarize in each zero mode:
 * <ul>
 *   <li>{@code plus}: no {@code zero} attribute, an input at the threshold is +1: the code path
 *       of every model before exact zeros existed;
 *   <li>{@code none}: {@code zero = "zero"} (ONNX Sign), an input with no exact zero: Binarize
 *       also looks for zeros, then the plain kernel runs;
 *   <li>{@code few}: {@code zero = "zero"}, eight inputs exactly 0: the zero mask is written and
 *       the sparse correction is added to the dots;
 *   <li>{@code relu}: {@code zero = "zero"}, every negative input set to 0 (about half), as after
 *       a ReLU: the worst case of the correction.
 * </ul>
 * Setup checks each result exactly against the reference ops.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar
 * ZeroStateBench}.
 */
public class ZeroStateBench extends RunnerBench {
  @Param({"28x28x128"})
  public String shape;

  @Param({"plus", "none", "few", "relu"})
  public String zeros;

  @Param({"1"})
  public int threads;

  static Graph layer(int h, int w, int c, boolean zeroMode) {
    Graph g = BenchModels.binaryConvLayer(h, w, c, 2);
    if (zeroMode) {
      for (OpNode n : g.nodes()) {
        if (n.name().equals("bin")) {
          n.set(ZeroStates.ATTRIBUTE, ZeroStates.ZERO);
        }
      }
    }
    return g;
  }

  @Setup(Level.Trial)
  public void setup() {
    BenchModels.LayerShape s = BenchModels.LayerShape.parse(shape);
    int h = s.h();
    int w = s.w();
    int c = s.c();
    float[] x = BenchModels.gaussian(new Random(1), s.elements(), 1f);
    for (int i = 0; i < x.length; i++) {
      if (x[i] == 0f) {
        x[i] = 1e-3f; // the thresholds are 0: only the zeros placed below may hit them
      }
    }
    switch (zeros) {
      case "plus", "none" -> { }
      case "few" -> {
        Random rnd = new Random(3);
        for (int i = 0; i < 8; i++) {
          x[rnd.nextInt(x.length)] = 0f;
        }
      }
      case "relu" -> {
        for (int i = 0; i < x.length; i++) {
          x[i] = Math.max(0f, x[i]);
        }
      }
      default -> throw new IllegalArgumentException("zeros " + zeros);
    }
    boolean zeroMode = !zeros.equals("plus");
    Bnn4jRunner bnn = new Bnn4jRunner(ModelInternals.fromGraph(layer(h, w, c, zeroMode)),
        threads, x, new float[s.elements()]);
    runner = bnn;
    BenchModels.checkExact("binary " + shape + " zeros " + zeros,
        BenchModels.reference(layer(h, w, c, zeroMode), x), bnn.run());
    System.out.println("kernels: " + Kernels.provider().name());
    bnn.warmUp();
  }

  @Benchmark
  public float[] layer() throws OrtException {
    return runner.run();
  }
}
