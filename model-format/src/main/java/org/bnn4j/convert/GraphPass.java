package org.bnn4j.convert;

import java.util.List;
import org.bnn4j.format.graph.Graph;

/** One named rewrite of a graph. */
public interface GraphPass {
  String name();

  /** Rewrites {@code g} in place, appending one line per change worth reporting to {@code log}. */
  void apply(Graph g, List<String> log);

  /** The passes {@code bnn4j convert} runs, in order. */
  static List<GraphPass> defaultPipeline() {
    return List.of(new StraightThroughSignPass(), new AsymmetricBinaryConvPass(),
        new BinaryLoweringPass(),
        new OutputTransformFusionPass(),
        new BitOutputPass(), new SqueezePass(), new ConvBatchNormFoldPass());
  }
}
