package org.bnn4j.convert;

import java.util.ArrayList;
import java.util.List;
import org.bnn4j.format.GraphValidator;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.onnx.OnnxImporter;

/**
 * ONNX to bnn4j: imports the ONNX graph onto engine ops, then runs the converter passes in order.
 * Each pass does one rewrite and leaves a valid graph behind.
 */
public final class Converter {
  private Converter() {}

  /** What a conversion did, for logs and {@code bnn4j convert}'s output. */
  public record Result(Graph graph, List<String> log) {}

  public static Result convert(byte[] onnxBytes, Limits limits) {
    return convert(onnxBytes, limits, GraphPass.defaultPipeline());
  }

  /** Imports, then runs the given passes; tests use it to look at the graph between passes. */
  public static Result convert(byte[] onnxBytes, Limits limits, List<GraphPass> passes) {
    Graph g = OnnxImporter.importModel(onnxBytes, limits);
    List<String> log = new ArrayList<>();
    for (GraphPass pass : passes) {
      pass.apply(g, log);
      GraphValidator.validate(g, limits);
    }
    return new Result(g, log);
  }
}
