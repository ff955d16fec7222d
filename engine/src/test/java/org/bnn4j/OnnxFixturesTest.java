package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.OnnxTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end on the float path: each PyTorch-exported fixture (ONNX, both export modes) is
 * loaded through the ONNX importer without binary lowering and run on the reference kernels;
 * its outputs must match PyTorch's within rtol 1e-3. (The float Sign op is exact here: no value
 * fed to a sign in these fixtures is 0.)
 */
class OnnxFixturesTest {

  static Path fixtureRoot() {
    URL url = OnnxFixturesTest.class.getResource("/bnn-fixtures/fixtures.txt");
    if (url == null) {
      return null;
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Arguments> fixtures() throws IOException {
    Path root = fixtureRoot();
    if (root == null) {
      return Stream.of(Arguments.of("(none)", "folded"));
    }
    List<Arguments> out = new ArrayList<>();
    for (String line : Files.readAllLines(root.resolve("fixtures.txt"))) {
      String name = line.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      out.add(Arguments.of(name, "folded"));
      out.add(Arguments.of(name, "preserve"));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("fixtures")
  void matchesPyTorch(String fixture, String mode) throws IOException {
    Path root = fixtureRoot();
    assumeTrue(root != null, "bnn-fixtures not on the test class path");
    Path dir = root.resolve(fixture);
    Path data = dir.resolve("test_data_set_0");
    ConstTensor input = OnnxTensors.readTensorProtoFile(data.resolve("input_0.pb"),
        Limits.DEFAULT);
    try (Model model = Model.load(dir.resolve(mode).resolve("model.onnx"));
        Session session = model.newSession()) {
      assertEquals(1, model.inputNames().size());
      Map<String, Tensor> outs = session.run(Map.of(model.inputNames().get(0),
          Tensor.of(input.floats(), input.dims())));
      assertEquals(model.outputNames().size(), outs.size());
      int j = 0;
      for (String name : model.outputNames()) {
        ConstTensor expected = OnnxTensors.readTensorProtoFile(
            data.resolve("output_" + j + ".pb"), Limits.DEFAULT);
        Tensor got = outs.get(name);
        assertArrayEquals(expected.dims(), got.shape(), "shape of " + name);
        float[] e = expected.floats();
        float[] a = got.toFloatArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
          double err = Math.abs(a[i] - e[i]);
          double tol = 1e-4 + 1e-3 * Math.abs(e[i]);
          worst = Math.max(worst, err / tol);
          if (!(err <= tol)) {
            fail(fixture + "/" + mode + " output " + name + "[" + i + "]: expected " + e[i]
                + ", got " + a[i]);
          }
        }
        j++;
      }
    }
  }
}
