package org.bnn4j.server;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** One model's counters and latency histogram, rendered as Prometheus text. Lock-free. */
final class ModelMetrics {
  /** Histogram upper bounds in seconds: BNN inference takes well under a millisecond. */
  static final double[] BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final AtomicLongArray bucketCounts = new AtomicLongArray(BUCKETS.length + 1);
  private final LongAdder latencyNanos = new LongAdder();

  /** Records one finished inference request (answered or failed) and its latency. */
  void record(long nanos, boolean failed) {
    requests.increment();
    if (failed) {
      failures.increment();
    }
    latencyNanos.add(nanos);
    double seconds = nanos / 1e9;
    int b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]) {
      b++;
    }
    bucketCounts.incrementAndGet(b);
  }

  long requests() {
    return requests.sum();
  }

  long failures() {
    return failures.sum();
  }

  /** Appends this model's samples; {@code family} picks which metric family to write. */
  void render(StringBuilder sb, String model, int family, int queueDepth) {
    String label = "model=\"" + escape(model) + "\"";
    switch (family) {
      case 0 -> sb.append("bnn4j_requests_total{").append(label).append("} ")
          .append(requests.sum()).append('\n');
      case 1 -> sb.append("bnn4j_request_failures_total{").append(label).append("} ")
          .append(failures.sum()).append('\n');
      case 2 -> sb.append("bnn4j_queue_depth{").append(label).append("} ").append(queueDepth)
          .append('\n');
      default -> {
        long cumulative = 0;
        for (int b = 0; b <= BUCKETS.length; b++) {
          cumulative += bucketCounts.get(b);
          String le = b < BUCKETS.length ? String.format(Locale.ROOT, "%s", BUCKETS[b]) : "+Inf";
          sb.append("bnn4j_request_duration_seconds_bucket{").append(label).append(",le=\"")
              .append(le).append("\"} ").append(cumulative).append('\n');
        }
        sb.append("bnn4j_request_duration_seconds_sum{").append(label).append("} ")
            .append(String.format(Locale.ROOT, "%.9f", latencyNanos.sum() / 1e9)).append('\n');
        sb.append("bnn4j_request_duration_seconds_count{").append(label).append("} ")
            .append(cumulative).append('\n');
      }
    }
  }

  static final String[] FAMILY_HEADERS = {
    "# HELP bnn4j_requests_total Inference requests finished (answered or failed), by model.\n"
        + "# TYPE bnn4j_requests_total counter\n",
    "# HELP bnn4j_request_failures_total Inference requests that failed, by model.\n"
        + "# TYPE bnn4j_request_failures_total counter\n",
    "# HELP bnn4j_queue_depth Requests waiting for a worker, by model.\n"
        + "# TYPE bnn4j_queue_depth gauge\n",
    "# HELP bnn4j_request_duration_seconds Inference request latency in the server, by model.\n"
        + "# TYPE bnn4j_request_duration_seconds histogram\n"
  };

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
