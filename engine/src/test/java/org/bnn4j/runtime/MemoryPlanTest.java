package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.runtime.MemoryPlan.Request;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {

  private static void assertNoConflicts(List<Request> reqs, MemoryPlan.Assignment a) {
    long[] off = a.offsets();
    for (int i = 0; i < reqs.size(); i++) {
      Request ri = reqs.get(i);
      assertTrue(off[i] >= 0 && off[i] + ri.size() <= a.arenaSize(), "request " + i + " fits");
      for (int j = i + 1; j < reqs.size(); j++) {
        Request rj = reqs.get(j);
        if (ri.size() == 0 || rj.size() == 0 || !ri.overlapsInTime(rj)) {
          continue;
        }
        boolean disjoint = off[i] + ri.size() <= off[j] || off[j] + rj.size() <= off[i];
        assertTrue(disjoint, "requests " + i + " " + ri + "@" + off[i] + " and " + j + " " + rj
            + "@" + off[j] + " are live together and overlap");
      }
    }
  }

  @Test
  void firstFitReusesDeadBuffers() {
    List<Request> reqs = List.of(
        new Request(10, 0, 0, true), // pinned input: [0, 10)
        new Request(4, 0, 1, false), // a: written by step 0, read by 1
        new Request(6, 1, 2, false), // b: step 1..2; a still live at 1
        new Request(3, 2, 3, false), // c: a is dead after step 1, so c reuses a's slot
        new Request(5, 3, 3, false)); // d: b dead after 2, its block merges with c's tail
    MemoryPlan.Assignment a = MemoryPlan.assign(reqs);
    assertArrayEquals(new long[] {0, 10, 14, 10, 13}, a.offsets());
    assertEquals(20, a.arenaSize());
    assertNoConflicts(reqs, a);
  }

  @Test
  void freedNeighboursCoalesce() {
    List<Request> reqs = List.of(
        new Request(4, 0, 1, false),
        new Request(4, 0, 1, false),
        new Request(8, 2, 2, false)); // fits exactly where the two freed blocks were
    MemoryPlan.Assignment a = MemoryPlan.assign(reqs);
    assertArrayEquals(new long[] {0, 4, 0}, a.offsets());
    assertEquals(8, a.arenaSize());
  }

  @Test
  void growsFromAFreeBlockAtTheTop() {
    List<Request> reqs = List.of(
        new Request(4, 0, 2, false),
        new Request(4, 0, 0, false),
        new Request(6, 1, 1, false)); // [4, 8) is free and at the top: start there, grow to 10
    MemoryPlan.Assignment a = MemoryPlan.assign(reqs);
    assertArrayEquals(new long[] {0, 4, 4}, a.offsets());
    assertEquals(10, a.arenaSize());
  }

  @Test
  void randomRequestsNeverOverlapWhileLive() {
    Random r = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      List<Request> reqs = new ArrayList<>();
      int steps = 1 + r.nextInt(30);
      int n = 1 + r.nextInt(40);
      for (int i = 0; i < n; i++) {
        int first = r.nextInt(steps);
        int last = first + r.nextInt(Math.max(1, steps - first));
        reqs.add(new Request(r.nextInt(50), first, last, r.nextInt(10) == 0));
      }
      MemoryPlan.Assignment a = MemoryPlan.assign(reqs);
      assertNoConflicts(reqs, a);
      long sum = reqs.stream().mapToLong(Request::size).sum();
      assertTrue(a.arenaSize() <= sum);
    }
  }

  @Test
  void chainArenaIsSmallerThanTheSumOfValues() {
    Graph g = GraphBuilder.reluChain(10, 1, 3, 5, 7);
    CompiledGraph cg = CompiledGraph.compile(g);
    int size = 3 * 5 * 7;
    // Input and output pinned, intermediates ping-pong between two slots.
    assertEquals(11L * size, cg.unsharedFloatSize());
    assertEquals(4 * size, cg.floatArenaSize());
    assertTrue(cg.floatArenaSize() < cg.unsharedFloatSize());
    assertCompiledPlanIsSound(cg);
  }

  @Test
  void diamondWithSkipConnection() {
    // x -> a -> b -> c; d = a + c: a stays live across b and c.
    Graph g = new GraphBuilder().input("x", 2, 8)
        .node(OpType.RELU, "a", List.of("x"))
        .node(OpType.SIGMOID, "b", List.of("a"))
        .node(OpType.TANH, "c", List.of("b"))
        .node(OpType.ADD, "d", List.of("a", "c"))
        .node(OpType.RELU, "e", List.of("d"))
        .output("e").build();
    CompiledGraph cg = CompiledGraph.compile(g);
    assertCompiledPlanIsSound(cg);
    BufferInfo a = find(cg, "a");
    assertEquals(0, a.firstStep());
    assertEquals(3, a.lastStep());
  }

  @Test
  void inputsAndOutputsArePinned() {
    Graph g = GraphBuilder.reluChain(3, 4);
    CompiledGraph cg = CompiledGraph.compile(g);
    assertTrue(find(cg, "x").pinned());
    assertTrue(find(cg, "r2").pinned());
    assertFalse(find(cg, "r0").pinned());
    assertCompiledPlanIsSound(cg);
  }

  static BufferInfo find(CompiledGraph cg, String name) {
    return cg.buffers().stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
  }

  static void assertCompiledPlanIsSound(CompiledGraph cg) {
    List<BufferInfo> bs = cg.buffers();
    for (BufferInfo b : bs) {
      assertTrue(b.offset() >= 0 && b.offset() + b.size() <= cg.floatArenaSize(), b.toString());
    }
    for (int i = 0; i < bs.size(); i++) {
      for (int j = i + 1; j < bs.size(); j++) {
        BufferInfo x = bs.get(i);
        BufferInfo y = bs.get(j);
        if (x.liveTogether(y)) {
          assertFalse(x.overlapsInMemory(y), x + " and " + y + " overlap while both live");
        }
      }
    }
  }
}
