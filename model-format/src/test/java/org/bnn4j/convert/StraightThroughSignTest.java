package org.bnn4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.junit.jupiter.api.Test;

/**
 * The straight-through estimator {@code Add(Sub(Sign(x), F), F)}: the rounding argument of
 * {@link SteExactness} checked in IEEE float32 over many values, the prover on Bi-Real's
 * ApproxSign and on estimators that are not exact, and the rewrite.
 */
class StraightThroughSignTest {

  /** Java float arithmetic is IEEE binary32, round to nearest, ties to even. */
  private static float steSum(float s, float f) {
    float d = s - f;
    return d + f;
  }

  @Test
  void everyFloatFWithSTimesFInZeroToTwoGivesBackS() {
    // Every float in [0, 2] (stride 7 over the bit patterns: ~150 million values), both signs.
    int from = Float.floatToRawIntBits(0f);
    int to = Float.floatToRawIntBits(2f);
    long checked = 0;
    for (int bits = from; bits <= to; bits += 7) {
      float f = Float.intBitsToFloat(bits);
      if (steSum(1f, f) != 1f || steSum(-1f, -f) != -1f) {
        throw new AssertionError("not exact at F = " + f);
      }
      checked++;
    }
    assertTrue(checked > 150_000_000L);
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < 2_000_000; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      for (float s : new float[] {-1f, 0f, 1f}) {
        if (SteExactness.sumIsExact(s, f)) {
          assertEquals(s, steSum(s, f), 0f, "s = " + s + ", F = " + f);
        }
      }
    }
  }

  @Test
  void theConditionIsNeededFOnTheOtherSideOfZeroBreaksIt() {
    float f = -0x1p-24f;
    assertFalse(SteExactness.sumIsExact(1f, f));
    assertEquals(1f - 0x1p-24f, steSum(1f, f), 0f);
    assertFalse(SteExactness.sumIsExact(1f, 2.5f));
  }

  /** Builds F(x) as exported from Bi-Real Net's ApproxSign, then Add(Sub(Sign(x), F), F). */
  private static final class Builder {
    final Graph g = new Graph();
    final ValueType t = ValueType.float32(1, 4, 3, 3);
    int k;

    Builder() {
      g.inputs().add("x");
      g.types().put("x", t);
    }

    String c(float v) {
      String n = "c" + k++;
      g.constants().put(n, ConstTensor.ofFloats(new int[0], new float[] {v}));
      return n;
    }

    String op(OpType op, String... in) {
      String out = "v" + k++;
      g.nodes().add(new OpNode("n" + k++, op, List.of(in), List.of(out)));
      g.types().put(out, t);
      return out;
    }

    String approxSign() {
      String x = "x";
      String m1 = op(OpType.LESS, x, c(-1f));
      String m2 = op(OpType.LESS, x, c(0f));
      String m3 = op(OpType.LESS, x, c(1f));
      String sq = op(OpType.MUL, x, x);
      String twoX = op(OpType.MUL, x, c(2f));
      String out1 = op(OpType.ADD, op(OpType.MUL, m1, c(-1f)),
          op(OpType.MUL, op(OpType.ADD, sq, twoX), op(OpType.SUB, c(1f), m1)));
      String negSq = op(OpType.MUL, op(OpType.MUL, x, c(-1f)), x);
      String out2 = op(OpType.ADD, op(OpType.MUL, out1, m2),
          op(OpType.MUL, op(OpType.ADD, negSq, twoX), op(OpType.SUB, c(1f), m2)));
      return op(OpType.ADD, op(OpType.MUL, out2, m3), op(OpType.SUB, c(1f), m3));
    }

    /** Sign, the estimator around f, and a reader (Relu) of the sum; returns the reader. */
    OpNode ste(String f) {
      String s = op(OpType.SIGN, "x");
      String sum = op(OpType.ADD, op(OpType.SUB, s, f), f);
      OpNode reader = new OpNode("reader", OpType.RELU, List.of(sum), List.of("y"));
      g.nodes().add(reader);
      g.types().put("y", t);
      g.outputs().add("y");
      return reader;
    }
  }

  @Test
  void approxSignIsProvedAndTheReaderReadsTheSign() {
    Builder b = new Builder();
    OpNode reader = b.ste(b.approxSign());
    List<String> log = new ArrayList<>();
    new StraightThroughSignPass().apply(b.g, log);
    OpNode sign = b.g.producers().get(reader.input(0));
    assertEquals(OpType.SIGN, sign.op(), log.toString());
    assertEquals(2, b.g.nodes().size(), "F's ops are removed: " + b.g.nodes());
    assertTrue(log.get(0).contains("1 of 1"), log.toString());
  }

  @Test
  void anEstimatorThatIsNotExactStaysFloat() {
    // F = -x/2 has the opposite sign of x: fl(fl(1 - F) + F) != 1 for some x.
    Builder opposite = new Builder();
    OpNode r1 = opposite.ste(opposite.op(OpType.MUL, "x", opposite.c(-0.5f)));
    new StraightThroughSignPass().apply(opposite.g, new ArrayList<>());
    assertEquals(OpType.ADD, opposite.g.producers().get(r1.input(0)).op());

    // F = 3 * clip(x, -1, 1) leaves [-2, 2]: not proved.
    Builder big = new Builder();
    String clip = big.op(OpType.CLIP, "x");
    big.g.nodes().get(big.g.nodes().size() - 1).set("min", -1f).set("max", 1f);
    OpNode r2 = big.ste(big.op(OpType.MUL, clip, big.c(3f)));
    new StraightThroughSignPass().apply(big.g, new ArrayList<>());
    assertEquals(OpType.ADD, big.g.producers().get(r2.input(0)).op());

    // F reading another runtime value is not a function of x alone.
    Builder other = new Builder();
    other.g.inputs().add("z");
    other.g.types().put("z", other.t);
    OpNode r3 = other.ste(other.op(OpType.MUL, "z", other.c(0.5f)));
    new StraightThroughSignPass().apply(other.g, new ArrayList<>());
    assertEquals(OpType.ADD, other.g.producers().get(r3.input(0)).op());
  }

  @Test
  void floatOrdinalsAreMonotone() {
    float[] v = {-Float.MAX_VALUE, -2f, -1f, -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE, 1f, 2f};
    for (int i = 1; i < v.length; i++) {
      assertTrue(SteExactness.ordinal(v[i - 1]) < SteExactness.ordinal(v[i]), v[i] + "");
      assertEquals(Float.floatToRawIntBits(v[i]),
          Float.floatToRawIntBits(SteExactness.fromOrdinal(SteExactness.ordinal(v[i]))));
    }
  }

  @Test
  void weightsWithinFourUlpOfPlusMinusAlphaAreBinary() {
    float a = 0.7312f;
    float[] w = {a, -a, Math.nextUp(a), -Math.nextDown(a), a + 3 * Math.ulp(a), -a};
    assertEquals(a, NearBinaryWeights.magnitude(w, 0, w.length), 0f);
    float[] far = w.clone();
    far[2] = a + 6 * Math.ulp(a);
    assertTrue(Float.isNaN(NearBinaryWeights.magnitude(far, 0, far.length)));
    float[] zero = w.clone();
    zero[1] = 0f;
    assertTrue(Float.isNaN(NearBinaryWeights.magnitude(zero, 0, zero.length)));
    float[] scales = BinaryLoweringPass.binaryScales(w, 1, w.length);
    assertEquals(a, scales[0], 0f);
  }
}
