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
    float scale = s.pixelScale() == 0f ? 1f / 255f : s.pixelScale();
    InputSpec.Fit fit = s.fit() == GraphMetadata.Fit.UNSPECIFIED ? InputSpec.Fit.STRETCH
        : sameName(s.fit(), InputSpec.Fit.class);
    return new InputSpec(s.name(), shape, sameName(s.layout(), InputSpec.Layout.class),
        sameName(s.colorMode(), InputSpec.ColorMode.class), s.mean(), s.std(), scale,
        sameName(s.background(), InputSpec.Background.class), fit);
  }

  /**
   * The API's constant named as the file's: the graph's enums and the API's name the same
   * choices (MetadataMappingTest holds every constant to that).
   */
  static <E extends Enum<E>> E sameName(Enum<?> stored, Class<E> api) {
    return Enum.valueOf(api, stored.name());
  }
}
