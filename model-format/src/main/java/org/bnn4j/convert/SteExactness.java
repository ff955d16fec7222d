package org.bnn4j.convert;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.attrs.ClipAttrs;
import org.bnn4j.format.graph.ElementType;

/**
 * Proves that a straight-through estimator {@code Add(Sub(s, F), F)}, with {@code s = Sign(x)}
 * and {@code F} an element-wise function of {@code x}, equals {@code s} exactly in float32.
 *
 * <h2>Why the sum is exact</h2>
 *
 * Let {@code d = fl(s - F)} and {@code r = fl(d + F)}, float32, round to nearest, ties to even.
 * <ul>
 *   <li>{@code s = 0} (x is ±0): {@code d = -F} exactly and {@code r = fl(-F + F) = +0} for any
 *       finite F. The conv reads 0 either way.
 *   <li>{@code s = +1} and {@code F} in {@code [1/2, 2]}: {@code 1 - F} is exact (Sterbenz: the
 *       operands are within a factor 2), so {@code d + F = 1} exactly and {@code r = 1}.
 *   <li>{@code s = +1} and {@code F} in {@code [0, 1/2)}: {@code 1 - F} lies in {@code (1/2, 1]},
 *       where floats are spaced {@code 2^-24}, so {@code d = 1 - F + e} with {@code |e| <=
 *       2^-25}, and {@code d + F = 1 + e} exactly. Above 1 the spacing is {@code 2^-23}, so
 *       {@code 1 + e} with {@code 0 < e <= 2^-25} rounds to 1; below 1 the spacing is {@code
 *       2^-24}, so {@code 1 - 2^-25 <= 1 + e < 1} rounds to 1 as well (the tie {@code 1 - 2^-25}
 *       goes to 1, whose significand is even).
 *   <li>{@code s = -1} and {@code F} in {@code [-2, 0]}: the mirror image.
 * </ul>
 * So {@code r == s} whenever {@code s * F} is in {@code [0, 2]} (F on s's side of zero and at
 * most 2 in magnitude), or s is 0 and F finite. It fails otherwise: for {@code s = 1, F =
 * -2^-24}, {@code d = fl(1 + 2^-24) = 1} (tie to even) and {@code r = 1 - 2^-24}.
 *
 * <h2>How the condition is checked</h2>
 *
 * F's graph (Add, Sub, Mul, Less, Greater, Clip, Relu, Where of x and constants) is evaluated
 * on float intervals of x, every operation rounded outward by one float ulp. The x range {@code
 * [-L, L]} is bisected in the order of float bit patterns (so that near 0 the pieces shrink
 * geometrically, one binade at a time) until, on each piece, every comparison has one answer
 * and F's interval meets the condition; a piece that shrinks to one float is evaluated in
 * float32 directly and checked with the real sum. x = ±0 is checked as a point. {@code L =
 * 2^62} keeps products like {@code x * x} finite: beyond it the exported F itself overflows
 * (PyTorch's ApproxSign gives NaN there, inf times 0), so the proof, and the rewrite, hold for
 * {@code |x| <= 2^62} and NaN (which both sides propagate).
 */
public final class SteExactness {
  private SteExactness() {}

  /** The largest |x| the proof covers. */
  public static final float LIMIT = 0x1p62f;

  /** Longest chain of ops F may have (bounds the recursion of the checks). */
  static final int MAX_DEPTH = 256;

  /** Interval evaluations allowed per proof before giving up (keeps conversion fast). */
  static final int BUDGET = 200_000;

  /** A float interval; {@code bad} when it may hold NaN or an infinity. */
  record Iv(float lo, float hi, boolean bad) {
    static Iv of(float lo, float hi) {
      boolean bad = Float.isNaN(lo) || Float.isNaN(hi) || Float.isInfinite(lo)
          || Float.isInfinite(hi);
      return new Iv(lo, hi, bad);
    }

    static final Iv BAD = new Iv(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, true);

    boolean point() {
      return lo == hi;
    }
  }

  /**
   * True when {@code fl(fl(s - f) + f) == s} is guaranteed by the condition above: the exact
   * statement the unit test checks over many floats.
   */
  public static boolean sumIsExact(float s, float f) {
    if (s == 0f) {
      return Float.isFinite(f);
    }
    float sf = s * f;
    return sf >= 0f && sf <= 2f;
  }

  /**
   * Proves that {@code Add(Sub(Sign(x), F), F) == Sign(x)} for every float x with {@code |x| <=
   * LIMIT}. {@code f} is F's value name; F's graph must read only {@code x} and constants.
   */
  static boolean prove(Graph g, Map<String, OpNode> producers, String x, String f) {
    if (!elementwiseOf(g, producers, f, x, new java.util.HashSet<>(), 0)) {
      return false;
    }
    int[] budget = {BUDGET};
    for (float zero : new float[] {0f, -0f}) {
      if (!checkPoint(g, producers, x, f, zero)) {
        return false;
      }
    }
    return proveRange(g, producers, x, f, ordinal(-LIMIT), ordinal(-Float.MIN_VALUE), budget)
        && proveRange(g, producers, x, f, ordinal(Float.MIN_VALUE), ordinal(LIMIT), budget);
  }

  /** F's graph uses only element-wise ops on x and float constants. */
  private static boolean elementwiseOf(Graph g, Map<String, OpNode> producers, String v,
      String x, java.util.Set<String> checked, int depth) {
    if (v.equals(x) || checked.contains(v)) {
      return true;
    }
    ConstTensor c = g.constant(v);
    if (c != null) {
      return c.type() == ElementType.FLOAT32 && c.elementCount() > 0;
    }
    OpNode p = producers.get(v);
    if (p == null || checked.size() > 10_000 || depth > MAX_DEPTH) {
      return false;
    }
    switch (p.op()) {
      case ADD, SUB, MUL, LESS, GREATER, CLIP, RELU, WHERE, IDENTITY -> { }
      default -> {
        return false;
      }
    }
    for (String in : p.inputs()) {
      if (!elementwiseOf(g, producers, in, x, checked, depth + 1)) {
        return false;
      }
    }
    checked.add(v);
    return true;
  }

  /** Monotone int order of floats: ordinal(a) < ordinal(b) exactly when a < b (no NaN). */
  static int ordinal(float v) {
    int bits = Float.floatToRawIntBits(v);
    return bits >= 0 ? bits : -(bits & 0x7fffffff) - 1;
  }

  static float fromOrdinal(int o) {
    return o >= 0 ? Float.intBitsToFloat(o) : Float.intBitsToFloat((-(o + 1)) | 0x80000000);
  }

  private static boolean proveRange(Graph g, Map<String, OpNode> producers, String x, String f,
      int lo, int hi, int[] budget) {
    if (--budget[0] < 0) {
      return false;
    }
    float a = fromOrdinal(lo);
    float b = fromOrdinal(hi);
    if (lo == hi) {
      return checkPoint(g, producers, x, f, a);
    }
    Iv fv = eval(g, producers, f, x, Iv.of(a, b), new HashMap<>());
    if (fv != null && !fv.bad) {
      float s = a > 0f ? 1f : -1f; // the range never holds 0
      float lowS = s > 0 ? fv.lo : -fv.hi;
      float highS = s > 0 ? fv.hi : -fv.lo;
      if (lowS >= 0f && highS <= 2f) {
        return true;
      }
    }
    int mid = (int) (((long) lo + hi) >> 1);
    return proveRange(g, producers, x, f, lo, mid, budget)
        && proveRange(g, producers, x, f, mid + 1, hi, budget);
  }

  /** The real float32 sum at one x. */
  private static boolean checkPoint(Graph g, Map<String, OpNode> producers, String x, String f,
      float v) {
    Iv fv = eval(g, producers, f, x, new Iv(v, v, false), new HashMap<>());
    if (fv == null || !fv.point() || Float.isNaN(fv.lo)) {
      return false;
    }
    float s = v > 0f ? 1f : v < 0f ? -1f : v;
    float fx = fv.lo;
    float r = (s - fx) + fx;
    return r == s && (s != 0f || Float.isFinite(fx));
  }

  // ---- interval evaluation (a point interval is evaluated in exact float32) ----

  private static Iv eval(Graph g, Map<String, OpNode> producers, String v, String x, Iv xv,
      Map<String, Iv> memo) {
    if (v.equals(x)) {
      return xv;
    }
    Iv m = memo.get(v);
    if (m != null) {
      return m;
    }
    Iv r;
    ConstTensor c = g.constant(v);
    if (c != null) {
      float lo = Float.POSITIVE_INFINITY;
      float hi = Float.NEGATIVE_INFINITY;
      for (float e : c.floats()) {
        lo = Math.min(lo, e);
        hi = Math.max(hi, e);
      }
      r = Iv.of(lo, hi);
    } else {
      OpNode p = producers.get(v);
      List<Iv> in = new java.util.ArrayList<>();
      for (String i : p.inputs()) {
        Iv e = eval(g, producers, i, x, xv, memo);
        if (e == null) {
          return null;
        }
        in.add(e);
      }
      r = apply(p, in);
    }
    memo.put(v, r);
    return r;
  }

  private static Iv apply(OpNode p, List<Iv> in) {
    for (Iv i : in) {
      if (i.bad) {
        return Iv.BAD;
      }
    }
    Iv a = in.get(0);
    boolean point = in.stream().allMatch(Iv::point);
    return switch (p.op()) {
      case IDENTITY -> a;
      case ADD -> point ? Iv.of(a.lo + in.get(1).lo, a.lo + in.get(1).lo)
          : widen((double) a.lo + in.get(1).lo, (double) a.hi + in.get(1).hi);
      case SUB -> point ? Iv.of(a.lo - in.get(1).lo, a.lo - in.get(1).lo)
          : widen((double) a.lo - in.get(1).hi, (double) a.hi - in.get(1).lo);
      case MUL -> mul(a, in.get(1), point);
      case LESS -> compare(a, in.get(1));
      case GREATER -> compare(in.get(1), a);
      case RELU -> Iv.of(Math.max(a.lo, 0f), Math.max(a.hi, 0f));
      case CLIP -> {
        ClipAttrs clip = ClipAttrs.of(p);
        float lo = clip.min();
        float hi = clip.max();
        yield Iv.of(Math.min(Math.max(a.lo, lo), hi), Math.min(Math.max(a.hi, lo), hi));
      }
      case WHERE -> {
        Iv t = in.get(1);
        Iv e = in.get(2);
        if (a.lo == 0f && a.hi == 0f) {
          yield e;
        }
        if (a.lo > 0f || a.hi < 0f) {
          yield t;
        }
        yield Iv.of(Math.min(t.lo, e.lo), Math.max(t.hi, e.hi));
      }
      default -> Iv.BAD;
    };
  }

  /** {@code [a < b]} as a 0/1 interval. */
  private static Iv compare(Iv a, Iv b) {
    if (a.hi < b.lo) {
      return new Iv(1f, 1f, false);
    }
    if (a.lo >= b.hi) {
      return new Iv(0f, 0f, false);
    }
    return new Iv(0f, 1f, false);
  }

  private static Iv mul(Iv a, Iv b, boolean point) {
    if (point) {
      float v = a.lo * b.lo;
      return Iv.of(v, v);
    }
    if ((a.lo == 0f && a.hi == 0f) || (b.lo == 0f && b.hi == 0f)) {
      return new Iv(0f, 0f, false); // both finite here: the product is ±0
    }
    // float * float is exact in double (24 + 24 bits), so rounding the extremes to float is
    // the float result at those points; the products are monotone in each operand.
    double p1 = (double) a.lo * b.lo;
    double p2 = (double) a.lo * b.hi;
    double p3 = (double) a.hi * b.lo;
    double p4 = (double) a.hi * b.hi;
    return widen(Math.min(Math.min(p1, p2), Math.min(p3, p4)),
        Math.max(Math.max(p1, p2), Math.max(p3, p4)));
  }

  /** [lo, hi] rounded to float and widened by one float ulp each side (covers double rounding). */
  private static Iv widen(double lo, double hi) {
    return Iv.of(Math.nextDown((float) lo), Math.nextUp((float) hi));
  }
}
