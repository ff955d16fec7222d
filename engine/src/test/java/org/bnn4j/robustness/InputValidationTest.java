package org.bnn4j.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wrong inputs are refused with InvalidInputException naming what was expected and found; NaN
 * and infinity are accepted and propagate as IEEE floats.
 */
class InputValidationTest {
  static Model model;
  static Session session;

  @BeforeAll
  static void open() {
    model = Model.load(Fixtures.onnx("sign_conv_c1")); // input [1, 1, 8, 8], output [1, 3, 8, 8]
    session = model.newSession();
  }

  @AfterAll
  static void close() {
    session.close();
    model.close();
  }

  private static String input() {
    return model.inputNames().getFirst();
  }

  private static String message(Map<String, Tensor> inputs) {
    return assertThrows(InvalidInputException.class, () -> session.run(inputs)).getMessage();
  }

  @Test
  void wrongRank() {
    String m = message(Map.of(input(), Tensor.zeros(1, 64)));
    assertEquals("input '" + input() + "' has shape [1, 64], expected [1, 1, 8, 8]", m);
  }

  @Test
  void wrongSpatialShape() {
    String m = message(Map.of(input(), Tensor.zeros(1, 1, 8, 7)));
    assertTrue(m.contains("[1, 1, 8, 7]") && m.contains("expected [1, 1, 8, 8]"), m);
  }

  @Test
  void wrongBatch() {
    String m = message(Map.of(input(), Tensor.zeros(2, 1, 8, 8)));
    assertTrue(m.contains("[2, 1, 8, 8]") && m.contains("expected [1, 1, 8, 8]"), m);
  }

  @Test
  void missingInput() {
    String m = message(Map.of());
    assertTrue(m.startsWith("missing input '" + input() + "'") && m.contains("[1, 1, 8, 8]"), m);
  }

  @Test
  void unknownInput() {
    Map<String, Tensor> in = Map.of(input(), Tensor.zeros(1, 1, 8, 8), "bogus",
        Tensor.zeros(1));
    String m = message(in);
    assertTrue(m.startsWith("unknown input 'bogus'") && m.contains(input()), m);
  }

  @Test
  void nullTensor() {
    Map<String, Tensor> in = new HashMap<>();
    in.put(input(), null);
    String m = message(in);
    assertTrue(m.startsWith("input '" + input() + "' is null") && m.contains("[1, 1, 8, 8]"), m);
  }

  @Test
  void wrongArraysForZeroAllocationRun() {
    float[][] out = {new float[192]};
    String m = assertThrows(InvalidInputException.class,
        () -> session.run(new float[][] {new float[63]}, out)).getMessage();
    assertTrue(m.contains("64") && m.contains("63"), m);
    m = assertThrows(InvalidInputException.class,
        () -> session.run(new float[][] {new float[64], new float[64]}, out)).getMessage();
    assertTrue(m.contains("got 2 input array(s)"), m);
    m = assertThrows(InvalidInputException.class,
        () -> session.run(new float[][] {null}, out)).getMessage();
    assertTrue(m.contains("null"), m);
    m = assertThrows(InvalidInputException.class,
        () -> session.run(new float[][] {new float[64]}, new float[][] {new float[10]}))
        .getMessage();
    assertTrue(m.contains("192") && m.contains("10"), m);
  }

  @Test
  void nanAndInfinityAreAcceptedAndPropagate() {
    float[] x = new float[64];
    x[0] = Float.NaN;
    x[1] = Float.POSITIVE_INFINITY;
    x[2] = Float.NEGATIVE_INFINITY;
    float[] special = session.run(Tensor.of(x, 1, 1, 8, 8)).toFloatArray();
    // A binarising layer reads NaN as +1 (NaN < t is false and NaN == t is false), the same as
    // a positive input; +Inf is +1 and -Inf is -1. So NaN gives exactly the output of 1 at that
    // position (0 would not: the model's Sign maps it to the zero state).
    float[] y = x.clone();
    y[0] = 1f;
    float[] zeroed = session.run(Tensor.of(y, 1, 1, 8, 8)).toFloatArray();
    float[] z = x.clone();
    z[0] = 1f;
    z[1] = 1f;
    z[2] = -1f;
    float[] unit = session.run(Tensor.of(z, 1, 1, 8, 8)).toFloatArray();
    assertEquals(192, special.length);
    org.junit.jupiter.api.Assertions.assertArrayEquals(zeroed, special);
    org.junit.jupiter.api.Assertions.assertArrayEquals(unit, special);
  }
}
