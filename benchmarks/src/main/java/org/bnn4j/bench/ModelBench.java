package org.bnn4j.bench;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bnn4j.Model;
import org.bnn4j.format.onnx.proto.AttributeProto;
import org.bnn4j.format.onnx.proto.GraphProto;
import org.bnn4j.format.onnx.proto.ModelProto;
import org.bnn4j.format.onnx.proto.NodeProto;
import org.bnn4j.format.onnx.proto.OperatorSetIdProto;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.internal.ModelInternals;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole networks at 224x224, batch 1, random weights, built here as ONNX bytes: {@code
 * birealnet18} (Bi-Real ResNet-18: float 7x7/2 stem + BN + max pool; every 3x3 conv is {@code
 * BN(Conv(Sign(x), +-1 weights)) + shortcut}, downsampling shortcuts AvgPool(2) -> 1x1 Conv -> BN;
 * global average pool, float FC 1000), {@code wsresnet18} (the same with each Sign widened to K
 * thresholds per channel and the bits squeezed as listed in {@code ws-resnet18.json}, written by
 * {@code tools/train/ws_train.py --resnet18}) and {@code resnet18} (standard float). {@code bnn4j}
 * loads the bytes with {@code Model.load(byte[])} (the converter lowers the binary convs) and runs
 * {@code Session.run(float[][], float[][])}; {@code onnxruntime} runs the same bytes.
 * Setup compares the two once: resnet18 within 1e-3, the binary models within 5% relative L2 (a
 * pre-sign value within float rounding of 0 may flip between engines).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar
 * ModelBench}.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ModelBench extends RunnerBench {
  @Param({"birealnet18", "wsresnet18", "resnet18"})
  public String model;

  @Param({"bnn4j", "onnxruntime"})
  public String impl;

  @Param({"1", "2"})
  public int threads;

  @Setup(Level.Trial)
  public void setup() throws OrtException {
    byte[] onnx = new NetBuilder(model, 11).build();
    float[] x = BenchModels.gaussian(new Random(12), 3 * 224 * 224, 1f);
    OrtRunner ort = new OrtRunner(onnx, x, new long[] {1, 3, 224, 224}, threads,
        new float[1000]);
    float[] want = ort.run();
    Bnn4jRunner bnn = new Bnn4jRunner(Model.load(onnx), threads, x, new float[1000]);
    float[] got = bnn.run();
    double num = 0;
    double den = 0;
    for (int i = 0; i < 1000; i++) {
      num += (want[i] - got[i]) * (double) (want[i] - got[i]);
      den += want[i] * (double) want[i];
    }
    double rel = Math.sqrt(num / Math.max(den, 1e-30));
    if (rel > (model.equals("resnet18") ? 1e-3 : 5e-2)) {
      throw new IllegalStateException(model + ": bnn4j and ONNX Runtime differ, relative L2 "
          + rel);
    }
    System.out.println(model + ": " + ModelInternals.graph(bnn.model()).nodes().size()
        + " bnn4j nodes, relative L2 vs ORT " + rel);
    if (impl.equals("onnxruntime")) {
      bnn.close();
      runner = ort;
    } else {
      ort.close();
      runner = bnn;
    }
  }

  @Benchmark
  public float[] infer() throws OrtException {
    return runner.run();
  }

  /** Builds ResNet-18, Bi-Real ResNet-18 or W&S ResNet-18 as ONNX with random weights. */
  static final class NetBuilder {
    private final String model;
    private final boolean binary;
    private final Random rnd;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> inits = new ArrayList<>();
    private final List<WsLayer> wsLayers;
    private int wsNext;
    private int id;

    NetBuilder(String model, long seed) {
      this.model = model;
      this.binary = !model.equals("resnet18");
      this.rnd = new Random(seed);
      this.wsLayers = model.equals("wsresnet18") ? WsLayer.load() : null;
      if (!List.of("birealnet18", "wsresnet18", "resnet18").contains(model)) {
        throw new IllegalArgumentException("unknown model " + model);
      }
    }

    private String name(String p) {
      return p + (id++);
    }

    private String init(float[] v, long... dims) {
      String n = name("w");
      inits.add(BenchModels.floatTensor(n, v, dims));
      return n;
    }

    private String node(String op, List<String> in, AttributeProto... attrs) {
      String out = name(op.toLowerCase());
      NodeProto.Builder b = NodeProto.newBuilder().setName(out).setOpType(op).addOutput(out);
      in.forEach(b::addInput);
      for (AttributeProto a : attrs) {
        b.addAttribute(a);
      }
      nodes.add(b.build());
      return out;
    }

    private static AttributeProto i(String n, long v) {
      return AttributeProto.newBuilder().setName(n).setI(v)
          .setType(AttributeProto.AttributeType.INT).build();
    }

    private String conv(String x, int cin, int cout, int k, int stride, int pad, boolean signs) {
      float[] w = BenchModels.gaussian(rnd, cout * cin * k * k,
          (float) Math.sqrt(2.0 / (cin * k * k)));
      if (signs) {
        for (int j = 0; j < w.length; j++) {
          w[j] = w[j] < 0 ? -1f : 1f;
        }
      }
      return node("Conv", List.of(x, init(w, cout, cin, k, k)),
          BenchModels.ints("kernel_shape", k, k), BenchModels.ints("strides", stride, stride),
          BenchModels.ints("pads", pad, pad, pad, pad));
    }

    private String bn(String x, int c, float gain) {
      float[] scale = new float[c];
      float[] bias = BenchModels.gaussian(rnd, c, 0.1f);
      float[] mean = BenchModels.gaussian(rnd, c, 0.1f);
      float[] var = new float[c];
      for (int j = 0; j < c; j++) {
        scale[j] = gain * (0.5f + rnd.nextFloat());
        var[j] = 0.5f + rnd.nextFloat();
      }
      return node("BatchNormalization", List.of(x, init(scale, c), init(bias, c),
          init(mean, c), init(var, c)));
    }

    byte[] build() {
      String x = conv("x", 3, 64, 7, 2, 3, false);
      x = bn(x, 64, 1f);
      if (!binary) {
        x = node("Relu", List.of(x));
      }
      x = node("MaxPool", List.of(x), BenchModels.ints("kernel_shape", 3, 3),
          BenchModels.ints("strides", 2, 2), BenchModels.ints("pads", 1, 1, 1, 1));
      int cin = 64;
      int[] widths = {64, 128, 256, 512};
      for (int stage = 0; stage < 4; stage++) {
        int cout = widths[stage];
        for (int block = 0; block < 2; block++) {
          int stride = stage > 0 && block == 0 ? 2 : 1;
          x = binary ? biRealBlock(x, cin, cout, stride) : basicBlock(x, cin, cout, stride);
          cin = cout;
        }
      }
      x = node("GlobalAveragePool", List.of(x));
      x = node("Flatten", List.of(x), i("axis", 1));
      x = node("Gemm", List.of(x,
          init(BenchModels.gaussian(rnd, 1000 * 512, (float) Math.sqrt(1.0 / 512)), 1000, 512),
          init(BenchModels.gaussian(rnd, 1000, 0.01f), 1000)), i("transB", 1));
      String out = x;
      GraphProto g = GraphProto.newBuilder().setName(model)
          .addAllNode(nodes).addAllInitializer(inits)
          .addInput(BenchModels.valueInfo("x", 1, 3, 224, 224))
          .addOutput(BenchModels.valueInfo(out, 1, 1000)).build();
      return ModelProto.newBuilder().setIrVersion(8).setProducerName("bnn4j-bench")
          .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
          .setGraph(g).build().toByteArray();
    }

    private String downsample(String x, int cin, int cout, int stride) {
      String s = x;
      if (stride != 1) {
        s = node("AveragePool", List.of(s), BenchModels.ints("kernel_shape", 2, 2),
            BenchModels.ints("strides", 2, 2));
      }
      return bn(conv(s, cin, cout, 1, 1, 0, false), cout, 1f);
    }

    /** Bi-Real: a shortcut around each binary conv. W&S: each Sign widened (see binarise). */
    private String biRealBlock(String x, int cin, int cout, int stride) {
      String shortcut = stride != 1 || cin != cout ? downsample(x, cin, cout, stride) : x;
      String y = bn(binaryConv(x, cin, cout, stride), cout, 0.05f);
      x = node("Add", List.of(y, shortcut));
      y = bn(binaryConv(x, cout, cout, 1), cout, 0.05f);
      return node("Add", List.of(y, x));
    }

    /**
     * Sign(x) for Bi-Real. For W&S, K thresholds per channel, Concat_k Sign(x - t_k), at the
     * standard normal's K+1-quantiles as the recipe initialises them, with the bits the recipe
     * squeezed at -inf (constant +1: the converter removes them).
     */
    private String binaryConv(String x, int cin, int cout, int stride) {
      if (wsLayers == null) {
        return conv(node("Sign", List.of(x)), cin, cout, 3, stride, 1, true);
      }
      WsLayer layer = wsLayers.get(wsNext++);
      if (layer.cin() != cin || layer.cout() != cout || layer.stride() != stride) {
        throw new IllegalStateException("ws-resnet18.json layer " + layer.name()
            + " does not match the network at cin " + cin + ", cout " + cout);
      }
      List<String> parts = new ArrayList<>();
      for (int k = 0; k < layer.k(); k++) {
        double z = Math.sqrt(2) * erfInv(2.0 * (k + 1) / (layer.k() + 1) - 1);
        float[] t = new float[cin];
        for (int c = 0; c < cin; c++) {
          t[c] = layer.squeezed().charAt(k * cin + c) == '1' ? Float.NEGATIVE_INFINITY
              : (float) (z + 0.05 * rnd.nextGaussian());
        }
        parts.add(node("Sign", List.of(node("Sub", List.of(x, init(t, 1, cin, 1, 1))))));
      }
      String bits = node("Concat", parts, i("axis", 1));
      return conv(bits, layer.k() * cin, cout, 3, stride, 1, true);
    }

    /** Inverse error function by Newton's method (|x| < 1). */
    private static double erfInv(double x) {
      double y = 0;
      for (int it = 0; it < 50; it++) {
        double err = erf(y) - x;
        y -= err / (2 / Math.sqrt(Math.PI) * Math.exp(-y * y));
      }
      return y;
    }

    /** erf by its Taylor series; enough for the |y| < 1.5 the quantiles above need. */
    private static double erf(double y) {
      double sum = 0;
      double term = y;
      for (int n = 0; n < 60; n++) {
        sum += term / (2 * n + 1);
        term *= -y * y / (n + 1);
      }
      return 2 / Math.sqrt(Math.PI) * sum;
    }

    private String basicBlock(String x, int cin, int cout, int stride) {
      String shortcut = stride != 1 || cin != cout
          ? bn(conv(x, cin, cout, 1, stride, 0, false), cout, 1f) : x;
      String y = node("Relu", List.of(bn(conv(x, cin, cout, 3, stride, 1, false), cout, 1f)));
      y = bn(conv(y, cout, cout, 3, 1, 1, false), cout, 1f);
      return node("Relu", List.of(node("Add", List.of(y, shortcut))));
    }
  }

  /** One widened binary conv of the W&S ResNet-18, as tools/train/ws_train.py --resnet18 wrote it. */
  record WsLayer(String name, int cin, int cout, int stride, int k, String squeezed) {
    static List<WsLayer> load() {
      try (var in = ModelBench.class.getResourceAsStream("/ws-resnet18.json")) {
        if (in == null) {
          throw new IllegalStateException("ws-resnet18.json is not on the class path");
        }
        var doc = com.google.gson.JsonParser.parseReader(
            new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))
            .getAsJsonObject();
        List<WsLayer> out = new ArrayList<>();
        for (var e : doc.getAsJsonArray("layers")) {
          var o = e.getAsJsonObject();
          WsLayer l = new WsLayer(o.get("name").getAsString(), o.get("cin").getAsInt(),
              o.get("cout").getAsInt(), o.get("stride").getAsInt(), o.get("k").getAsInt(),
              o.get("squeezed").getAsString());
          if (l.squeezed().length() != l.k() * l.cin()) {
            throw new IllegalStateException(l.name() + ": squeezed has " + l.squeezed().length()
                + " flags, expected k * cin = " + l.k() * l.cin());
          }
          out.add(l);
        }
        return out;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
