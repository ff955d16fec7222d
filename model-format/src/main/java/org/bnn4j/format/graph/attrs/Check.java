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
    for (int x : v) {
      if (x < 1) {
        throw new ModelFormatException(n.where() + ": " + key + " " + Arrays.toString(v)
            + " must all be >= 1");
      }
    }
    return v;
  }

  static int[] nonNegative(OpNode n, String key, int[] v) {
    for (int x : v) {
      if (x < 0) {
        throw new ModelFormatException(n.where() + ": " + key + " " + Arrays.toString(v)
            + " must all be >= 0");
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
}
