package org.bnn4j.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.GemmAttrs;

/** Per-op cost of a graph: parameters, stored weight bytes and multiply-accumulates. */
public final class ModelStats {

  /** One op's row. {@code kind} is "binary" for XNOR-popcount ops, "bits" for bit movers. */
  public record Row(String op, String name, String kind, String output, long params,
      long weightBytes, long binaryMacs, long floatMacs) {}

  public record Totals(int ops, int binaryOps, long params, long weightBytes, long binaryMacs,
      long floatMacs) {}

  private final List<Row> rows;

  private ModelStats(List<Row> rows) {
    this.rows = rows;
  }

  public static ModelStats of(Graph g) {
    List<Row> rows = new ArrayList<>();
    for (OpNode n : g.nodes()) {
      long params = 0;
      long bytes = 0;
      for (String in : n.inputs()) {
        ConstTensor c = g.constant(in);
        if (c != null) {
          params += c.elementCount();
          bytes += c.storageBytes();
        }
      }
      ValueType out = g.typeOf(n.output(0));
      long outElems = out == null ? 0 : out.elementCount();
      long macs = macsPerOutput(g, n) * outElems;
      boolean binary = n.op() == OpType.BINARY_CONV2D || n.op() == OpType.BINARY_DENSE;
      boolean bits = n.op() == OpType.BINARIZE || n.op() == OpType.BIT_MAX_POOL2D;
      String kind = binary ? "binary" : bits ? "bits" : "float";
      rows.add(new Row(n.op().opName(), n.name(), kind, out == null ? "?" : out.toString(), params,
          bytes, binary ? macs : 0, binary ? 0 : macs));
    }
    return new ModelStats(rows);
  }

  /** MACs per output element: the reduction length of conv and matrix ops, else 0. */
  private static long macsPerOutput(Graph g, OpNode n) {
    ValueType wt = g.typeOf(n.input(1));
    switch (n.op()) {
      case CONV2D, BINARY_CONV2D, BINARY_DENSE -> {
        if (wt == null) {
          return 0;
        }
        long k = 1;
        for (int i = 1; i < wt.rank(); i++) {
          k *= wt.dim(i);
        }
        return k;
      }
      case GEMM -> {
        ValueType a = g.typeOf(n.input(0));
        if (a == null || a.rank() != 2) {
          return 0;
        }
        return GemmAttrs.of(n).transA() ? a.dim(0) : a.dim(1);
      }
      default -> {
        return 0;
      }
    }
  }

  public List<Row> rows() {
    return rows;
  }

  public Totals totals() {
    int binaryOps = 0;
    long params = 0;
    long bytes = 0;
    long bmacs = 0;
    long fmacs = 0;
    for (Row r : rows) {
      binaryOps += r.kind.equals("binary") ? 1 : 0;
      params += r.params;
      bytes += r.weightBytes;
      bmacs += r.binaryMacs;
      fmacs += r.floatMacs;
    }
    return new Totals(rows.size(), binaryOps, params, bytes, bmacs, fmacs);
  }

  /** The table {@code bnn4j inspect} prints. */
  public String toTable(GraphMetadata meta) {
    StringBuilder sb = new StringBuilder();
    if (meta != null) {
      sb.append("model:    ").append(meta.name().isEmpty() ? "(unnamed)" : meta.name())
          .append('\n');
      if (!meta.producer().isEmpty()) {
        sb.append("producer: ").append(meta.producer()).append('\n');
      }
      if (!meta.sourceSha256().isEmpty()) {
        sb.append("source:   sha256 ").append(meta.sourceSha256()).append('\n');
      }
      for (GraphMetadata.InputSpec in : meta.inputs()) {
        sb.append("input:    ").append(in.name()).append(' ').append(in.shape());
        if (!in.mean().isEmpty()) {
          sb.append(" mean ").append(in.mean()).append(" std ").append(in.std());
        }
        if (in.colorMode() != GraphMetadata.ColorMode.UNSPECIFIED) {
          sb.append(" color ").append(in.colorMode());
        }
        if (in.background() != GraphMetadata.Background.UNSPECIFIED) {
          sb.append(" background ").append(in.background());
        }
        if (in.fit() != GraphMetadata.Fit.UNSPECIFIED) {
          sb.append(" fit ").append(in.fit());
        }
        sb.append('\n');
      }
      if (!meta.labels().isEmpty()) {
        sb.append("labels:   ").append(meta.labels().size()).append('\n');
      }
      for (Map.Entry<String, String> e : meta.notes().entrySet()) {
        sb.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
      }
      sb.append('\n');
    }
    int wOp = 6;
    int wName = 4;
    int wOut = 6;
    for (Row r : rows) {
      wOp = Math.max(wOp, r.op.length());
      wName = Math.min(40, Math.max(wName, r.name.length()));
      wOut = Math.max(wOut, r.output.length());
    }
    String fmt = "%-4s %-" + wOp + "s %-" + wName + "s %-6s %-" + wOut + "s %12s %14s %15s %15s%n";
    sb.append(String.format(fmt, "#", "op", "name", "kind", "output", "params", "weight bytes",
        "binary MACs", "float MACs"));
    int i = 0;
    for (Row r : rows) {
      String name = r.name.length() > wName ? r.name.substring(0, wName - 1) + "~" : r.name;
      sb.append(String.format(fmt, i++, r.op, name, r.kind, r.output, num(r.params),
          num(r.weightBytes), num(r.binaryMacs), num(r.floatMacs)));
    }
    Totals t = totals();
    sb.append(String.format(fmt, "", "total", t.ops + " ops", t.binaryOps + " bin", "",
        num(t.params), num(t.weightBytes), num(t.binaryMacs), num(t.floatMacs)));
    return sb.toString();
  }

  private static String num(long v) {
    return String.format("%,d", v);
  }
}
