package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.proto.TensorProto;
import org.bnn4j.format.onnx.proto.TensorProto.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxTensorsTest {
  private static final Limits L = Limits.DEFAULT;

  @Test
  void floatRoundTripThroughBytes() {
    float[] data = {1f, -2.5f, Float.NaN, Float.NEGATIVE_INFINITY, 0f, -0f};
    TensorProto t = OnnxTensors.toTensorProto("t", new int[] {2, 3}, data);
    assertEquals(DataType.FLOAT_VALUE, t.getDataType());
    assertEquals(24, t.getRawData().size());
    ConstTensor c = OnnxTensors.toConstTensor(
        OnnxTensors.parseTensorProto(t.toByteArray(), L), L);
    assertArrayEquals(new int[] {2, 3}, c.dims());
    assertArrayEquals(data, c.floats());
    assertThrows(IllegalArgumentException.class,
        () -> OnnxTensors.toTensorProto("t", new int[] {2, 2}, data));
  }

  @Test
  void readsTypedFieldsAndConvertsIntegerTypes() {
    TensorProto f = TensorProto.newBuilder().setName("f").setDataType(DataType.FLOAT_VALUE)
        .addDims(2).addFloatData(1.5f).addFloatData(-3f).build();
    assertArrayEquals(new float[] {1.5f, -3f}, OnnxTensors.toConstTensor(f, L).floats());

    TensorProto l = TensorProto.newBuilder().setName("l").setDataType(DataType.INT64_VALUE)
        .addDims(3).addInt64Data(-1).addInt64Data(Long.MAX_VALUE).addInt64Data(7).build();
    ConstTensor lc = OnnxTensors.toConstTensor(l, L);
    assertEquals(org.bnn4j.format.graph.ElementType.INT64, lc.type());
    assertArrayEquals(new long[] {-1, Long.MAX_VALUE, 7}, lc.longs());

    ByteBuffer raw = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    raw.putLong(-5).putLong(9);
    TensorProto rl = TensorProto.newBuilder().setName("rl").setDataType(DataType.INT64_VALUE)
        .addDims(2).setRawData(ByteString.copyFrom(raw.array())).build();
    assertArrayEquals(new long[] {-5, 9}, OnnxTensors.toConstTensor(rl, L).longs());

    TensorProto i32 = TensorProto.newBuilder().setName("i").setDataType(DataType.INT32_VALUE)
        .addDims(2).addInt32Data(-7).addInt32Data(3).build();
    assertArrayEquals(new long[] {-7, 3}, OnnxTensors.toConstTensor(i32, L).longs());

    TensorProto u8 = TensorProto.newBuilder().setName("u").setDataType(DataType.UINT8_VALUE)
        .addDims(2).setRawData(ByteString.copyFrom(new byte[] {(byte) 200, 1})).build();
    assertArrayEquals(new long[] {200, 1}, OnnxTensors.toConstTensor(u8, L).longs());

    TensorProto i8 = TensorProto.newBuilder().setName("s").setDataType(DataType.INT8_VALUE)
        .addDims(1).setRawData(ByteString.copyFrom(new byte[] {(byte) 200})).build();
    assertArrayEquals(new long[] {-56}, OnnxTensors.toConstTensor(i8, L).longs());

    TensorProto b = TensorProto.newBuilder().setName("b").setDataType(DataType.BOOL_VALUE)
        .addDims(3).addInt32Data(0).addInt32Data(1).addInt32Data(5).build();
    assertArrayEquals(new long[] {0, 1, 1}, OnnxTensors.toConstTensor(b, L).longs());

    TensorProto d = TensorProto.newBuilder().setName("d").setDataType(DataType.DOUBLE_VALUE)
        .addDoubleData(0.25).build();
    ConstTensor dc = OnnxTensors.toConstTensor(d, L);
    assertEquals(0, dc.rank());
    assertArrayEquals(new float[] {0.25f}, dc.floats());

    TensorProto h = TensorProto.newBuilder().setName("h").setDataType(DataType.FLOAT16_VALUE)
        .addDims(2).addInt32Data(0x3C00).addInt32Data(0xC000).build(); // 1.0, -2.0
    assertArrayEquals(new float[] {1f, -2f}, OnnxTensors.toConstTensor(h, L).floats());
  }

  @Test
  void rejectsTruncatedRawData() {
    TensorProto t = OnnxTensors.toTensorProto("w", new int[] {2, 3}, new float[6]).toBuilder()
        .setRawData(ByteString.copyFrom(new byte[20])).build();
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> OnnxTensors.toConstTensor(t, L));
    assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("24 bytes")
        && e.getMessage().contains("found 20"), e.getMessage());

    TensorProto few = TensorProto.newBuilder().setName("few").setDataType(DataType.FLOAT_VALUE)
        .addDims(3).addFloatData(1f).build();
    assertThrows(ModelFormatException.class, () -> OnnxTensors.toConstTensor(few, L));

    TensorProto both = OnnxTensors.toTensorProto("both", new int[] {1}, new float[1])
        .toBuilder().addFloatData(1f).build();
    assertThrows(ModelFormatException.class, () -> OnnxTensors.toConstTensor(both, L));
  }

  @Test
  void checksDimsBeforeAllocating() {
    TensorProto neg = TensorProto.newBuilder().setName("n").setDataType(DataType.FLOAT_VALUE)
        .addDims(-1).build();
    assertThrows(ModelFormatException.class, () -> OnnxTensors.toConstTensor(neg, L));
    // 2^40 elements claimed, 4 bytes present: refused by the limit, nothing allocated.
    TensorProto huge = TensorProto.newBuilder().setName("huge")
        .setDataType(DataType.FLOAT_VALUE).addDims(1 << 20).addDims(1 << 20)
        .setRawData(ByteString.copyFrom(new byte[4])).build();
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> OnnxTensors.toConstTensor(huge, L));
    assertTrue(e.getMessage().contains("maxTensorElements"), e.getMessage());
  }

  @Test
  void declinesExternalDataAndUnknownTypes() {
    TensorProto ext = TensorProto.newBuilder().setName("big").setDataType(DataType.FLOAT_VALUE)
        .addDims(4).setDataLocation(TensorProto.DataLocation.EXTERNAL).build();
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
        () -> OnnxTensors.toConstTensor(ext, L));
    assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("external"),
        e.getMessage());
    TensorProto str = TensorProto.newBuilder().setName("s").setDataType(DataType.STRING_VALUE)
        .addStringData(ByteString.copyFromUtf8("x")).build();
    e = assertThrows(UnsupportedModelException.class, () -> OnnxTensors.toConstTensor(str, L));
    assertTrue(e.getMessage().contains("'s'") && e.getMessage().contains("STRING"),
        e.getMessage());
    TensorProto odd = TensorProto.newBuilder().setName("o").setDataType(99).build();
    assertThrows(UnsupportedModelException.class, () -> OnnxTensors.toConstTensor(odd, L));
  }

  @Test
  void parseRejectsGarbageAndOversizedInput(@TempDir Path tmp) throws IOException {
    assertThrows(ModelFormatException.class,
        () -> OnnxTensors.parseTensorProto(new byte[] {(byte) 0xff, (byte) 0xff, 3}, L));
    byte[] ok = OnnxTensors.toTensorProto("x", new int[] {1, 2}, new float[] {3f, 4f})
        .toByteArray();
    assertThrows(ModelFormatException.class,
        () -> OnnxTensors.parseTensorProto(ok, L.withMaxFileBytes(ok.length - 1)));
    Path f = tmp.resolve("input_0.pb");
    Files.write(f, ok);
    ConstTensor c = OnnxTensors.readTensorProtoFile(f, L);
    assertArrayEquals(new float[] {3f, 4f}, c.floats());
    Files.write(f, new byte[] {10, 5, 1});
    assertThrows(ModelFormatException.class, () -> OnnxTensors.readTensorProtoFile(f, L));
  }
}
