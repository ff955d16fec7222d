package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpType;
import org.junit.jupiter.api.Test;

/**
 * ONNX Shrink, imported and run by {@link ReferenceOps}, against the ONNX backend cases that
 * Debian's {@code libonnx-testdata} holds for it (expected outputs computed by the ONNX project
 * with numpy), and its defaults and boundaries against the ONNX formula written out here.
 */
class ShrinkTest {
  private static final List<String> CASES =
      List.of("node/test_shrink_hard", "node/test_shrink_soft", "simple/test_shrink");

  @Test
  void backendCasesMatchOnTheReferenceOps() throws IOException {
    int checked = LibOnnxTestdata.checkEach(CASES, (name, g, set) ->
        // One float addition or subtraction per element, as numpy's float32: the same bits.
        assertArrayEquals(set.expected(), run(g, set.input()), name));
    assertEquals(CASES.size(), checked);
  }

  @Test
  void absentAttributesTakeTheOnnxDefaultsAndTheBoundsAreStrict() {
    float[] x = {-3f, -0.75f, -0.5f, -0.25f, -0f, 0f, 0.25f, 0.5f, 0.5000001f, 2f};
    Graph g = new GraphBuilder().input("x", x.length)
        .node(OpType.SHRINK, "y", List.of("x"))
        .output("y").build();
    float[] got = run(g, x);
    for (int i = 0; i < x.length; i++) {
      // ONNX: y = x + bias if x < -lambd, x - bias if x > lambd, else 0; bias 0, lambd 0.5.
      float want = x[i] < -0.5f ? x[i] : x[i] > 0.5f ? x[i] : 0f;
      assertEquals(want, got[i], 0f, "shrink(" + x[i] + ")");
    }
  }

  private static float[] run(Graph g, float[] x) {
    Executor e = CompiledGraph.compile(g, new ReferenceOps()).newExecutor();
    e.setInput(0, x, 0);
    e.run();
    return e.output(0);
  }
}
