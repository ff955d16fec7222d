package org.bnn4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bnn4j.ModelFormatException;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.proto.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .bnn envelope: every way a file can be damaged ends in a ModelFormatException. */
class ModelFileTest {

  static Model sampleModel() {
    Graph g = new Graph();
    g.setMetadata(new GraphMetadata("sample", "test", "", 0, List.of(), List.of(), Map.of()));
    g.constants().put("w", ConstTensor.ofFloats(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    g.constants().put("b", ConstTensor.ofBits(new int[] {2, 65}, new long[] {-1L, 1L, 5L, 0L}));
    return ModelCodec.toModel(g);
  }

  @Test
  void roundTripKeepsEveryByte() {
    Model m = sampleModel();
    byte[] bytes = ModelFile.toBytes(m);
    Model back = ModelFile.parse(bytes, Limits.DEFAULT);
    assertEquals(m, back);
    Graph g = ModelCodec.fromModel(back, Limits.DEFAULT);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, g.constant("w").floats());
    assertArrayEquals(new long[] {-1L, 1L, 5L, 0L}, g.constant("b").longs());
  }

  @Test
  void badMagicIsNamed() {
    byte[] bytes = ModelFile.toBytes(sampleModel());
    bytes[1] = 'X';
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> ModelFile.parse(bytes, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
  }

  @Test
  void unsupportedVersionNamesTheRange() {
    byte[] bytes = ModelFile.toBytes(sampleModel());
    ByteBuffer.wrap(bytes).putInt(8, 7);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> ModelFile.parse(bytes, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("version 7"), e.getMessage());
    assertTrue(e.getMessage().contains("versions 1 to 1"), e.getMessage());
  }

  @Test
  void truncatedAndPaddedFilesAreRejected() {
    byte[] bytes = ModelFile.toBytes(sampleModel());
    for (int len : new int[] {0, 7, 23, bytes.length - 1}) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThrows(ModelFormatException.class, () -> ModelFile.parse(cut, Limits.DEFAULT));
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> ModelFile.parse(longer, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("payload"), e.getMessage());
  }

  @Test
  void hugeClaimedLengthFailsBeforeAllocating() {
    byte[] bytes = ModelFile.toBytes(sampleModel());
    ByteBuffer.wrap(bytes).putLong(12, 1L << 40);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> ModelFile.parse(bytes, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("1099511627776"), e.getMessage());
  }

  @Test
  void everySingleBitFlipIsDetected() {
    byte[] good = ModelFile.toBytes(sampleModel());
    int detected = 0;
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] bad = good.clone();
      bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(ModelFormatException.class, () -> ModelFile.parse(bad, Limits.DEFAULT),
          "bit " + bit);
      detected++;
    }
    assertEquals(good.length * 8, detected);
  }

  @Test
  void fileOverTheSizeLimitIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("m.bnn");
    ModelFile.write(sampleModel(), p);
    Limits tiny = Limits.DEFAULT.withMaxFileBytes(10);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> ModelFile.readBounded(p, tiny));
    assertTrue(e.getMessage().contains("maxFileBytes"), e.getMessage());
    assertEquals(sampleModel(), ModelFile.parse(Files.readAllBytes(p), Limits.DEFAULT));
  }

  @Test
  void bitTensorWithDirtyPadBitsIsRejected() {
    Graph g = new Graph();
    g.constants().put("b", ConstTensor.ofBits(new int[] {1, 3}, new long[] {0b1000L}));
    Model m = ModelCodec.toModel(g);
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelCodec.fromModel(m, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("pad bits"), e.getMessage());
  }

  @Test
  void tensorDataLengthMustMatchDims() {
    Model m = sampleModel();
    Model bad = m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializers(0,
        m.getGraph().getInitializers(0).toBuilder().clearDims().addDims(1L << 20).addDims(1L << 20)))
        .build();
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelCodec.fromModel(bad, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("maxTensorElements"), e.getMessage());
    Model bad2 = m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializers(0,
        m.getGraph().getInitializers(0).toBuilder().clearDims().addDims(2).addDims(4))).build();
    e = assertThrows(ModelFormatException.class, () -> ModelCodec.fromModel(bad2, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("needs 32 data bytes, found 24"), e.getMessage());
    Model bad3 = m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializers(0,
        m.getGraph().getInitializers(0).toBuilder().clearDims().addDims(-2).addDims(-3))).build();
    e = assertThrows(ModelFormatException.class, () -> ModelCodec.fromModel(bad3, Limits.DEFAULT));
    assertTrue(e.getMessage().contains("-2"), e.getMessage());
  }
}
