package org.bnn4j.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;

/**
 * The frame the converter passes share, so that each pass says only its rewrite: the pass's
 * name, the rule that every log line starts with it, and the walk over the nodes that most passes
 * make while they change the very list they walk.
 */
abstract class RewritePass implements GraphPass {
  private final String name;

  RewritePass(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final void apply(Graph g, List<String> log) {
    for (String line : rewrite(g)) {
      log.add(name + ": " + line);
    }
  }

  /**
   * Rewrites {@code g} in place and returns one line per change worth reporting, without the
   * pass's name; none when nothing changed.
   */
  abstract List<String> rewrite(Graph g);

  /** A local rewrite offered one node of the walk. */
  @FunctionalInterface
  interface NodeRewrite {
    /**
     * The nodes that now stand where {@code n} stood, in order ({@code [n]} when n was changed
     * in place), or null when the rewrite does not apply to n.
     */
    List<OpNode> at(OpNode n);
  }

  /**
   * Offers each node to {@code rewrite} once, in execution order, and returns the nodes it
   * rewrote. The walk goes by index because rewrites change the list under it: a rewrite may
   * replace its node by several (the walk resumes after them, so they are not offered again), or
   * remove or move nodes after its own place, never before it.
   */
  static List<OpNode> rewriteEach(Graph g, NodeRewrite rewrite) {
    List<OpNode> rewritten = new ArrayList<>();
    List<OpNode> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      OpNode n = nodes.get(i);
      List<OpNode> replacement = rewrite.at(n);
      if (replacement == null) {
        continue;
      }
      rewritten.add(n);
      // A node changed in place may have moved itself further down already: leave the list be.
      boolean inPlace = replacement.size() == 1 && replacement.get(0) == n;
      if (!inPlace) {
        nodes.remove(i);
        nodes.addAll(i, replacement);
        i += replacement.size() - 1;
      }
    }
    return rewritten;
  }

  /** {@link #rewriteEach} for rewrites that change their node in place; true when one did. */
  static List<OpNode> rewriteEachInPlace(Graph g, Predicate<OpNode> rewrite) {
    return rewriteEach(g, n -> rewrite.test(n) ? List.of(n) : null);
  }
}
