package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.runtime.GraphBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionTest {

  /** y = relu(x * w + b) over a [1, 3, 2, 2] input, w and b per channel. */
  static Graph scaleRelu() {
    Graph g = new GraphBuilder().input("x", 1, 3, 2, 2)
        .constant("w", new float[] {1, -1, 2}, 3, 1, 1)
        .constant("b", new float[] {0, 0, -1}, 3, 1, 1)
        .node(OpType.MUL, "m", List.of("x", "w"))
        .node(OpType.ADD, "a", List.of("m", "b"))
        .node(OpType.RELU, "y", List.of("a"))
        .output("y").build();
    g.setMetadata(new GraphMetadata("scale-relu", "", "", 0, List.of(), List.of(), Map.of()));
    return g;
  }

  static Graph twoInTwoOut() {
    return new GraphBuilder().input("a", 2).input("b", 2)
        .node(OpType.ADD, "sum", List.of("a", "b"))
        .node(OpType.SUB, "diff", List.of("a", "b"))
        .output("sum").output("diff").build();
  }

  private static final float[] X = {1, 2, 3, 4, 1, 2, 3, 4, 0, 0.5f, 1, 2};
  private static final float[] Y = {1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 1, 3};

  @Test
  void runsAGraph() {
    try (Model model = Model.fromGraph(scaleRelu()); Session s = model.newSession()) {
      assertEquals(List.of("x"), model.inputNames());
      assertEquals(List.of("y"), model.outputNames());
      assertArrayEquals(new int[] {1, 3, 2, 2}, model.inputShape("x"));
      assertArrayEquals(new int[] {1, 3, 2, 2}, model.outputShape("y"));
      assertEquals("scale-relu", model.metadata().name());
      assertTrue(model.sessionMemoryBytes() > 0);
      Tensor out = s.run(Tensor.of(X, 1, 3, 2, 2));
      assertArrayEquals(new int[] {1, 3, 2, 2}, out.shape());
      assertArrayEquals(Y, out.toFloatArray());
      // Map form, and outputs of one run survive the next.
      Map<String, Tensor> res = s.run(Map.of("x", Tensor.of(X, 1, 3, 2, 2)));
      s.run(Map.of("x", Tensor.zeros(1, 3, 2, 2)));
      assertArrayEquals(Y, res.get("y").toFloatArray());
    }
  }

  @Test
  void outputsInGraphOrder() {
    try (Model model = Model.fromGraph(twoInTwoOut()); Session s = model.newSession()) {
      Map<String, Tensor> in = new HashMap<>();
      in.put("b", Tensor.of(new float[] {1, 2}, 2));
      in.put("a", Tensor.of(new float[] {10, 20}, 2));
      Map<String, Tensor> out = s.run(in);
      assertEquals(List.of("sum", "diff"), List.copyOf(out.keySet()));
      assertArrayEquals(new float[] {11, 22}, out.get("sum").toFloatArray());
      assertArrayEquals(new float[] {9, 18}, out.get("diff").toFloatArray());
    }
  }

  @Test
  void wrongShapeNamesBothShapes() {
    try (Model model = Model.fromGraph(scaleRelu()); Session s = model.newSession()) {
      InvalidInputException e = assertThrows(InvalidInputException.class,
          () -> s.run(Tensor.of(new float[12], 1, 3, 4, 1)));
      assertEquals("input 'x' has shape [1, 3, 4, 1], expected [1, 3, 2, 2]", e.getMessage());
      e = assertThrows(InvalidInputException.class,
          () -> s.run(Map.of("x", Tensor.of(new float[12], 3, 2, 2))));
      assertTrue(e.getMessage().contains("[3, 2, 2]") && e.getMessage().contains("[1, 3, 2, 2]"),
          e.getMessage());
    }
  }

  @Test
  void missingUnknownAndNullInputs() {
    try (Model model = Model.fromGraph(twoInTwoOut()); Session s = model.newSession()) {
      Tensor t = Tensor.of(new float[2], 2);
      InvalidInputException e = assertThrows(InvalidInputException.class,
          () -> s.run(Map.of("a", t)));
      assertTrue(e.getMessage().startsWith("missing input 'b'"), e.getMessage());
      e = assertThrows(InvalidInputException.class,
          () -> s.run(Map.of("a", t, "b", t, "c", t)));
      assertTrue(e.getMessage().startsWith("unknown input 'c'"), e.getMessage());
      Map<String, Tensor> withNull = new HashMap<>();
      withNull.put("a", t);
      withNull.put("b", null);
      e = assertThrows(InvalidInputException.class, () -> s.run(withNull));
      assertTrue(e.getMessage().startsWith("input 'b' is null"), e.getMessage());
      e = assertThrows(InvalidInputException.class, () -> s.run(t));
      assertTrue(e.getMessage().contains("one input and one output"), e.getMessage());
    }
  }

  @Test
  void closedSessionThrows() {
    Model model = Model.fromGraph(scaleRelu());
    Session s = model.newSession();
    s.close();
    s.close();
    assertTrue(s.isClosed());
    Tensor t = Tensor.of(X, 1, 3, 2, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.run(t));
    assertEquals("session is closed", e.getMessage());
    assertThrows(IllegalStateException.class, () -> s.run(Map.of("x", t)));
    assertThrows(IllegalStateException.class, s::options);
    assertThrows(IllegalStateException.class, s::model);
  }

  @Test
  void closedModelRefusesNewSessionsButOpenOnesWork() {
    Model model = Model.fromGraph(scaleRelu());
    try (Session s = model.newSession(SessionOptions.defaults().withThreads(2))) {
      assertEquals(2, s.options().threads());
      model.close();
      assertThrows(IllegalStateException.class, model::newSession);
      assertArrayEquals(Y, s.run(Tensor.of(X, 1, 3, 2, 2)).toFloatArray());
    }
    assertThrows(IllegalArgumentException.class,
        () -> SessionOptions.defaults().withThreads(0));
  }

  @Test
  void nanAndInfinityPropagate() {
    try (Model model = Model.fromGraph(scaleRelu()); Session s = model.newSession()) {
      float[] x = X.clone();
      x[0] = Float.NaN;
      x[1] = Float.POSITIVE_INFINITY;
      x[4] = Float.POSITIVE_INFINITY; // channel 1 has w = -1: relu(-inf) = 0
      float[] y = s.run(Tensor.of(x, 1, 3, 2, 2)).toFloatArray();
      assertTrue(Float.isNaN(y[0]));
      assertEquals(Float.POSITIVE_INFINITY, y[1]);
      assertEquals(0f, y[4]);
    }
  }

  @Test
  void sessionsRunConcurrently() throws Exception {
    try (Model model = Model.fromGraph(scaleRelu())) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Boolean>> fs = new java.util.ArrayList<>();
        for (int k = 0; k < 4; k++) {
          fs.add(pool.submit(() -> {
            try (Session s = model.newSession()) {
              for (int i = 0; i < 200; i++) {
                if (!java.util.Arrays.equals(Y, s.run(Tensor.of(X, 1, 3, 2, 2))
                    .toFloatArray())) {
                  return false;
                }
              }
              return true;
            }
          }));
        }
        for (Future<Boolean> f : fs) {
          assertTrue(f.get());
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void loadsBnnBytesPathAndStream(@TempDir Path dir) throws IOException {
    byte[] bytes = ModelCodec.encode(scaleRelu());
    Path file = dir.resolve("m.bnn");
    Files.write(file, bytes);
    boolean[] closed = {false};
    ByteArrayInputStream stream = new ByteArrayInputStream(bytes) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    for (Model model : new Model[] {Model.load(bytes), Model.load(file), Model.load(stream),
        Model.load(bytes, ModelOptions.defaults().withLimits(Limits.DEFAULT))}) {
      try (model; Session s = model.newSession()) {
        assertEquals("scale-relu", model.metadata().name());
        assertArrayEquals(Y, s.run(Tensor.of(X, 1, 3, 2, 2)).toFloatArray());
      }
    }
    assertFalse(closed[0], "the caller's stream is not closed");
  }

  @Test
  void unreadableFileNamesThePath(@TempDir Path dir) {
    Path missing = dir.resolve("nope.bnn");
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> Model.load(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void limitsApply() {
    byte[] bytes = ModelCodec.encode(scaleRelu());
    ModelOptions tiny = ModelOptions.defaults().withLimits(Limits.DEFAULT.withMaxFileBytes(10));
    assertThrows(ModelFormatException.class, () -> Model.load(bytes, tiny));
    ModelOptions fewNodes = ModelOptions.defaults().withLimits(Limits.DEFAULT.withMaxNodes(2));
    assertThrows(ModelFormatException.class, () -> Model.fromGraph(scaleRelu(), fewNodes));
  }

  @Test
  void corruptBnnIsAFormatError() {
    byte[] bytes = ModelCodec.encode(scaleRelu());
    bytes[bytes.length / 2] ^= 0x55;
    assertThrows(ModelFormatException.class, () -> Model.load(bytes));
  }

  @Test
  void notBnnIsReadAsOnnx() {
    // Not .bnn magic, so the ONNX importer sees it and rejects it as a bad model.
    assertThrows(Bnn4jException.class, () -> Model.load(new byte[] {1, 2, 3, 4, 5}));
  }

  @Test
  void unknownNamesInShapeQueries() {
    try (Model model = Model.fromGraph(scaleRelu())) {
      assertThrows(InvalidInputException.class, () -> model.inputShape("y"));
      assertThrows(InvalidInputException.class, () -> model.outputShape("x"));
    }
  }
}
