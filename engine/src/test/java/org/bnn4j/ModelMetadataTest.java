package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.junit.jupiter.api.Test;

/** The file's metadata reaches the API as plain values, through a real .bnn round trip. */
class ModelMetadataTest {

  @Test
  void storedSpecBecomesAPlainRecord() {
    Graph g = SessionTest.scaleRelu();
    g.setMetadata(new GraphMetadata("digits", "test", "", 0,
        List.of(new GraphMetadata.InputSpec("x", List.of(1L, 3L, 2L, 2L),
            GraphMetadata.Layout.NCHW, GraphMetadata.ColorMode.BGR, List.of(0.5f),
            List.of(0.25f), 0f, GraphMetadata.Background.DARK, GraphMetadata.Fit.MNIST)),
        List.of("zero", "one"), Map.of("k", "v")));
    try (Model m = Model.load(ModelCodec.encode(g))) {
      ModelMetadata meta = m.metadata();
      assertEquals("digits", meta.name());
      assertEquals("test", meta.producer());
      assertEquals(List.of("zero", "one"), meta.labels());
      assertEquals(Map.of("k", "v"), meta.notes());
      InputSpec spec = m.inputSpec("x");
      assertEquals(new InputSpec("x", List.of(1, 3, 2, 2), InputSpec.Layout.NCHW,
          InputSpec.ColorMode.BGR, List.of(0.5f), List.of(0.25f), 1f / 255f,
          InputSpec.Background.DARK, InputSpec.Fit.MNIST), spec);
      assertThrows(UnsupportedOperationException.class, () -> meta.labels().add("two"));
      assertThrows(InvalidInputException.class, () -> m.inputSpec("nope"));
    }
  }

  @Test
  void anInputWithoutAStoredSpecGetsTheDefaults() {
    try (Model m = Model.fromGraph(SessionTest.scaleRelu())) {
      assertEquals(List.of(), m.metadata().inputs());
      assertEquals(InputSpec.of("x", 1, 3, 2, 2), m.inputSpec("x"));
      assertEquals(InputSpec.Fit.STRETCH, m.inputSpec("x").fit());
    }
  }
}
