package org.bnn4j.format.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelFile;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.proto.TensorProto;

/**
 * Reads ONNX {@link TensorProto}s into {@link ConstTensor}s and writes float ones back.
 *
 * <p>Floating-point element types (FLOAT, DOUBLE, FLOAT16, BFLOAT16) become FLOAT32 tensors;
 * integer and BOOL types become INT64 tensors (BOOL as 0 or 1). DOUBLE is rounded to float, which
 * is what the constants bnn4j reads it for (shapes, pads, bounds) need. Every size is checked
 * against the {@link Limits} and the bytes present before anything is allocated.
 */
public final class OnnxTensors {
  /** Deepest protobuf message nesting accepted when parsing ONNX files. */
  static final int RECURSION_LIMIT = 64;

  private OnnxTensors() {}

  /** Converts {@code t}; errors name it as "tensor 'name'". */
  public static ConstTensor toConstTensor(TensorProto t, Limits limits) {
    return toConstTensor(t, "tensor '" + t.getName() + "'", limits);
  }

  /**
   * Converts {@code t}; {@code what} names it in errors (for example "initializer 'conv.weight'").
   *
   * @throws UnsupportedModelException for an element type bnn4j does not read, or external data
   * @throws ModelFormatException for negative dims, a size over the limits, or a data length that
   *     does not match the dims
   */
  public static ConstTensor toConstTensor(TensorProto t, String what, Limits limits) {
    int type = t.getDataType();
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new UnsupportedModelException(what + " keeps its data in an external file; bnn4j"
          + " reads only tensors stored inside the model (re-save it with"
          + " onnx.save_model(model, path, save_as_external_data=False))");
    }
    int size = elementSize(type);
    if (size == 0) {
      throw new UnsupportedModelException(what + " has element type " + typeName(type)
          + ", which bnn4j does not read (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT64,"
          + " INT32, INT16, INT8, UINT32, UINT16, UINT8, BOOL)");
    }
    long[] ldims = new long[t.getDimsCount()];
    for (int i = 0; i < ldims.length; i++) {
      ldims[i] = t.getDims(i);
    }
    if (ldims.length > ShapeInference.MAX_RANK) {
      throw new UnsupportedModelException(what + " has rank " + ldims.length + "; bnn4j supports"
          + " at most " + ShapeInference.MAX_RANK + " dims");
    }
    long count = limits.checkedElementCount(what, ldims);
    int[] dims = new int[ldims.length];
    for (int i = 0; i < dims.length; i++) {
      if (ldims[i] > Integer.MAX_VALUE) {
        throw new ModelFormatException(what + ": dim " + i + " is " + ldims[i]
            + ", over the largest supported size " + Integer.MAX_VALUE);
      }
      dims[i] = (int) ldims[i];
    }
    int n = (int) count;
    int typed = typedCount(t, type);
    if (t.hasRawData() && typed > 0) {
      throw new ModelFormatException(what + " has both raw_data and " + typedField(type)
          + "; a tensor stores its data in one of them");
    }
    ByteBuffer raw = null;
    if (t.hasRawData()) {
      ByteString bytes = t.getRawData();
      long expected = count * size;
      if (bytes.size() != expected) {
        throw new ModelFormatException(what + ": " + typeName(type) + " " + Arrays.toString(dims)
            + " needs " + expected + " bytes of raw_data, found " + bytes.size());
      }
      raw = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    } else if (typed != n) {
      throw new ModelFormatException(what + ": " + typeName(type) + " " + Arrays.toString(dims)
          + " needs " + n + " values, found " + typed + " in " + typedField(type)
          + (typed == 0 ? " and no raw_data" : ""));
    }
    if (isFloatType(type)) {
      float[] f = new float[n];
      if (raw != null) {
        readRawFloats(raw, type, f);
      } else {
        readTypedFloats(t, type, f);
      }
      return ConstTensor.ofFloats(dims, f);
    }
    long[] l = new long[n];
    if (raw != null) {
      readRawLongs(raw, type, l, what);
    } else {
      readTypedLongs(t, type, l, what);
    }
    return ConstTensor.ofInt64(dims, l);
  }

  /**
   * Parses a serialized TensorProto, such as an ONNX test's {@code test_data_set_0/input_0.pb}.
   *
   * @throws ModelFormatException when the bytes are not a valid TensorProto or are over the limit
   */
  public static TensorProto parseTensorProto(byte[] bytes, Limits limits) {
    if (bytes.length > limits.maxFileBytes()) {
      throw new ModelFormatException("tensor file is " + bytes.length
          + " bytes, over the limit of " + limits.maxFileBytes() + " (maxFileBytes)");
    }
    try {
      CodedInputStream cis = CodedInputStream.newInstance(bytes);
      cis.setRecursionLimit(RECURSION_LIMIT);
      cis.setSizeLimit(Math.max(1, bytes.length));
      return TensorProto.parseFrom(cis);
    } catch (IOException e) {
      throw new ModelFormatException("not a valid serialized ONNX TensorProto: " + e.getMessage(),
          e);
    }
  }

  /** Reads and parses a TensorProto file, refusing one over the file-size limit. */
  public static TensorProto parseTensorProto(Path path, Limits limits) throws IOException {
    byte[] bytes = ModelFile.readBounded(path, limits);
    try {
      return parseTensorProto(bytes, limits);
    } catch (ModelFormatException e) {
      throw new ModelFormatException(path + ": " + e.getMessage(), e);
    }
  }

  /** Reads a TensorProto file straight into a constant; errors name the file. */
  public static ConstTensor readTensorProtoFile(Path path, Limits limits) throws IOException {
    TensorProto t = parseTensorProto(path, limits);
    String what = "tensor " + (t.getName().isEmpty() ? "" : "'" + t.getName() + "' ")
        + "in " + path;
    return toConstTensor(t, what, limits);
  }

  /** A FLOAT TensorProto with {@code dims} and little-endian {@code raw_data}. */
  public static TensorProto toTensorProto(String name, int[] dims, float[] data) {
    long count = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dim in " + Arrays.toString(dims));
      }
      count *= d;
    }
    if (count != data.length) {
      throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + count
          + " values, got " + data.length);
    }
    TensorProto.Builder b = TensorProto.newBuilder()
        .setDataType(TensorProto.DataType.FLOAT_VALUE);
    if (name != null) {
      b.setName(name);
    }
    for (int d : dims) {
      b.addDims(d);
    }
    ByteBuffer buf = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(data);
    return b.setRawData(ByteString.copyFrom(buf.array())).build();
  }

  /** True for the element types read into FLOAT32 tensors. */
  public static boolean isFloatType(int onnxType) {
    return onnxType == TensorProto.DataType.FLOAT_VALUE
        || onnxType == TensorProto.DataType.DOUBLE_VALUE
        || onnxType == TensorProto.DataType.FLOAT16_VALUE
        || onnxType == TensorProto.DataType.BFLOAT16_VALUE;
  }

  /** True for the element types read into INT64 tensors (integers and BOOL). */
  public static boolean isIntegerType(int onnxType) {
    return elementSize(onnxType) != 0 && !isFloatType(onnxType);
  }

  /** "FLOAT", "INT64", ... or "type N" for a number ONNX does not define. */
  public static String typeName(int onnxType) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(onnxType);
    return t == null ? "type " + onnxType : t.name();
  }

  /** Bytes per element in raw_data, or 0 for a type bnn4j does not read. */
  static int elementSize(int type) {
    return switch (TensorProto.DataType.forNumber(type) == null
        ? TensorProto.DataType.UNDEFINED : TensorProto.DataType.forNumber(type)) {
      case FLOAT, INT32, UINT32 -> 4;
      case DOUBLE, INT64 -> 8;
      case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
      case INT8, UINT8, BOOL -> 1;
      default -> 0;
    };
  }

  private static String typedField(int type) {
    return switch (TensorProto.DataType.forNumber(type)) {
      case FLOAT -> "float_data";
      case DOUBLE -> "double_data";
      case INT64 -> "int64_data";
      case UINT32 -> "uint64_data";
      default -> "int32_data";
    };
  }

  private static int typedCount(TensorProto t, int type) {
    return switch (TensorProto.DataType.forNumber(type)) {
      case FLOAT -> t.getFloatDataCount();
      case DOUBLE -> t.getDoubleDataCount();
      case INT64 -> t.getInt64DataCount();
      case UINT32 -> t.getUint64DataCount();
      default -> t.getInt32DataCount();
    };
  }

  private static void readRawFloats(ByteBuffer b, int type, float[] out) {
    switch (TensorProto.DataType.forNumber(type)) {
      case FLOAT -> b.asFloatBuffer().get(out);
      case DOUBLE -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) b.getDouble(8 * i);
        }
      }
      case FLOAT16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.float16ToFloat(b.getShort(2 * i));
        }
      }
      default -> { // BFLOAT16: the high half of a float's bits
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
        }
      }
    }
  }

  private static void readTypedFloats(TensorProto t, int type, float[] out) {
    switch (TensorProto.DataType.forNumber(type)) {
      case FLOAT -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = t.getFloatData(i);
        }
      }
      case DOUBLE -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) t.getDoubleData(i);
        }
      }
      case FLOAT16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.float16ToFloat((short) t.getInt32Data(i));
        }
      }
      default -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((t.getInt32Data(i) & 0xffff) << 16);
        }
      }
    }
  }

  private static void readRawLongs(ByteBuffer b, int type, long[] out, String what) {
    TensorProto.DataType dt = TensorProto.DataType.forNumber(type);
    for (int i = 0; i < out.length; i++) {
      out[i] = switch (dt) {
        case INT64 -> b.getLong(8 * i);
        case INT32 -> b.getInt(4 * i);
        case UINT32 -> b.getInt(4 * i) & 0xffffffffL;
        case INT16 -> b.getShort(2 * i);
        case UINT16 -> b.getShort(2 * i) & 0xffff;
        case INT8 -> b.get(i);
        case UINT8 -> b.get(i) & 0xff;
        case BOOL -> b.get(i) != 0 ? 1 : 0;
        default -> throw new IllegalStateException("not an integer type: " + dt);
      };
    }
  }

  private static void readTypedLongs(TensorProto t, int type, long[] out, String what) {
    TensorProto.DataType dt = TensorProto.DataType.forNumber(type);
    for (int i = 0; i < out.length; i++) {
      out[i] = switch (dt) {
        case INT64 -> t.getInt64Data(i);
        case UINT32 -> {
          long v = t.getUint64Data(i);
          if (v < 0 || v > 0xffffffffL) {
            throw new ModelFormatException(what + ": UINT32 value " + Long.toUnsignedString(v)
                + " at " + i + " is out of range");
          }
          yield v;
        }
        case INT32 -> t.getInt32Data(i);
        case INT16 -> (short) t.getInt32Data(i);
        case UINT16 -> t.getInt32Data(i) & 0xffff;
        case INT8 -> (byte) t.getInt32Data(i);
        case UINT8 -> t.getInt32Data(i) & 0xff;
        case BOOL -> t.getInt32Data(i) != 0 ? 1 : 0;
        default -> throw new IllegalStateException("not an integer type: " + dt);
      };
    }
  }
}
