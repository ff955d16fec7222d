package org.bnn4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The pool's dynamic chunks: every item of every job runs exactly once, on a slot below the
 * job's thread count, across many short jobs of varying size (the pattern of one inference, where
 * a late worker must never claim a chunk of the next job); a failing chunk surfaces on the
 * caller and leaves the pool usable; closing stops the workers.
 */
class WorkerPoolTest {

  @Test
  void everyItemRunsOnceOnAValidSlotOverManyShortJobs() {
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      try (WorkerPool pool = new WorkerPool(4)) {
        Random rnd = new Random(3);
        AtomicIntegerArray hits = new AtomicIntegerArray(4096);
        int[] badSlot = new int[1];
        for (int job = 0; job < 20_000; job++) {
          int threads = 2 + rnd.nextInt(3);
          int total = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : hits.length());
          int grain = 1 + rnd.nextInt(8);
          int units = (total + grain - 1) / grain;
          int chunks = Math.max(2, Math.min(units, threads * WorkerPool.CHUNKS_PER_THREAD));
          int per = (units + chunks - 1) / chunks * grain;
          chunks = (total + per - 1) / per;
          if (chunks < 2) {
            continue;
          }
          int t = threads;
          pool.run(threads, chunks, total, per, (from, to, slot, img, arena, words) -> {
            if (slot < 0 || slot >= t) {
              badSlot[0] = slot + 1000;
            }
            for (int i = from; i < to; i++) {
              hits.incrementAndGet(i);
            }
          }, 0, null, null);
          for (int i = 0; i < hits.length(); i++) {
            assertEquals(i < total ? 1 : 0, hits.getAndSet(i, 0), "job " + job + " item " + i);
          }
          assertEquals(0, badSlot[0], "job " + job);
        }
      }
    });
  }

  @Test
  void aFailingChunkSurfacesAndThePoolStaysUsable() {
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (WorkerPool pool = new WorkerPool(2)) {
        IllegalStateException boom = new IllegalStateException("boom");
        for (int rep = 0; rep < 200; rep++) {
          IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(2,
              8, 800, 100, (from, to, slot, img, arena, words) -> {
                if (from == 300) {
                  throw boom;
                }
              }, 0, null, null));
          assertSame(boom, e);
          AtomicIntegerArray hits = new AtomicIntegerArray(800);
          pool.run(2, 8, 800, 100, (from, to, slot, img, arena, words) -> {
            for (int i = from; i < to; i++) {
              hits.incrementAndGet(i);
            }
          }, 0, null, null);
          for (int i = 0; i < 800; i++) {
            assertEquals(1, hits.get(i));
          }
        }
      }
    });
  }

  @Test
  void closingStopsTheWorkersAndLaterJobsRunOnTheCaller() throws InterruptedException {
    WorkerPool pool = new WorkerPool(3);
    pool.run(3, 6, 60, 10, (from, to, slot, img, arena, words) -> { }, 0, null, null);
    pool.close();
    assertTrue(pool.isClosed());
    int[] slots = new int[1];
    pool.run(3, 6, 60, 10, (from, to, slot, img, arena, words) -> slots[0] |= 1 << slot, 0,
        null, null);
    assertEquals(1, slots[0], "after close every chunk runs on the caller");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (workersAlive(pool) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(!workersAlive(pool), "workers still running 5 s after close");
  }

  private static boolean workersAlive(WorkerPool pool) {
    String name = pool.workerName(0);
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
