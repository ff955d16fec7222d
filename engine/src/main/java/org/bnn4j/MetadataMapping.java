package org.bnn4j;

import java.util.ArrayList;
import java.util.List;
import org.bnn4j.format.graph.GraphMetadata;

/** Turns the graph's stored metadata into the plain API types, once per loaded model. */
final class MetadataMapping {
  private MetadataMapping() {}

  static ModelMetadata toPlain(GraphMetadata m) {
    List<InputSpec> inputs = new ArrayList<>();
    for (GraphMetadata.InputSpec s : m.inputs()) {
      inputs.add(toPlain(s));
    }
    return new ModelMetadata(m.name(), m.producer(), m.labels(), inputs, m.notes());
  }

  /** Resolves what the file leaves unset: an unset fit is STRETCH, an unset scale 1/255. */
  static InputSpec toPlain(GraphMetadata.InputSpec s) {
    List<Integer> shape = new ArrayList<>();
    for (long d : s.shape()) {
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new ModelFormatException("input spec '" + s.name() + "' has shape "
            + s.shape() + ", expected dims in 0.." + Integer.MAX_VALUE);
      }
      shape.add((int) d);
    }
    InputSpec.Layout layout = switch (s.layout()) {
      case NCHW -> InputSpec.Layout.NCHW;
      case NC -> InputSpec.Layout.NC;
      case UNSPECIFIED -> InputSpec.Layout.UNSPECIFIED;
    };
    InputSpec.ColorMode color = switch (s.colorMode()) {
      case GRAYSCALE -> InputSpec.ColorMode.GRAYSCALE;
      case RGB -> InputSpec.ColorMode.RGB;
      case BGR -> InputSpec.ColorMode.BGR;
      case UNSPECIFIED -> InputSpec.ColorMode.UNSPECIFIED;
    };
    InputSpec.Background background = switch (s.background()) {
      case DARK -> InputSpec.Background.DARK;
      case LIGHT -> InputSpec.Background.LIGHT;
      case UNSPECIFIED -> InputSpec.Background.UNSPECIFIED;
    };
    InputSpec.Fit fit = switch (s.fit()) {
      case PAD -> InputSpec.Fit.PAD;
      case MNIST -> InputSpec.Fit.MNIST;
      case STRETCH, UNSPECIFIED -> InputSpec.Fit.STRETCH;
    };
    float scale = s.pixelScale() == 0f ? 1f / 255f : s.pixelScale();
    return new InputSpec(s.name(), shape, layout, color, s.mean(), s.std(), scale, background,
        fit);
  }
}
