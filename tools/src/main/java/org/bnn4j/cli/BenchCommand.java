package org.bnn4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnn4j.Model;
import org.bnn4j.ModelOptions;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.kernels.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bnn4j bench}: steady-state latency of one model, as ONNX Runtime's perf test or
 * TFLite's benchmark tool report it, with the CPU and kernels it ran on.
 */
@Command(
    name = "bench",
    description = {
      "Measures steady-state latency: runs the model --warmup times, then --runs times, and"
          + " prints min / p50 / p90 / p99 latency, inferences per second, the CPU model, the"
          + " ISA flags that matter (avx2, avx512f, avx512_vpopcntdq) and the kernels in use."
          + " Inputs are fixed pseudo-random values in [-1, 1]. With --profile, also a per-op"
          + " table of time shares (a separate pass with per-op timers, after the timed runs).",
      "Without --model it uses the default model bundled in the jar."
    })
final class BenchCommand extends Subcommand {
  @Option(names = "--model", paramLabel = "MODEL", description = ModelSource.MODEL_HELP)
  String model;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Threads for one inference (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "1",
      description = "Images per iteration, run as one batch (default: ${DEFAULT-VALUE}); latency"
          + " is per iteration (B images), throughput counts images.")
  int batch;

  @Option(names = "--warmup", paramLabel = "K", defaultValue = "100",
      description = "Untimed iterations first, for the JIT (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--runs", paramLabel = "R", defaultValue = "500",
      description = "Timed iterations (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--profile",
      description = "Also time every op and print each one's share of the total.")
  boolean profile;

  @Override
  public Integer call() throws IOException {
    require(threads >= 1, "--threads must be at least 1, found " + threads);
    require(batch >= 1 && batch <= 1_000_000, "--batch must be in 1..1000000, found " + batch);
    require(warmup >= 0 && warmup <= 10_000_000,
        "--warmup must be in 0..10000000, found " + warmup);
    require(runs >= 1 && runs <= 10_000_000, "--runs must be in 1..10000000, found " + runs);
    PrintWriter out = spec.commandLine().getOut();
    try (Model m = ModelSource.open(model, ModelOptions.defaults().withMaxBatch(batch))) {
      List<String> inputNames = m.inputNames();
      float[][] inputs = new float[inputNames.size()][];
      SplittableRandom rnd = new SplittableRandom(42);
      StringBuilder shapes = new StringBuilder();
      for (int i = 0; i < inputs.length; i++) {
        int[] shape = m.inputShape(inputNames.get(i));
        long n = 1;
        for (int d : shape) {
          n *= d;
        }
        inputs[i] = new float[Math.toIntExact(n * batch)];
        for (int j = 0; j < inputs[i].length; j++) {
          inputs[i][j] = (float) (rnd.nextDouble() * 2 - 1);
        }
        shapes.append(i == 0 ? "" : ", ").append(inputNames.get(i)).append(Arrays.toString(shape));
      }
      float[][] outputs = new float[m.outputNames().size()][];
      for (int i = 0; i < outputs.length; i++) {
        long n = 1;
        for (int d : m.outputShape(m.outputNames().get(i))) {
          n *= d;
        }
        outputs[i] = new float[Math.toIntExact(n * batch)];
      }

      String name = BenchProfiler.modelName(m);
      out.printf("model       %s%s%n", ModelSource.describe(model),
          name.isEmpty() ? "" : " (" + name + ")");
      out.printf("inputs      %s%n", shapes);
      CpuInfo cpu = CpuInfo.read();
      out.printf("cpu         %s, %d logical processors%n", cpu.model,
          Runtime.getRuntime().availableProcessors());
      out.printf("isa         %s%n", cpu.flagSummary());
      out.printf("kernels     %s%n", kernelSummary(cpu));
      out.printf("threads     %d%n", threads);
      out.printf("batch       %d%n", batch);
      out.printf("iterations  %d warm-up, %d timed%n", warmup, runs);

      long[] nanos = new long[runs];
      try (Session s = m.newSession(SessionOptions.defaults().withThreads(threads))) {
        for (int r = 0; r < warmup; r++) {
          s.run(inputs, outputs);
        }
        for (int r = 0; r < runs; r++) {
          long t0 = System.nanoTime();
          s.run(inputs, outputs);
          nanos[r] = System.nanoTime() - t0;
        }
      }
      long total = 0;
      for (long v : nanos) {
        total += v;
      }
      Arrays.sort(nanos);
      out.printf(Locale.ROOT, "latency     min %.4f ms, p50 %.4f ms, p90 %.4f ms, p99 %.4f ms,"
          + " mean %.4f ms (per iteration of %d image%s)%n", ms(nanos[0]),
          ms(percentile(nanos, 0.50)), ms(percentile(nanos, 0.90)), ms(percentile(nanos, 0.99)),
          ms(total / (double) runs), batch, batch == 1 ? "" : "s");
      out.printf(Locale.ROOT, "throughput  %.1f inferences/s%n",
          (double) runs * batch / (total / 1e9));
      if (profile) {
        printProfile(out, m, inputs);
      }
      out.flush();
    }
    return 0;
  }

  private void printProfile(PrintWriter out, Model m, float[][] inputs) {
    BenchProfiler p = new BenchProfiler(m, threads, inputs);
    try {
      p.run(warmup * batch, false);
      p.run(runs * batch, true);
      long[] t = p.nanos();
      long sum = 0;
      for (long v : t) {
        sum += v;
      }
      double denom = Math.max(1, sum);
      int iterations = runs * batch;
      out.printf("%nper-op time (%d profiled inferences; share of the summed op time)%n",
          iterations);
      out.printf("%4s  %-22s %-28s %10s %7s%n", "step", "op", "name", "us/image", "share");
      Map<String, Long> byOp = new LinkedHashMap<>();
      for (BenchProfiler.Step s : p.steps()) {
        long v = t[s.index()];
        byOp.merge(s.op(), v, Long::sum);
        out.printf(Locale.ROOT, "%4d  %-22s %-28s %10.2f %6.1f%%%n", s.index(), s.op(),
            clip(s.name(), 28), v / 1e3 / iterations, 100 * v / denom);
      }
      out.printf("%nby op type%n");
      byOp.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
          .forEach(e -> out.printf(Locale.ROOT, "      %-22s %-28s %10.2f %6.1f%%%n", e.getKey(),
              "", e.getValue() / 1e3 / iterations, 100 * e.getValue() / denom));
    } finally {
      p.release();
    }
  }

  private static String clip(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "~";
  }

  private static double ms(double nanos) {
    return nanos / 1e6;
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  /**
   * The kernel provider and what it means on this CPU. The binary kernels count bits with the
   * Vector API's lanewise BIT_COUNT on long lanes: one instruction with AVX-512 VPOPCNTDQ, an
   * instruction sequence the JIT emits otherwise.
   */
  static String kernelSummary(CpuInfo cpu) {
    String name = Kernels.provider().name();
    if (!Kernels.vectorized()) {
      return name + " (reference kernels; vector popcount no)";
    }
    int bits = speciesBits(name);
    boolean native512 = bits >= 512 && cpu.has("avx512_vpopcntdq");
    return "vector, species " + (bits > 0 ? bits + "-bit" : "unknown size") + " ("
        + (bits > 0 ? bits / 64 + " long lanes, " + bits / 32 + " float lanes" : name) + ")"
        + "; vector popcount " + (native512 ? "yes (VPOPCNTDQ)"
        : "no (BIT_COUNT emulated by the JIT" + (cpu.has("avx512_vpopcntdq")
        ? ", species below 512 bits)" : ", CPU lacks avx512_vpopcntdq)"));
  }

  /** 256 from "vector(256-bit)", else 0. */
  static int speciesBits(String providerName) {
    int open = providerName.indexOf('(');
    int dash = providerName.indexOf("-bit");
    if (open < 0 || dash < open) {
      return 0;
    }
    try {
      return Integer.parseInt(providerName.substring(open + 1, dash));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The CPU model and flags from /proc/cpuinfo (Linux); "unknown" elsewhere. */
  static final class CpuInfo {
    static final List<String> FLAGS = List.of("avx2", "avx512f", "avx512_vpopcntdq");
    final String model;
    final List<String> flags;

    private CpuInfo(String model, List<String> flags) {
      this.model = model;
      this.flags = flags;
    }

    static CpuInfo read() {
      return parse(Path.of("/proc/cpuinfo"));
    }

    static CpuInfo parse(Path file) {
      String model = "unknown CPU (" + System.getProperty("os.arch") + ")";
      List<String> flags = List.of();
      try {
        if (Files.isReadable(file) && Files.size(file) < 16 << 20) {
          for (String line : Files.readAllLines(file)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
              continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (key.equals("model name") && model.startsWith("unknown")) {
              model = value;
            } else if (key.equals("flags") && flags.isEmpty()) {
              flags = List.of(value.split("\\s+"));
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // no cpuinfo: report "unknown", the benchmark itself still runs
      }
      return new CpuInfo(model, flags);
    }

    boolean has(String flag) {
      return flags.contains(flag);
    }

    String flagSummary() {
      if (flags.isEmpty()) {
        return "unknown (no /proc/cpuinfo flags)";
      }
      StringBuilder sb = new StringBuilder();
      for (String f : FLAGS) {
        sb.append(sb.length() == 0 ? "" : ", ").append(f).append(has(f) ? " yes" : " no");
      }
      return sb.toString();
    }
  }
}
