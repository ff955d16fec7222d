package org.bnn4j;

import java.util.ArrayList;
import java.util.List;

/** Turns the file's protobuf metadata into the plain API types, once per loaded model. */
final class MetadataMapping {
  private MetadataMapping() {}

  static ModelMetadata toPlain(org.bnn4j.format.proto.ModelMetadata m) {
    List<InputSpec> inputs = new ArrayList<>();
    for (org.bnn4j.format.proto.InputSpec s : m.getInputsList()) {
      inputs.add(toPlain(s));
    }
    return new ModelMetadata(m.getName(), m.getProducer(), m.getLabelsList(), inputs,
        m.getNotesMap());
  }

  static InputSpec toPlain(org.bnn4j.format.proto.InputSpec s) {
    List<Integer> shape = new ArrayList<>();
    for (long d : s.getShapeList()) {
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new ModelFormatException("input spec '" + s.getName() + "' has shape "
            + s.getShapeList() + ", expected dims in 0.." + Integer.MAX_VALUE);
      }
      shape.add((int) d);
    }
    InputSpec.Layout layout = switch (s.getLayout()) {
      case NCHW -> InputSpec.Layout.NCHW;
      case NC -> InputSpec.Layout.NC;
      case LAYOUT_UNSPECIFIED -> InputSpec.Layout.UNSPECIFIED;
      default -> throw unknown(s, "layout", s.getLayoutValue());
    };
    InputSpec.ColorMode color = switch (s.getColorMode()) {
      case GRAYSCALE -> InputSpec.ColorMode.GRAYSCALE;
      case RGB -> InputSpec.ColorMode.RGB;
      case BGR -> InputSpec.ColorMode.BGR;
      case COLOR_UNSPECIFIED -> InputSpec.ColorMode.UNSPECIFIED;
      default -> throw unknown(s, "color_mode", s.getColorModeValue());
    };
    InputSpec.Background background = switch (s.getBackground()) {
      case DARK -> InputSpec.Background.DARK;
      case LIGHT -> InputSpec.Background.LIGHT;
      case BACKGROUND_UNSPECIFIED -> InputSpec.Background.UNSPECIFIED;
      default -> throw unknown(s, "background", s.getBackgroundValue());
    };
    InputSpec.Fit fit = switch (s.getFit()) {
      case PAD -> InputSpec.Fit.PAD;
      case MNIST -> InputSpec.Fit.MNIST;
      case STRETCH, FIT_UNSPECIFIED -> InputSpec.Fit.STRETCH;
      default -> throw unknown(s, "fit", s.getFitValue());
    };
    float scale = s.getPixelScale() == 0f ? 1f / 255f : s.getPixelScale();
    return new InputSpec(s.getName(), shape, layout, color, s.getMeanList(), s.getStdList(),
        scale, background, fit);
  }

  private static ModelFormatException unknown(org.bnn4j.format.proto.InputSpec s, String field,
      int value) {
    return new ModelFormatException("input spec '" + s.getName() + "' has " + field + " " + value
        + ", which this version of bnn4j does not know");
  }
}
