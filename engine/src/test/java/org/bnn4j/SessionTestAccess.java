package org.bnn4j;

import org.bnn4j.format.graph.Graph;

/** SessionTest's small graphs, for tests in other packages. */
public final class SessionTestAccess {
  private SessionTestAccess() {}

  public static Graph twoInTwoOut() {
    return SessionTest.twoInTwoOut();
  }
}
