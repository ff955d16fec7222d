package org.bnn4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ProtocolMessageEnum;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.proto.InputSpec;
import org.bnn4j.format.proto.Model;
import org.bnn4j.format.proto.ModelMetadata;
import org.junit.jupiter.api.Test;

/** The graph's plain metadata against the file's message: every field, both ways. */
class MetadataCodecTest {

  @Test
  void everyFieldSurvivesTheFileAndTheNotesKeepTheirOrder() {
    Map<String, String> notes = new LinkedHashMap<>();
    notes.put("z", "last letter first");
    notes.put("a", "first letter second");
    GraphMetadata meta = new GraphMetadata("m", "p", "ab12", 13,
        List.of(new GraphMetadata.InputSpec("x", List.of(1L, 3L, 4L, 4L),
            GraphMetadata.Layout.NCHW, GraphMetadata.ColorMode.RGB, List.of(0.1f, 0.2f, 0.3f),
            List.of(0.5f), 0.25f, GraphMetadata.Background.LIGHT, GraphMetadata.Fit.PAD),
            GraphMetadata.InputSpec.of("y", List.of(1L, 2L), GraphMetadata.Layout.NC)),
        List.of("cat", "dog"), notes);
    Graph g = new Graph();
    g.setMetadata(meta);
    byte[] bytes = ModelCodec.encode(g);
    Model file = ModelFile.parse(bytes, Limits.DEFAULT);
    ModelMetadata m = file.getMetadata();
    assertEquals("m", m.getName());
    assertEquals(13, m.getSourceOpset());
    assertEquals(InputSpec.ColorMode.RGB, m.getInputs(0).getColorMode());
    assertEquals(InputSpec.Fit.PAD, m.getInputs(0).getFit());
    assertEquals(InputSpec.Layout.NC, m.getInputs(1).getLayout());
    assertEquals(InputSpec.Fit.FIT_UNSPECIFIED, m.getInputs(1).getFit());
    assertEquals(List.of("z", "a"), List.copyOf(m.getNotesMap().keySet()));

    Graph back = ModelCodec.fromModel(file, Limits.DEFAULT);
    assertEquals(meta, back.metadata());
    assertEquals(List.of("z", "a"), List.copyOf(back.metadata().notes().keySet()));
    assertArrayEquals(bytes, ModelCodec.encode(back));
  }

  @Test
  void anEnumValueFromANewerWriterIsRefusedByName() {
    Model file = Model.newBuilder().setMetadata(ModelMetadata.newBuilder()
        .addInputs(InputSpec.newBuilder().setName("x").setFitValue(9))).build();
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelCodec.fromModel(file, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("'x' has fit 9"), e.getMessage());
  }

  /**
   * ModelCodec maps the input-spec enums by number: the graph's value with ordinal n is the
   * file's value with number n. Checked against the file's enums as protoc generated them from
   * the .proto: same count, and the same names but for the file's prefix on UNSPECIFIED.
   */
  @Test
  void theGraphsInputSpecEnumsListTheFilesValuesInNumberOrder() {
    assertSameValues(InputSpec.Layout.values(), GraphMetadata.Layout.values());
    assertSameValues(InputSpec.ColorMode.values(), GraphMetadata.ColorMode.values());
    assertSameValues(InputSpec.Background.values(), GraphMetadata.Background.values());
    assertSameValues(InputSpec.Fit.values(), GraphMetadata.Fit.values());
  }

  private static void assertSameValues(ProtocolMessageEnum[] file, Enum<?>[] graph) {
    List<String> fileNames = new ArrayList<>();
    for (ProtocolMessageEnum v : file) {
      String name = ((Enum<?>) v).name();
      if (!name.equals("UNRECOGNIZED")) {
        assertEquals(fileNames.size(), v.getNumber(), name);
        fileNames.add(name.endsWith("_UNSPECIFIED") ? "UNSPECIFIED" : name);
      }
    }
    List<String> graphNames = new ArrayList<>();
    for (Enum<?> v : graph) {
      graphNames.add(v.name());
    }
    assertEquals(fileNames, graphNames);
  }
}
