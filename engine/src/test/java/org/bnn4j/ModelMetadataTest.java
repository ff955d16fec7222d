package org.bnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.graph.Graph;
import org.junit.jupiter.api.Test;

/** The file's metadata reaches the API as plain values, through a real .bnn round trip. */
class ModelMetadataTest {

  @Test
  void storedSpecBecomesAPlainRecord() {
    Graph g = SessionTest.scaleRelu();
    g.setMetadata(org.bnn4j.format.proto.ModelMetadata.newBuilder().setName("digits")
        .setProducer("test").addLabels("zero").addLabels("one").putNotes("k", "v")
        .addInputs(org.bnn4j.format.proto.InputSpec.newBuilder().setName("x").addShape(1)
            .addShape(3).addShape(2).addShape(2)
            .setLayout(org.bnn4j.format.proto.InputSpec.Layout.NCHW)
            .setColorMode(org.bnn4j.format.proto.InputSpec.ColorMode.BGR)
            .addMean(0.5f).addStd(0.25f)
            .setBackground(org.bnn4j.format.proto.InputSpec.Background.DARK)
            .setFit(org.bnn4j.format.proto.InputSpec.Fit.MNIST))
        .build());
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
