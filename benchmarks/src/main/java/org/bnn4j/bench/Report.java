package org.bnn4j.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Turns JMH JSON results (from {@code run-report.sh}) into {@code results/latest.md}, a markdown
 * table of times and speed-up ratios, and {@code results/ratios.png}, a bar chart of the ratios.
 * Every ratio compares two scores of the same run.
 *
 * <p>Usage: {@code java -cp benchmarks.jar org.bnn4j.bench.Report OUT_DIR RESULT.json...}
 */
public final class Report {
  static final String[] SHAPES = {"56x56x64", "28x28x128", "14x14x256", "7x7x512"};

  /** Score in microseconds per op, keyed by "bench|impl|shape|threads". */
  private final Map<String, Double> scores = new LinkedHashMap<>();
  private final List<String[]> ratios = new ArrayList<>();
  private final Cpu cpu;

  Report(Cpu cpu) {
    this.cpu = cpu;
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: Report OUT_DIR RESULT.json...");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Report r = new Report(Cpu.detect());
    for (int i = 1; i < args.length; i++) {
      r.read(Path.of(args[i]));
    }
    Files.createDirectories(out);
    Files.writeString(out.resolve("latest.md"), r.markdown());
    r.chart(out.resolve("ratios.png"));
    System.out.println("wrote " + out.resolve("latest.md") + " and " + out.resolve("ratios.png"));
  }

  void read(Path json) throws IOException {
    JsonArray runs = JsonParser.parseString(Files.readString(json)).getAsJsonArray();
    for (JsonElement e : runs) {
      JsonObject o = e.getAsJsonObject();
      String bench = o.get("benchmark").getAsString();
      bench = bench.substring(bench.lastIndexOf("bench.") + 6);
      JsonObject params = o.has("params") ? o.getAsJsonObject("params") : new JsonObject();
      JsonObject metric = o.getAsJsonObject("primaryMetric");
      double score = metric.get("score").getAsDouble();
      String unit = metric.get("scoreUnit").getAsString();
      score *= switch (unit) {
        case "ns/op" -> 1e-3;
        case "ms/op" -> 1e3;
        case "s/op" -> 1e6;
        default -> 1.0;
      };
      scores.put(key(bench, str(params, "impl"), str(params, "shape"), str(params, "threads"))
          + str(params, "model"), score);
    }
  }

  private static String str(JsonObject params, String name) {
    return params.has(name) ? params.get(name).getAsString() : "";
  }

  private static String key(String bench, String impl, String shape, String threads) {
    return bench + "|" + impl + "|" + shape + "|" + threads;
  }

  private Double conv(String impl, String shape, String threads) {
    return scores.get(key("ConvLayerBench.layer", impl, shape, threads));
  }

  private static String us(Double v) {
    return v == null ? "–" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }

  private static String ms(Double v) {
    return v == null ? "–" : String.format(Locale.ROOT, "%.1f", v / 1000);
  }

  private static String ratio(Double slow, Double fast) {
    return slow == null || fast == null ? "–" : String.format(Locale.ROOT, "%.2fx", slow / fast);
  }

  private void addRatio(String label, Double slow, Double fast) {
    if (slow != null && fast != null) {
      ratios.add(new String[] {label, Double.toString(slow / fast)});
    }
  }

  String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# bnn4j benchmark results\n\n");
    sb.append("**CPU:** ").append(cpu.model()).append(". **ISA:** ").append(cpu.isa())
        .append(".\n\n");
    sb.append(String.format(Locale.ROOT, "JDK %s, %s, %d processors. Times are JMH averages in"
        + " microseconds per op (lower is better); ratios are slower time / faster time from the"
        + " same run (higher means bnn4j binary is faster).%n%n",
        System.getProperty("java.version"), System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors()));

    Double ceiling = ceiling();
    StringBuilder conv = new StringBuilder();
    conv.append("## 3x3 convolution layer, batch 1, stride 1, pad 1, 1 thread\n\n");
    conv.append("`binary` = Binarize + BinaryConv2d (float output), `float` = bnn4j float Conv2d,"
        + " `onnxruntime` = ONNX Runtime float Conv. ");
    if (ceiling != null) {
      conv.append(String.format(Locale.ROOT, "The ceiling for binary vs float on this CPU is"
          + " %.1fx: register-only XOR+popcount binary MAC/s over register-only FMA float MAC/s"
          + " (GemmBench, below). \"Of ceiling\" is binary vs ORT divided by it.", ceiling));
    }
    conv.append("\n\n");
    conv.append("| H x W x C | binary (µs) | float (µs) | onnxruntime (µs) | binary vs ORT |"
        + " of ceiling | binary vs float |\n|---|---:|---:|---:|---:|---:|---:|\n");
    boolean rows = false;
    for (String s : SHAPES) {
      Double b = conv("binary", s, "1");
      Double f = conv("float", s, "1");
      Double o = conv("onnxruntime", s, "1");
      if (b == null && f == null && o == null) {
        continue;
      }
      rows = true;
      conv.append("| ").append(s).append(" | ").append(us(b)).append(" | ").append(us(f))
          .append(" | ").append(us(o)).append(" | ").append(ratio(o, b)).append(" | ")
          .append(ofCeiling(o, b, ceiling)).append(" | ").append(ratio(f, b)).append(" |\n");
      addRatio("binary vs ORT " + s, o, b);
      addRatio("binary vs float " + s, f, b);
    }

    if (rows) {
      sb.append(conv);
    } else if (ceiling != null) {
      sb.append(String.format(Locale.ROOT, "The ceiling for binary vs float on this CPU is %.1fx"
          + " (register-only binary over float MAC/s, GemmBench below).%n", ceiling));
    }

    boolean threads = false;
    StringBuilder t = new StringBuilder();
    t.append("\n## Threads: 2 vs 1\n\n| H x W x C | impl | 1 thread (µs) | 2 threads (µs) |"
        + " speed-up |\n|---|---|---:|---:|---:|\n");
    for (String impl : new String[] {"binary", "onnxruntime"}) {
      for (String s : SHAPES) {
        Double one = conv(impl, s, "1");
        Double two = conv(impl, s, "2");
        if (one != null && two != null) {
          threads = true;
          t.append("| ").append(s).append(" | ").append(impl).append(" | ").append(us(one))
              .append(" | ").append(us(two)).append(" | ").append(ratio(one, two))
              .append(" |\n");
          if (impl.equals("binary")) {
            addRatio("binary 2 vs 1 thread " + s, one, two);
          }
        }
      }
    }
    if (threads) {
      sb.append(t);
      for (String s : SHAPES) {
        Double b2 = conv("binary", s, "2");
        Double o2 = conv("onnxruntime", s, "2");
        if (b2 != null && o2 != null) {
          sb.append(String.format(Locale.ROOT, "%nWith 2 threads, binary vs ORT at %s: %s.",
              s, ratio(o2, b2)));
        }
      }
      sb.append("\n");
    }

    StringBuilder models = new StringBuilder();
    for (String model : new String[] {"birealnet18", "wsresnet18", "resnet18"}) {
      for (String th : new String[] {"1", "2"}) {
        Double b = scores.get(key("ModelBench.infer", "bnn4j", "", th) + model);
        Double o = scores.get(key("ModelBench.infer", "onnxruntime", "", th) + model);
        if (b != null || o != null) {
          models.append("| ").append(model).append(" | ").append(th).append(" | ")
              .append(ms(b)).append(" | ").append(ms(o)).append(" | ").append(ratio(o, b))
              .append(" |\n");
          addRatio("bnn4j vs ORT " + model + " " + th + "t", o, b);
        }
      }
    }
    if (models.length() > 0) {
      sb.append("\n## Whole networks, 224x224, batch 1\n\n| model | threads | bnn4j (ms) |"
          + " onnxruntime (ms) | bnn4j vs ORT |\n|---|---:|---:|---:|---:|\n").append(models);
      for (String model : new String[] {"birealnet18", "wsresnet18"}) {
        for (String th : new String[] {"1", "2"}) {
          Double b = scores.get(key("ModelBench.infer", "bnn4j", "", th) + model);
          Double o = scores.get(key("ModelBench.infer", "onnxruntime", "", th) + "resnet18");
          if (b != null && o != null) {
            sb.append(String.format(Locale.ROOT, "%n%s on bnn4j vs float resnet18 on ORT, %s"
                + " thread(s): %s.", model, th, ratio(o, b)));
            addRatio(model + " bnn4j vs resnet18 ORT " + th + "t", o, b);
          }
        }
      }
      sb.append("\n");
    }

    Double kernel = scores.get(key("GemmBench.binaryKernel", "", "", ""));
    Double scalar = scores.get(key("GemmBench.scalarBitCount", "", "", ""));
    Double peak = scores.get(key("GemmBench.xorPopcountPeak", "", "", ""));
    Double fma = scores.get(key("GemmBench.fmaPeak", "", "", ""));
    if (kernel != null || scalar != null || peak != null) {
      double macs = 196.0 * 256 * 2304;
      sb.append("\n## Binary GEMM, M=196, N=256, K=2304 (one 14x14x256 3x3 layer), 1 thread\n\n");
      sb.append("| kernel | time (µs) | G MAC/s |\n|---|---:|---:|\n");
      for (Object[] row : new Object[][] {{"vector micro-kernel (bnn4j), binary", kernel},
          {"scalar Long.bitCount loop, binary", scalar},
          {"register-only XOR+popcount peak, binary", peak},
          {"register-only FMA peak, float (same MAC count)", fma}}) {
        Double v = (Double) row[1];
        sb.append("| ").append(row[0]).append(" | ").append(us(v)).append(" | ")
            .append(v == null ? "–" : String.format(Locale.ROOT, "%.1f", macs / (v * 1e3)))
            .append(" |\n");
      }
      if (kernel != null && peak != null) {
        sb.append(String.format(Locale.ROOT, "%nThe kernel reaches %.0f%% of the register-only"
            + " peak", 100 * peak / kernel));
        ratios.add(new String[] {"GEMM kernel / peak", Double.toString(peak / kernel)});
      }
      if (kernel != null && scalar != null) {
        sb.append(String.format(Locale.ROOT, " and is %.2fx the scalar loop", scalar / kernel));
        addRatio("GEMM vector vs scalar", scalar, kernel);
      }
      sb.append(".\n");
    }
    return sb.toString();
  }

  /** Binary over float register-only peak throughput (same MAC count), or null if not run. */
  private Double ceiling() {
    Double peak = scores.get(key("GemmBench.xorPopcountPeak", "", "", ""));
    Double fma = scores.get(key("GemmBench.fmaPeak", "", "", ""));
    return peak == null || fma == null ? null : fma / peak;
  }

  private static String ofCeiling(Double slow, Double fast, Double ceiling) {
    return slow == null || fast == null || ceiling == null ? "–"
        : String.format(Locale.ROOT, "%.0f%%", 100 * slow / fast / ceiling);
  }

  /** The CPU the report describes, from /proc/cpuinfo where there is one. */
  record Cpu(String model, String isa) {
    static Cpu detect() {
      Path info = Path.of("/proc/cpuinfo");
      if (!Files.isReadable(info)) {
        return new Cpu("unknown (" + System.getProperty("os.arch") + ")", "unknown");
      }
      try {
        String model = "unknown";
        String flags = "";
        for (String line : Files.readAllLines(info)) {
          int colon = line.indexOf(':');
          if (colon < 0) {
            continue;
          }
          String k = line.substring(0, colon).strip();
          if (k.equals("model name") && model.equals("unknown")) {
            model = line.substring(colon + 1).strip();
          } else if (k.equals("flags") && flags.isEmpty()) {
            flags = " " + line.substring(colon + 1).strip() + " ";
          }
        }
        return new Cpu(model, isa(flags));
      } catch (IOException e) {
        return new Cpu("unknown (" + e.getMessage() + ")", "unknown");
      }
    }

    static String isa(String flags) {
      if (flags.contains(" avx512f ")) {
        return "AVX-512" + (flags.contains(" avx512_vpopcntdq ") ? " with VPOPCNTDQ"
            : " without VPOPCNTDQ") + (flags.contains(" avx512bw ") ? ", BW" : "");
      }
      if (flags.contains(" avx2 ")) {
        return "AVX2" + (flags.contains(" fma ") ? " + FMA" : "") + ", no AVX-512";
      }
      return flags.isEmpty() ? "unknown" : "no AVX2";
    }
  }

  void chart(Path png) throws IOException {
    int rowH = 26;
    int left = 250;
    int width = 820;
    int height = 60 + rowH * Math.max(1, ratios.size());
    double max = 1.0;
    for (String[] r : ratios) {
      max = Math.max(max, Double.parseDouble(r[1]));
    }
    max *= 1.15;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("bnn4j speed-up ratios (same run; > 1 means the first is faster)", 10, 22);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    double scale = (width - left - 70) / max;
    for (int i = 0; i < ratios.size(); i++) {
      String label = ratios.get(i)[0];
      double v = Double.parseDouble(ratios.get(i)[1]);
      int y = 40 + i * rowH;
      g.setColor(Color.BLACK);
      g.drawString(label, 10, y + 16);
      g.setColor(label.startsWith("binary vs ORT") ? new Color(0x2E7D32)
          : label.startsWith("binary vs float") ? new Color(0x1565C0)
          : label.startsWith("GEMM") ? new Color(0x6A1B9A) : new Color(0xEF6C00));
      g.fillRect(left, y + 4, (int) Math.round(v * scale), rowH - 8);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.2fx", v), left + (int) (v * scale) + 6, y + 16);
    }
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
        new float[] {4f, 4f}, 0f));
    int one = left + (int) Math.round(scale);
    g.drawLine(one, 34, one, height - 6);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }
}
