package org.bnn4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.junit.jupiter.api.Test;

/**
 * The node walk the passes share: every node is offered once, nodes a rewrite puts in its node's
 * place are not offered, and a rewrite may remove nodes after its own place.
 */
class RewritePassTest {
  /** The names of the nodes the walk offered, in order. */
  private final List<String> offered = new ArrayList<>();

  private static Graph chain(String... names) {
    Graph g = new Graph();
    for (String n : names) {
      g.nodes().add(new OpNode(n, OpType.RELU, List.of(n + "_in"), List.of(n + "_out")));
    }
    return g;
  }

  private static List<String> names(List<OpNode> nodes) {
    return nodes.stream().map(OpNode::name).toList();
  }

  @Test
  void aNodeReplacedBySeveralIsSplicedInAndTheWalkResumesAfterThem() {
    Graph g = chain("a", "b", "c");
    List<OpNode> rewritten = RewritePass.rewriteEach(g, n -> {
      offered.add(n.name());
      return n.name().equals("b") ? List.of(new OpNode("b1", OpType.RELU, List.of(), List.of()),
          new OpNode("b2", OpType.RELU, List.of(), List.of())) : null;
    });
    assertEquals(List.of("a", "b", "c"), offered);
    assertEquals(List.of("b"), names(rewritten));
    assertEquals(List.of("a", "b1", "b2", "c"), names(g.nodes()));
  }

  @Test
  void aRewriteInPlaceMayRemoveALaterNodeWhichIsThenNotOffered() {
    Graph g = chain("a", "b", "c");
    List<OpNode> rewritten = RewritePass.rewriteEachInPlace(g, n -> {
      offered.add(n.name());
      if (!n.name().equals("a")) {
        return false;
      }
      g.nodes().remove(1); // as a fusion removes the consumer it folded
      return true;
    });
    assertEquals(List.of("a", "c"), offered);
    assertEquals(List.of("a"), names(rewritten));
    assertEquals(List.of("a", "c"), names(g.nodes()));
  }
}
