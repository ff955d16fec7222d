package org.bnn4j.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.convert.AsymmetricBinaryConvPass;
import org.bnn4j.convert.BinaryLoweringPass;
import org.bnn4j.convert.BitOutputPass;
import org.bnn4j.convert.Converter;
import org.bnn4j.convert.GraphPass;
import org.bnn4j.convert.OutputTransformFusionPass;
import org.bnn4j.convert.StraightThroughSignPass;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.onnx.OnnxImporter;
import org.bnn4j.format.onnx.OnnxTensors;
import org.bnn4j.format.graph.ElementType;
import org.bnn4j.internal.ModelInternals;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.runtime.CompiledGraph;
import org.bnn4j.runtime.Executor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The converter against PyTorch: every fixture exported by tools/train/export_fixtures.py, in
 * both export modes, converted to binary ops, must reproduce PyTorch's outputs, and the bits
 * between binary layers must equal the signs of PyTorch's own intermediate values.
 */
class BinaryFixturesTest {
  static final float RTOL = 1e-4f;

  static Path fixtures() throws URISyntaxException {
    return Path.of(BinaryFixturesTest.class.getResource("/bnn-fixtures").toURI());
  }

  static List<Path> fixtureDirs() throws Exception {
    try (Stream<Path> s = Files.list(fixtures())) {
      return s.filter(p -> Files.exists(p.resolve("fixture.json"))).sorted().toList();
    }
  }

  static JsonObject json(Path p) throws IOException {
    return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
  }

  static float[] tensor(Path p) throws IOException {
    return OnnxTensors.readTensorProtoFile(p, Limits.DEFAULT).floats();
  }

  @TestFactory
  Stream<DynamicTest> outputsMatchPyTorch() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path dir : fixtureDirs()) {
      for (String mode : List.of("folded", "preserve")) {
        tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + mode,
            () -> checkOutputs(dir, mode)));
      }
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> bitsBetweenLayersMatchPyTorchSigns() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path dir : fixtureDirs()) {
      for (String mode : List.of("folded", "preserve")) {
        tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + mode,
            () -> checkBits(dir, mode)));
      }
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> thresholdsAgreeWithPyTorchAtEveryDot() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path dir : fixtureDirs()) {
      if (!Files.exists(dir.resolve("boundary.json"))) {
        continue;
      }
      for (String mode : List.of("folded", "preserve")) {
        tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + mode,
            () -> checkBoundary(dir, mode)));
      }
    }
    assertTrue(tests.size() >= 6, "expected boundary tables, found " + tests.size() / 2);
    return tests.stream();
  }

  private static void checkOutputs(Path dir, String mode) throws Exception {
    JsonObject meta = json(dir.resolve("fixture.json"));
    byte[] onnx = Files.readAllBytes(dir.resolve(mode).resolve("model.onnx"));
    Converter.Result r = Converter.convert(onnx, Limits.DEFAULT);
    Graph g = r.graph();
    // An AdaBin conv lowers to two binary convs (dot and window sum): such fixtures say so.
    int expectedBinary = meta.has("expected_lowered_binary_layers")
        ? meta.get("expected_lowered_binary_layers").getAsInt()
        : meta.get("num_binary_convs").getAsInt() + meta.get("num_binary_dense").getAsInt();
    long binary = g.nodes().stream().filter(n -> n.op() == OpType.BINARY_CONV2D
        || n.op() == OpType.BINARY_DENSE).count();
    assertEquals(expectedBinary, binary, "binary layers in " + g.nodes() + "\nlog " + r.log());
    for (OpNode n : g.nodes()) {
      assertTrue(n.op() != OpType.CONV2D || !n.name().isEmpty());
    }
    if (meta.has("squeezed_bits")) {
      // Bits with a -inf threshold are +1 for every input: the converter must drop them.
      int widened = meta.getAsJsonArray("binary_layers").get(0).getAsJsonObject()
          .get("in_channels").getAsInt();
      OpNode binarize = g.nodes().stream().filter(n -> n.op() == OpType.BINARIZE)
          .findFirst().orElseThrow();
      assertEquals(widened - meta.get("squeezed_bits").getAsInt(),
          g.constant(binarize.input(1)).floats().length, "bits left after squeezing, log "
              + r.log());
    }
    // Through the file format and back, as a user would deploy it.
    Graph loaded = ModelCodec.decode(ModelCodec.encode(g), Limits.DEFAULT);
    Path data = dir.resolve("test_data_set_0");
    try (Model m = ModelInternals.fromGraph(loaded); Session s = m.newSession()) {
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put(m.inputNames().get(0), Tensor.of(tensor(data.resolve("input_0.pb")),
          m.inputShape(m.inputNames().get(0))));
      Map<String, Tensor> out = s.run(in);
      int k = 0;
      for (Tensor got : out.values()) {
        float[] want = tensor(data.resolve("output_" + k + ".pb"));
        assertClose(want, got.toFloatArray(), dir.getFileName() + "/" + mode + " output " + k);
        k++;
      }
    }
  }

  /** |got - want| within RTOL of |want|, with a floor of RTOL times the output's largest value. */
  static void assertClose(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + " size");
    float max = 0;
    for (float w : want) {
      max = Math.max(max, Math.abs(w));
    }
    for (int i = 0; i < want.length; i++) {
      float tol = RTOL * Math.max(Math.abs(want[i]), max);
      if (!(Math.abs(got[i] - want[i]) <= tol)) {
        fail(what + ": element " + i + " is " + got[i] + ", PyTorch gives " + want[i]);
      }
    }
  }

  /** Per channel +1 when the layer's weight bits equal the preserve export's, -1 when negated. */
  private static int[] orientation(Path dir, OpNode layer, Graph g) throws Exception {
    byte[] onnx = Files.readAllBytes(dir.resolve("preserve").resolve("model.onnx"));
    Graph p = Converter.convert(onnx, Limits.DEFAULT, unsqueezed()).graph();
    OpNode ref = p.nodes().stream()
        .filter(n -> n.op() == OpType.BINARY_CONV2D).findFirst().orElseThrow();
    long[] mine = g.constant(layer.input(1)).longs();
    long[] theirs = p.constant(ref.input(1)).longs();
    int[] dims = g.constant(layer.input(1)).dims();
    int rowWords = mine.length / dims[0];
    int cin = dims[3];
    int[] out = new int[dims[0]];
    for (int m = 0; m < dims[0]; m++) {
      boolean same = true;
      boolean negated = true;
      for (int r = 0; r < dims[1] * dims[2]; r++) {
        for (int c = 0; c < cin; c++) {
          int word = m * rowWords + r * Bitpack.words(cin) + (c >>> 6);
          boolean a = (mine[word] >>> (c & 63) & 1L) != 0;
          boolean bt = (theirs[word] >>> (c & 63) & 1L) != 0;
          same &= a == bt;
          negated &= a != bt;
        }
      }
      out[m] = same ? 1 : negated ? -1 : 0;
    }
    return out;
  }

  /** The passes up to bit outputs: squeezing would drop channels the PyTorch data still has. */
  static List<GraphPass> unsqueezed() {
    return List.of(new StraightThroughSignPass(), new AsymmetricBinaryConvPass(),
        new BinaryLoweringPass(),
        new OutputTransformFusionPass(), new BitOutputPass());
  }

  private static void checkBits(Path dir, String mode) throws Exception {
    byte[] onnx = Files.readAllBytes(dir.resolve(mode).resolve("model.onnx"));
    // Activation signs of the source graph in execution order: sign_input_k belongs to the k-th.
    Graph source = OnnxImporter.importModel(onnx, Limits.DEFAULT);
    Map<String, Integer> signIndex = new HashMap<>();
    Map<String, List<String>> concatParts = new HashMap<>();
    for (OpNode n : source.nodes()) {
      if (n.op() == OpType.SIGN && !source.isConstant(n.input(0))) {
        signIndex.put(n.output(0), signIndex.size());
      }
      if (n.op() == OpType.CONCAT) {
        concatParts.put(n.output(0), n.inputs());
      }
    }
    Graph g = Converter.convert(onnx, Limits.DEFAULT, unsqueezed()).graph();
    Path data = dir.resolve("test_data_set_0");
    // Bits values named after the Sign (or widening Concat) they replace.
    Map<String, List<Integer>> expectedSigns = new LinkedHashMap<>();
    for (Map.Entry<String, ValueType> e : g.types().entrySet()) {
      if (e.getValue().type() != ElementType.BITS || !e.getKey().endsWith("_bits")) {
        continue;
      }
      String key = e.getKey().substring(0, e.getKey().length() - "_bits".length());
      if (signIndex.containsKey(key)) {
        expectedSigns.put(e.getKey(), List.of(signIndex.get(key)));
      } else if (concatParts.containsKey(key)) {
        List<Integer> parts = new ArrayList<>();
        for (String in : concatParts.get(key)) {
          parts.add(signIndex.get(in));
        }
        expectedSigns.put(e.getKey(), parts);
      }
    }
    if (expectedSigns.isEmpty()) {
      return;
    }
    g.outputs().addAll(expectedSigns.keySet());
    CompiledGraph program = CompiledGraph.compile(g);
    Executor exec = program.newExecutor();
    exec.setInput(0, tensor(data.resolve("input_0.pb")), 0);
    exec.run();
    int firstDebug = g.outputs().size() - expectedSigns.size();
    int i = firstDebug;
    long bitsCompared = 0;
    long zerosCompared = 0;
    for (Map.Entry<String, List<Integer>> e : expectedSigns.entrySet()) {
      long[] words = exec.outputWords(i++);
      int[] dims = g.typeOf(e.getKey()).dims();
      int channels = dims[1];
      int hw = dims.length == 4 ? dims[2] * dims[3] : 1;
      int wordsPerPos = Bitpack.words(channels);
      // A value that may hold zeros carries its zero mask after the sign words, then one flag
      // per image (nonzero when that image's mask was written).
      int signWords = dims[0] * hw * wordsPerPos;
      boolean withZeros = words.length > signWords;
      int chanBase = 0;
      for (int k : e.getValue()) {
        float[] pre = tensor(data.resolve("sign_input_" + k + ".pb"));
        int partC = (int) (pre.length / (dims[0] * (long) hw));
        for (int b = 0; b < dims[0]; b++) {
          for (int c = 0; c < partC; c++) {
            for (int p = 0; p < hw; p++) {
              float v = pre[(b * partC + c) * hw + p];
              int ch = chanBase + c;
              int at = (b * hw + p) * wordsPerPos + (ch >>> 6);
              long word = words[at];
              boolean negative = (word >>> (ch & 63) & 1L) != 0;
              boolean zero = withZeros && words[2 * signWords + b] != 0L
                  && (words[signWords + at] >>> (ch & 63) & 1L) != 0;
              // Three states: torch.sign gives 0 exactly at 0, and then the sign bit is 0.
              if (zero != (v == 0f) || negative != (v < 0f)) {
                fail(dir.getFileName() + "/" + mode + " bits '" + e.getKey() + "' [n=" + b
                    + ", c=" + ch + ", pos=" + p + "]: PyTorch's sign input is " + v
                    + ", bnn4j has " + (zero ? "0" : negative ? "-1" : "+1"));
              }
              bitsCompared++;
              zerosCompared += zero ? 1 : 0;
            }
          }
        }
        chanBase += partC;
      }
      assertEquals(channels, chanBase, "channels of " + e.getKey());
    }
    assertTrue(bitsCompared > 0);
    if (dir.getFileName().toString().startsWith("sign0_")) {
      assertTrue(zerosCompared > 0, "the fixture exists to feed exact zeros to a Sign");
    }
    exec.release();
  }

  private static void checkBoundary(Path dir, String mode) throws Exception {
    JsonObject b = json(dir.resolve("boundary.json"));
    byte[] onnx = Files.readAllBytes(dir.resolve(mode).resolve("model.onnx"));
    Graph g = Converter.convert(onnx, Limits.DEFAULT, unsqueezed()).graph();
    OpNode layer = g.nodes().stream()
        .filter(n -> n.op() == OpType.BINARY_CONV2D).findFirst().orElseThrow();
    assertEquals("bits", layer.getString("output", ""), "first binary conv should write bits: "
        + layer);
    long[] thr = g.constant(layer.input(2)).longs();
    long[] flip = g.constant(layer.input(3)).longs();
    // The table's d is the dot with the signs of the module's own weights. A folded export
    // multiplies a channel's weights by BatchNorm's scale, whose sign may be negative, and so
    // flips that channel's dot: recover the orientation from the unfolded (preserve) weights.
    int[] orientation = orientation(dir, layer, g);
    JsonArray d = b.getAsJsonArray("d");
    JsonArray signs = b.getAsJsonArray("sign_module");
    assertEquals(b.get("channels").getAsInt(), thr.length);
    int compared = 0;
    for (int m = 0; m < thr.length; m++) {
      JsonArray row = signs.get(m).getAsJsonArray();
      for (int j = 0; j < d.size(); j++) {
        int want = row.get(j).getAsInt();
        if (want == 0) {
          continue;
        }
        if (thr[m] == BitOutputPass.CONSTANT) {
          boolean negative = flip[m] != 0;
          assertEquals(want < 0, negative, dir.getFileName() + "/" + mode + " constant channel "
              + m);
          compared++;
          continue;
        }
        long dot = orientation[m] * d.get(j).getAsLong();
        boolean negative = (dot < thr[m]) != (flip[m] != 0);
        assertEquals(want < 0, negative, dir.getFileName() + "/" + mode + " channel " + m
            + " at d=" + dot + ": threshold " + thr[m] + " flip " + flip[m]);
        compared++;
      }
    }
    assertTrue(compared > 0);
  }
}
