package org.bnn4j.format;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.Bnn4jException;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.ElementType;
import org.junit.jupiter.api.Test;

class GraphValidatorTest {

  /** x[1,3,8,8] -> Conv2d(w) -> c[1,4,8,8] -> Relu -> y. */
  static Graph valid() {
    Graph g = new Graph();
    g.inputs().add("x");
    g.types().put("x", ValueType.float32(1, 3, 8, 8));
    g.constants().put("w", ConstTensor.ofFloats(new int[] {4, 3, 3, 3}, new float[108]));
    g.nodes().add(new OpNode("conv", OpType.CONV2D, List.of("x", "w"), List.of("c"))
        .set("strides", new int[] {1, 1}).set("pads", new int[] {1, 1, 1, 1})
        .set("dilations", new int[] {1, 1}).set("group", 1));
    g.types().put("c", ValueType.float32(1, 4, 8, 8));
    g.nodes().add(new OpNode("relu", OpType.RELU, List.of("c"), List.of("y")));
    g.types().put("y", ValueType.float32(1, 4, 8, 8));
    g.outputs().add("y");
    return g;
  }

  private static ModelFormatException rejects(Graph g, String... fragments) {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> GraphValidator.validate(g, Limits.DEFAULT));
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }
    return e;
  }

  @Test
  void acceptsAValidGraph() {
    assertDoesNotThrow(() -> GraphValidator.validate(valid(), Limits.DEFAULT));
  }

  @Test
  void rejectsReadsBeforeWrites() {
    Graph g = valid();
    g.nodes().add(0, g.nodes().remove(1));
    rejects(g, "node 'relu' reads 'c' before it is written", "Conv2d node 'conv'");

    Graph h = valid();
    h.nodes().get(1).inputs().set(0, "ghost");
    rejects(h, "reads 'ghost'", "not a graph input");
  }

  @Test
  void rejectsDuplicateWrites() {
    Graph g = valid();
    g.nodes().add(new OpNode("relu2", OpType.RELU, List.of("c"), List.of("y")));
    rejects(g, "value 'y' is written twice", "relu2", "relu'");

    Graph h = valid();
    h.nodes().get(1).outputs().set(0, "x");
    rejects(h, "value 'x' is written twice", "graph input");

    Graph k = valid();
    k.nodes().get(1).outputs().set(0, "w");
    rejects(k, "value 'w' is written twice", "constant");

    Graph n = valid();
    n.nodes().get(1).setName("conv");
    rejects(n, "node name 'conv' is used twice");
  }

  @Test
  void rejectsStoredTypesThatDoNotMatchInference() {
    Graph g = valid();
    g.types().put("c", ValueType.float32(1, 4, 7, 7));
    rejects(g, "value 'c'", "stored as float[1, 4, 7, 7]", "infers as float[1, 4, 8, 8]");

    Graph h = valid();
    h.types().remove("y");
    rejects(h, "value 'y'", "no stored type");
  }

  @Test
  void rejectsGraphsOverTheLimits() {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> GraphValidator.validate(valid(), Limits.DEFAULT.withMaxNodes(1)));
    assertTrue(e.getMessage().contains("maxNodes"), e.getMessage());
    assertThrows(ModelFormatException.class, () -> GraphValidator.validate(valid(),
        Limits.DEFAULT.withMaxTensorElements(100)));
  }

  @Test
  void rejectsBadOutputsAndInputs() {
    Graph g = valid();
    g.outputs().set(0, "nothing");
    rejects(g, "graph output 'nothing' is never written");

    Graph h = valid();
    h.outputs().clear();
    rejects(h, "no outputs");

    Graph k = valid();
    k.types().remove("x");
    rejects(k, "graph input 'x' has no type");

    Graph m = valid();
    m.types().put("x", ValueType.float32(1, 3, 0, 8));
    rejects(m, "empty dim");

    Graph w = valid();
    w.constants().put("i", ConstTensor.ofInt64(new int[] {2}, new long[] {1, 2}));
    w.outputs().add("i");
    rejects(w, "graph output 'i'", "expected float");
  }

  /**
   * Random corruptions of valid graphs must end in a bnn4j exception or pass, never in anything
   * else (this is what the engine runs on an untrusted .bnn file).
   */
  @Test
  void arbitraryGraphsOnlyEverThrowBnn4jExceptions() {
    Random rnd = new Random(42);
    OpType[] ops = OpType.values();
    Object[] values = {0L, 1L, -1L, 2L, Long.MAX_VALUE, Long.MIN_VALUE, 3L, 1.5f, Float.NaN,
        "edge", "constant", "weird", new long[] {}, new long[] {1, 1}, new long[] {-1, 0, 2, 3},
        new long[] {Long.MAX_VALUE, 1, 1, 1}, new long[] {1, 1, 1, 1}, new long[] {0, 2, 1, 3},
        new long[] {2, 2}, new float[] {1f}};
    String[] keys = {"strides", "pads", "dilations", "group", "kernel", "ceil_mode", "axis",
        "shape", "perm", "mode", "value", "min", "max", "alpha", "beta", "transA", "transB",
        "epsilon", "count_include_pad"};
    int[][] shapes = {{1, 3, 8, 8}, {3}, {}, {2, 5}, {4, 3, 3, 3}, {1, 1, 1, 1}, {5, 2},
        {1, 4, 8, 8}, {1, 2, 3, 4, 5, 6, 7, 8}};
    for (int round = 0; round < 3000; round++) {
      Graph g = valid();
      List<String> names = new ArrayList<>(List.of("x", "w", "c", "y", "", "q", "z0"));
      int mutations = 1 + rnd.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        OpNode n = g.nodes().get(rnd.nextInt(g.nodes().size()));
        switch (rnd.nextInt(8)) {
          case 0 -> n.setOp(ops[rnd.nextInt(ops.length)]);
          case 1 -> n.attrs().put(keys[rnd.nextInt(keys.length)],
              values[rnd.nextInt(values.length)]);
          case 2 -> n.inputs().add(names.get(rnd.nextInt(names.size())));
          case 3 -> {
            if (!n.inputs().isEmpty()) {
              n.inputs().remove(rnd.nextInt(n.inputs().size()));
            }
          }
          case 4 -> g.types().put(names.get(rnd.nextInt(4)),
              new ValueType(rnd.nextBoolean() ? ElementType.FLOAT32 : ElementType.BITS,
                  shapes[rnd.nextInt(shapes.length)]));
          case 5 -> {
            int[] s = shapes[rnd.nextInt(shapes.length)];
            g.constants().put(names.get(rnd.nextInt(names.size())),
                ConstTensor.ofFloats(s, new float[count(s)]));
          }
          case 6 -> n.outputs().add(names.get(rnd.nextInt(names.size())));
          default -> g.nodes().add(new OpNode("n" + m, ops[rnd.nextInt(ops.length)],
              List.of(names.get(rnd.nextInt(names.size()))), List.of("z" + m)));
        }
      }
      try {
        GraphValidator.validate(g, Limits.DEFAULT);
      } catch (Bnn4jException e) {
        final int r = round;
        assertNull(e.getCause(), () -> "internal error on round " + r + ": " + e);
      } catch (RuntimeException e) {
        fail("round " + round + " threw " + e, e);
      }
    }
  }

  private static int count(int[] dims) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  @Test
  void toleratesNullsInAHandBuiltGraph() {
    Graph g = valid();
    g.nodes().get(1).inputs().set(0, null);
    assertThrows(ModelFormatException.class, () -> GraphValidator.validate(g, Limits.DEFAULT));
    Graph h = valid();
    h.nodes().add(null);
    assertThrows(ModelFormatException.class, () -> GraphValidator.validate(h, Limits.DEFAULT));
    Graph k = valid();
    k.types().put("c", null);
    assertThrows(ModelFormatException.class, () -> GraphValidator.validate(k, Limits.DEFAULT));
    Graph m = valid();
    m.nodes().get(0).attrs().put("strides", null);
    assertDoesNotThrow(() -> GraphValidator.validate(m, Limits.DEFAULT));
  }
}
