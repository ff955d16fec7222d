package org.bnn4j.format.graph.attrs;

import java.util.Arrays;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/** The value checks the attribute records share, so each message is written once. */
final class Check {
  private Check() {}

  /** An int array of {@code length} copies of {@code value}, the default of a spatial list. */
  static int[] filled(int length, int value) {
    int[] a = new int[length];
    Arrays.fill(a, value);
    return a;
  }

  static int[] positive(OpNode n, String key, int[] v) {
    return atLeast(n, key, v, 1);
  }

  static int[] nonNegative(OpNode n, String key, int[] v) {
    return atLeast(n, key, v, 0);
  }

  private static int[] atLeast(OpNode n, String key, int[] v, int min) {
    for (int x : v) {
      if (x < min) {
        throw new ModelFormatException(n.where() + ": " + key + " " + Arrays.toString(v)
            + " must all be >= " + min);
      }
    }
    return v;
  }

  /** A 0/1 int attribute, 0 (false) when absent. */
  static boolean flag(OpNode n, String key) {
    long v = n.getLong(key, 0);
    if (v != 0 && v != 1) {
      throw new ModelFormatException(n.where() + ": " + key + " is " + v + ", expected 0 or 1");
    }
    return v == 1;
  }

  /**
   * A string attribute that is one of two values, {@code dflt} when absent: true when it is
   * {@code yes}.
   */
  static boolean either(OpNode n, String key, String dflt, String no, String yes) {
    String v = n.getString(key, dflt);
    if (!v.equals(no) && !v.equals(yes)) {
      throw new ModelFormatException(n.where() + ": attribute '" + key + "' is '" + v
          + "', expected '" + no + "' or '" + yes + "'");
    }
    return v.equals(yes);
  }
}
