package org.bnn4j.server;

import static org.bnn4j.server.ServerTestSupport.expected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.bnn4j.Model;
import org.bnn4j.server.grpc.GRPCInferenceServiceGrpc;
import org.bnn4j.server.grpc.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.bnn4j.server.grpc.InferTensorContents;
import org.bnn4j.server.grpc.ModelInferRequest;
import org.bnn4j.server.grpc.ModelInferResponse;
import org.bnn4j.server.grpc.ModelMetadataRequest;
import org.bnn4j.server.grpc.ModelMetadataResponse;
import org.bnn4j.server.grpc.ModelReadyRequest;
import org.bnn4j.server.grpc.ServerLiveRequest;
import org.bnn4j.server.grpc.ServerMetadataRequest;
import org.bnn4j.server.grpc.ServerReadyRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gRPC service, driven by a client generated from the same .proto. */
class GrpcApiTest {
  private static final long MAX_MESSAGE = 64 * 1024;
  private static Model model;
  private static InferenceServer server;
  private static ManagedChannel channel;
  private static GRPCInferenceServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    InferenceServer.ACCESS.setLevel(Level.OFF); // the tests make thousands of requests
    model = ServerTestSupport.mnist();
    server = InferenceServer.start(Map.of("mnist", model), ServerConfig.defaults()
        .withPorts(0, 0).withWorkers(2).withMaxBodyBytes(MAX_MESSAGE));
    channel = ServerTestSupport.channel(server);
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdown();
    }
  }

  private static GRPCInferenceServiceBlockingStub call() {
    return stub.withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @Test
  void healthAndMetadata() {
    assertTrue(call().serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    assertTrue(call().serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertTrue(call().modelReady(ModelReadyRequest.newBuilder().setName("mnist").build())
        .getReady());
    assertTrue(call().modelReady(ModelReadyRequest.newBuilder().setName("mnist")
        .setVersion("1").build()).getReady());
    var meta = call().serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertEquals("bnn4j", meta.getName());
    assertFalse(meta.getVersion().isEmpty());
    ModelMetadataResponse mm = call().modelMetadata(ModelMetadataRequest.newBuilder()
        .setName("mnist").build());
    assertEquals("mnist", mm.getName());
    assertEquals(List.of("1"), mm.getVersionsList());
    assertEquals("input", mm.getInputs(0).getName());
    assertEquals("FP32", mm.getInputs(0).getDatatype());
    assertEquals(List.of(1L, 1L, 28L, 28L), mm.getInputs(0).getShapeList());
    assertEquals("logits", mm.getOutputs(0).getName());
    assertEquals(List.of(1L, 10L), mm.getOutputs(0).getShapeList());
    assertCode(Status.Code.NOT_FOUND, () -> call().modelMetadata(ModelMetadataRequest
        .newBuilder().setName("nope").build()));
    assertCode(Status.Code.NOT_FOUND, () -> call().modelReady(ModelReadyRequest.newBuilder()
        .setName("mnist").setVersion("7").build()));
  }

  static ModelInferRequest.InferInputTensor.Builder input(String datatype, long... shape) {
    ModelInferRequest.InferInputTensor.Builder t = ModelInferRequest.InferInputTensor
        .newBuilder().setName("input").setDatatype(datatype);
    for (long d : shape) {
      t.addShape(d);
    }
    return t;
  }

  static ModelInferRequest fp32Request(float[] x) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float v : x) {
      c.addFp32Contents(v);
    }
    return ModelInferRequest.newBuilder().setModelName("mnist")
        .addInputs(input("FP32", 1, 1, 28, 28).setContents(c)).build();
  }

  static ByteString littleEndian(float[] x) {
    ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : x) {
      b.putFloat(v);
    }
    return ByteString.copyFrom(b.array());
  }

  static ModelInferRequest rawRequest(float[] x) {
    return ModelInferRequest.newBuilder().setModelName("mnist").setId("raw")
        .addInputs(input("FP32", 1, 1, 28, 28)).addRawInputContents(littleEndian(x)).build();
  }

  static float[] fp32(ModelInferResponse r) {
    List<Float> v = r.getOutputs(0).getContents().getFp32ContentsList();
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }

  static float[] raw(ModelInferResponse r) {
    ByteBuffer b = r.getRawOutputContents(0).asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  @Test
  void inferEqualsSessionRunBitForBitWithContentsAndRawBytes() {
    Random r = new Random(1515);
    for (int k = 0; k < 6; k++) {
      float[] x = ServerTestSupport.randomInput(r, 784);
      float[] want = expected(model, x);
      ModelInferResponse a = call().modelInfer(fp32Request(x));
      assertEquals("mnist", a.getModelName());
      assertEquals("logits", a.getOutputs(0).getName());
      assertEquals("FP32", a.getOutputs(0).getDatatype());
      assertEquals(List.of(1L, 10L), a.getOutputs(0).getShapeList());
      assertArrayEquals(want, fp32(a));
      ModelInferResponse b = call().modelInfer(rawRequest(x));
      assertEquals("raw", b.getId());
      assertEquals(0, b.getOutputs(0).getContents().getFp32ContentsCount());
      assertArrayEquals(want, raw(b));
    }
    // A named output, asked for explicitly.
    float[] x = ServerTestSupport.randomInput(r, 784);
    ModelInferResponse named = call().modelInfer(fp32Request(x).toBuilder()
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
        .build());
    assertArrayEquals(expected(model, x), fp32(named));
  }

  @Test
  void badMessagesGetTheirStatusAndTheServerStaysUp() {
    float[] x = ServerTestSupport.randomInput(new Random(9), 784);
    ModelInferRequest good = fp32Request(x);
    assertCode(Status.Code.NOT_FOUND, () -> call().modelInfer(good.toBuilder()
        .setModelName("nope").build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(good.toBuilder()
        .setInputs(0, good.getInputs(0).toBuilder().setDatatype("FP64")).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(good.toBuilder()
        .setInputs(0, good.getInputs(0).toBuilder().clearShape().addAllShape(
            List.of(1L, 784L))).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(fp32Request(
        new float[700])));
    // Inconsistent contents: raw bytes and typed contents at once; raw bytes for no input;
    // raw bytes that are not whole floats; the wrong typed field for FP32.
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(good.toBuilder()
        .addRawInputContents(littleEndian(x)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(rawRequest(x).toBuilder()
        .addRawInputContents(littleEndian(x)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(rawRequest(x).toBuilder()
        .setRawInputContents(0, littleEndian(x).substring(1)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(good.toBuilder()
        .setInputs(0, good.getInputs(0).toBuilder().setContents(good.getInputs(0)
            .getContents().toBuilder().addIntContents(1))).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> call().modelInfer(good.toBuilder()
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("nope"))
        .build()));
    // Over the message limit: refused by the transport before it is parsed.
    assertCode(Status.Code.RESOURCE_EXHAUSTED, () -> call().modelInfer(rawRequest(
        new float[(int) MAX_MESSAGE / 4 + 16])));

    assertArrayEquals(expected(model, x), fp32(call().modelInfer(good)));
  }

  private static void assertCode(Status.Code code, org.junit.jupiter.api.function.Executable e) {
    StatusRuntimeException ex = assertThrows(StatusRuntimeException.class, e);
    assertEquals(code, ex.getStatus().getCode(), ex.getStatus().toString());
  }
}
