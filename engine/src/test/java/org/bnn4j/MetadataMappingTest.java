package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bnn4j.format.graph.GraphMetadata;
import org.junit.jupiter.api.Test;

/** The file's input-spec choices map to the API's constants of the same name, every one. */
class MetadataMappingTest {
  @Test
  void everyStoredChoiceHasItsApiConstant() {
    for (GraphMetadata.Layout v : GraphMetadata.Layout.values()) {
      assertEquals(v.name(), MetadataMapping.sameName(v, InputSpec.Layout.class).name());
    }
    for (GraphMetadata.ColorMode v : GraphMetadata.ColorMode.values()) {
      assertEquals(v.name(), MetadataMapping.sameName(v, InputSpec.ColorMode.class).name());
    }
    for (GraphMetadata.Background v : GraphMetadata.Background.values()) {
      assertEquals(v.name(), MetadataMapping.sameName(v, InputSpec.Background.class).name());
    }
    for (GraphMetadata.Fit v : GraphMetadata.Fit.values()) {
      if (v != GraphMetadata.Fit.UNSPECIFIED) {
        assertEquals(v.name(), MetadataMapping.sameName(v, InputSpec.Fit.class).name());
      }
    }
  }

  @Test
  void unsetFitAndScaleAreResolved() {
    InputSpec s = MetadataMapping.toPlain(GraphMetadata.InputSpec.of("x", List.of(1L, 1L, 28L,
        28L), GraphMetadata.Layout.NCHW));
    assertEquals(InputSpec.Fit.STRETCH, s.fit());
    assertEquals(1f / 255f, s.pixelScale());
    assertEquals(InputSpec.Layout.NCHW, s.layout());
    assertEquals(InputSpec.ColorMode.UNSPECIFIED, s.colorMode());
    assertEquals(List.of(1, 1, 28, 28), s.shape());
  }
}
