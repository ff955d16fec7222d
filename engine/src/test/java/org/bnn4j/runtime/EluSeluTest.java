package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.Graph;
import org.junit.jupiter.api.Test;

/**
 * ONNX Elu and Selu, imported and run by {@link ReferenceOps}, against the ONNX backend cases that
 * Debian's {@code libonnx-testdata} holds for them (expected outputs computed by the ONNX
 * project with numpy), and the attribute defaults against the ONNX formulas in double.
 */
class EluSeluTest {
  private static final List<String> CASES = List.of("node/test_elu", "node/test_elu_default",
      "node/test_elu_example", "node/test_selu", "node/test_selu_default",
      "node/test_selu_example", "node/test_celu_expanded", "pytorch-converted/test_ELU",
      "pytorch-converted/test_SELU", "pytorch-operator/test_operator_selu");

  @Test
  void backendCasesMatchOnTheReferenceOps() throws IOException {
    int checked = LibOnnxTestdata.checkEach(CASES, (name, g, set) -> {
      Executor e = CompiledGraph.compile(g, new ReferenceOps()).newExecutor();
      e.setInput(0, set.input(), 0);
      e.run();
      float[] got = e.output(0);
      float[] w = set.expected();
      assertEquals(w.length, got.length, name);
      for (int i = 0; i < w.length; i++) {
        // numpy's float32 exp(x) - 1 loses up to an ulp of 1 (6e-8) near x = 0, times alpha
        // and gamma: hence the absolute term; elsewhere both sides are within a few ulp.
        assertTrue(Math.abs(got[i] - w[i]) <= 1e-6 + 1e-5 * Math.abs(w[i]),
            name + " element " + i + ": x " + set.input()[i] + ", expected " + w[i]
                + ", got " + got[i]);
      }
    });
    assertEquals(CASES.size(), checked);
  }

  @Test
  void absentAttributesTakeTheOnnxDefaults() {
    float[] x = {-30f, -2f, -0.5f, -1e-3f, -0f, 0f, 1e-3f, 0.5f, 3f};
    Graph g = new GraphBuilder().input("x", x.length)
        .node(OpType.ELU, "elu", List.of("x"))
        .node(OpType.SELU, "selu", List.of("x"))
        .output("elu").output("selu").build();
    Executor e = CompiledGraph.compile(g, new ReferenceOps()).newExecutor();
    e.setInput(0, x, 0);
    e.run();
    double alpha = 1.6732632423543772848170429916717;
    double gamma = 1.0507009873554804934193349852946;
    for (int i = 0; i < x.length; i++) {
      double elu = x[i] > 0 ? x[i] : Math.exp(x[i]) - 1;
      double selu = gamma * (x[i] > 0 ? x[i] : alpha * (Math.exp(x[i]) - 1));
      assertEquals(elu, e.output(0)[i], 1e-6 * Math.max(1, Math.abs(elu)), "elu(" + x[i] + ")");
      assertEquals(selu, e.output(1)[i], 1e-6 * Math.max(1, Math.abs(selu)),
          "selu(" + x[i] + ")");
    }
  }
}
