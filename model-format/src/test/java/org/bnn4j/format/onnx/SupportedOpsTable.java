package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes the README's table of supported ONNX operators from {@link TranslatorRegistry}: one row
 * per family, domain set and opset range, operators sorted. Run {@link #main} to print it, or
 * let {@code SupportedOpsReadmeTest} print it when README.md has fallen behind.
 */
final class SupportedOpsTable {
  static final String BEGIN = "<!-- supported-onnx-ops: generated from TranslatorRegistry by"
      + " SupportedOpsTable (model-format tests); SupportedOpsReadmeTest checks it -->";
  static final String END = "<!-- end supported-onnx-ops -->";

  private SupportedOpsTable() {}

  /** The markdown table, from {@link #BEGIN} to {@link #END} inclusive, newline-terminated. */
  static String markdown(TranslatorRegistry registry) {
    Map<String, TreeSet<String>> rows = new LinkedHashMap<>();
    for (TranslatorRegistry.Entry e : registry.entries()) {
      List<String> domains = new ArrayList<>();
      for (String d : e.domains()) {
        domains.add(d.isEmpty() ? "ai.onnx" : d);
      }
      String key = "| " + e.family() + " | " + String.join(", ", domains) + " | "
          + e.firstOpset() + "–" + e.lastOpset() + " | ";
      rows.computeIfAbsent(key, k -> new TreeSet<>()).add(e.opType());
    }
    StringBuilder out = new StringBuilder(BEGIN).append('\n');
    out.append("| family | domain | opsets | operators |\n|---|---|---|---|\n");
    for (Map.Entry<String, TreeSet<String>> r : rows.entrySet()) {
      out.append(r.getKey()).append(String.join(", ", r.getValue())).append(" |\n");
    }
    return out.append(END).append('\n').toString();
  }

  /** Prints the table for pasting into README.md. */
  public static void main(String[] args) {
    System.out.print(markdown(TranslatorRegistry.DEFAULT));
  }
}
