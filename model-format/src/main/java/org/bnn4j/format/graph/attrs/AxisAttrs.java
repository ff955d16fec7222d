package org.bnn4j.format.graph.attrs;

import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.OpNode;

/**
 * The axis of Softmax, LogSoftmax and Concat: required (the importer resolves ONNX's
 * opset-dependent defaults and negative axes); its range is checked against the input's rank by
 * the reader.
 */
public record AxisAttrs(int axis) {
  public static final String AXIS = "axis";

  /**
   * Reads the node's axis.
   *
   * @throws ModelFormatException when it is missing or not an int
   */
  public static AxisAttrs of(OpNode node) {
    return new AxisAttrs(node.requireInt(AXIS));
  }
}
