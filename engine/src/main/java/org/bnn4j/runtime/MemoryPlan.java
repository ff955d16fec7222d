package org.bnn4j.runtime;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Static memory planning: assigns each buffer an offset in one arena so that buffers that are
 * live at the same time never overlap. Pinned buffers (graph inputs and outputs) get their own
 * slots at the start of the arena and are never reused. The others are placed greedily, in order
 * of their first write, at the lowest offset of a free block that fits (first fit), reusing the
 * space of buffers whose last read has passed. A buffer written by step {@code t} is allocated
 * before the buffers last read by step {@code t} are released, so an op never writes over its own
 * inputs.
 */
public final class MemoryPlan {
  private MemoryPlan() {}

  /**
   * One buffer to place: {@code size} elements, written first by step {@code firstStep} and read
   * last by step {@code lastStep} ({@code lastStep >= firstStep}). Pinned buffers ignore the
   * steps and live for the whole run.
   */
  public record Request(long size, int firstStep, int lastStep, boolean pinned) {
    public Request {
      if (size < 0) {
        throw new IllegalArgumentException("negative size " + size);
      }
      if (!pinned && lastStep < firstStep) {
        throw new IllegalArgumentException(
            "last step " + lastStep + " is before first step " + firstStep);
      }
    }

    /** True when both are live at some common step. */
    public boolean overlapsInTime(Request o) {
      if (pinned || o.pinned) {
        return true;
      }
      return firstStep <= o.lastStep && o.firstStep <= lastStep;
    }
  }

  /** Offsets, in request order, and the arena size they need. */
  public record Assignment(long[] offsets, long arenaSize) {}

  /** Places the requests; see the class comment. */
  public static Assignment assign(List<Request> requests) {
    int n = requests.size();
    long[] offsets = new long[n];
    long top = 0;
    for (int i = 0; i < n; i++) {
      Request r = requests.get(i);
      if (r.pinned()) {
        offsets[i] = top;
        top += r.size();
      }
    }
    // Buckets of request indices by first and last step, for the sweep.
    TreeMap<Integer, List<Integer>> byFirst = new TreeMap<>();
    TreeMap<Integer, List<Integer>> byLast = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Request r = requests.get(i);
      if (!r.pinned() && r.size() > 0) {
        byFirst.computeIfAbsent(r.firstStep(), k -> new java.util.ArrayList<>()).add(i);
        byLast.computeIfAbsent(r.lastStep(), k -> new java.util.ArrayList<>()).add(i);
      }
    }
    FreeList free = new FreeList(top);
    java.util.TreeSet<Integer> steps = new java.util.TreeSet<>(byFirst.keySet());
    steps.addAll(byLast.keySet());
    for (int step : steps) {
      for (int i : byFirst.getOrDefault(step, List.of())) {
        offsets[i] = free.allocate(requests.get(i).size());
      }
      for (int i : byLast.getOrDefault(step, List.of())) {
        free.release(offsets[i], requests.get(i).size());
      }
    }
    return new Assignment(offsets, free.highWater);
  }

  /** Free blocks below the high-water mark, coalesced, by offset. */
  private static final class FreeList {
    private final TreeMap<Long, Long> blocks = new TreeMap<>();
    private long highWater;

    FreeList(long base) {
      highWater = base;
    }

    long allocate(long size) {
      // Read key and size before removing: TreeMap may reuse a removed entry's node.
      for (Map.Entry<Long, Long> b : blocks.entrySet()) {
        long at = b.getKey();
        long blockSize = b.getValue();
        if (blockSize >= size) {
          blocks.remove(at);
          if (blockSize > size) {
            blocks.put(at + size, blockSize - size);
          }
          return at;
        }
      }
      // Nothing fits: grow the arena, starting inside a free block that ends at the top.
      Map.Entry<Long, Long> last = blocks.lastEntry();
      if (last != null && last.getKey() + last.getValue() == highWater) {
        long at = last.getKey();
        blocks.remove(at);
        highWater = at + size;
        return at;
      }
      long at = highWater;
      highWater += size;
      return at;
    }

    void release(long at, long size) {
      long start = at;
      long end = at + size;
      Map.Entry<Long, Long> before = blocks.floorEntry(at);
      if (before != null && before.getKey() + before.getValue() == at) {
        start = before.getKey();
        blocks.remove(start);
      }
      Long afterSize = blocks.get(end);
      if (afterSize != null) {
        blocks.remove(end);
        end += afterSize;
      }
      blocks.put(start, end - start);
    }
  }
}
