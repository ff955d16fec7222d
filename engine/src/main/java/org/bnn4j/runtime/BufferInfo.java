package org.bnn4j.runtime;

/**
 * Where the memory plan put one buffer: arena, offset and size (floats or words), and the steps
 * (node indices) between which it is live. Pinned buffers (graph inputs and outputs) live for
 * the whole run; their steps are {@code -1} and the node count.
 */
public record BufferInfo(
    String name, Operand.Kind arena, int offset, int size, int firstStep, int lastStep,
    boolean pinned) {

  /** True when both share an arena and are live at a common step. */
  public boolean liveTogether(BufferInfo o) {
    return arena == o.arena && firstStep <= o.lastStep && o.firstStep <= lastStep;
  }

  /** True when their regions of the arena intersect (empty buffers overlap nothing). */
  public boolean overlapsInMemory(BufferInfo o) {
    return arena == o.arena && size > 0 && o.size > 0 && offset < o.offset + o.size
        && o.offset < offset + size;
  }
}
