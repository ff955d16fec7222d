package org.bnn4j.server;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bnn4j.server.grpc.GRPCInferenceServiceGrpc;
import org.bnn4j.server.grpc.InferTensorContents;
import org.bnn4j.server.grpc.ModelInferRequest;
import org.bnn4j.server.grpc.ModelInferResponse;
import org.bnn4j.server.grpc.ModelMetadataRequest;
import org.bnn4j.server.grpc.ModelMetadataResponse;
import org.bnn4j.server.grpc.ModelReadyRequest;
import org.bnn4j.server.grpc.ModelReadyResponse;
import org.bnn4j.server.grpc.ServerLiveRequest;
import org.bnn4j.server.grpc.ServerLiveResponse;
import org.bnn4j.server.grpc.ServerMetadataRequest;
import org.bnn4j.server.grpc.ServerMetadataResponse;
import org.bnn4j.server.grpc.ServerReadyRequest;
import org.bnn4j.server.grpc.ServerReadyResponse;

/**
 * The protocol's {@code inference.GRPCInferenceService} on grpc-java (Netty). Calls run on
 * virtual threads, since an inference call waits in the model's queue.
 */
final class GrpcApi extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private static final Logger LOG = Logger.getLogger("org.bnn4j.server");

  private final InferenceServer server;
  private final Server grpc;
  private final ExecutorService executor;

  GrpcApi(InferenceServer server, ServerConfig config) throws IOException {
    this.server = server;
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.grpc = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
        .executor(executor)
        .maxInboundMessageSize((int) config.maxBodyBytes())
        .addService(this)
        .build()
        .start();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) grpc.getListenSockets().get(0);
  }

  /** Stops taking new calls; calls in flight continue. */
  void beginShutdown() {
    grpc.shutdown();
  }

  /** Waits for calls in flight until {@code deadline}, then cancels whatever is left. */
  void awaitShutdown(long deadline) {
    try {
      if (!grpc.awaitTermination(Math.max(0, deadline - System.nanoTime()),
          TimeUnit.NANOSECONDS)) {
        grpc.shutdownNow();
        grpc.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      grpc.shutdownNow();
    }
    executor.shutdown();
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    answer("ServerLive", out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    answer("ServerReady", out,
        () -> ServerReadyResponse.newBuilder().setReady(server.ready()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    answer("ModelReady", out, () -> {
      ServedModel m = server.model(request.getName(), request.getVersion());
      return ModelReadyResponse.newBuilder().setReady(server.ready() && m.ready()).build();
    });
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request,
      StreamObserver<ServerMetadataResponse> out) {
    answer("ServerMetadata", out, () -> ServerMetadataResponse.newBuilder()
        .setName(InferenceServer.SERVER_NAME)
        .setVersion(version())
        .addAllExtensions(InferenceServer.EXTENSIONS)
        .build());
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request,
      StreamObserver<ModelMetadataResponse> out) {
    answer("ModelMetadata", out, () -> {
      ServedModel m = server.model(request.getName(), request.getVersion());
      ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
          .setName(m.name)
          .addVersions(InferenceServer.MODEL_VERSION)
          .setPlatform(InferenceServer.PLATFORM);
      for (int i = 0; i < m.inputNames.size(); i++) {
        b.addInputs(tensorMetadata(m.inputNames.get(i), m.inputShape(i)));
      }
      for (int i = 0; i < m.outputNames.size(); i++) {
        b.addOutputs(tensorMetadata(m.outputNames.get(i), m.outputShape(i)));
      }
      return b.build();
    });
  }

  private static ModelMetadataResponse.TensorMetadata tensorMetadata(String name, int[] shape) {
    ModelMetadataResponse.TensorMetadata.Builder t = ModelMetadataResponse.TensorMetadata
        .newBuilder().setName(name).setDatatype("FP32");
    for (int d : shape) {
      t.addShape(d);
    }
    return t.build();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    long start = System.nanoTime();
    ServedModel[] served = new ServedModel[1];
    boolean delivered = answer("ModelInfer", out, () -> {
      served[0] = server.model(request.getModelName(), request.getModelVersion());
      return infer(served[0], request, start);
    });
    // Recorded after the answer went to the transport, so a call cancelled meanwhile (the client
    // gave up, or the server stopped) counts as failed rather than answered.
    if (served[0] != null) {
      served[0].metrics.record(System.nanoTime() - start, !delivered);
    }
  }

  private ModelInferResponse infer(ServedModel m, ModelInferRequest request, long start) {
    boolean raw = request.getRawInputContentsCount() > 0;
    if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
      throw ServeException.badRequest("raw_input_contents has "
          + request.getRawInputContentsCount() + " entries for " + request.getInputsCount()
          + " inputs; it needs one per input, in order");
    }
    List<ServedModel.InputTensor> inputs = new ArrayList<>(request.getInputsCount());
    for (int i = 0; i < request.getInputsCount(); i++) {
      ModelInferRequest.InferInputTensor t = request.getInputs(i);
      if (!"FP32".equals(t.getDatatype())) {
        throw ServeException.badRequest("input '" + t.getName() + "' has datatype "
            + t.getDatatype() + ", expected FP32");
      }
      float[] data;
      if (raw) {
        if (t.hasContents()) {
          throw ServeException.badRequest("input '" + t.getName() + "' sets contents while the"
              + " request uses raw_input_contents; use one or the other");
        }
        data = fromLittleEndian(t.getName(), request.getRawInputContents(i));
      } else {
        InferTensorContents c = t.getContents();
        if (c.getBoolContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount()
            + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp64ContentsCount()
            + c.getBytesContentsCount() > 0) {
          throw ServeException.badRequest("input '" + t.getName() + "' is FP32 but sets"
              + " contents other than fp32_contents");
        }
        data = new float[c.getFp32ContentsCount()];
        for (int k = 0; k < data.length; k++) {
          data[k] = c.getFp32Contents(k);
        }
      }
      inputs.add(new ServedModel.InputTensor(t.getName(), t.getDatatype(),
          t.getShapeList().stream().mapToLong(Long::longValue).toArray(), data));
    }
    List<String> requested = new ArrayList<>(request.getOutputsCount());
    for (ModelInferRequest.InferRequestedOutputTensor o : request.getOutputsList()) {
      requested.add(o.getName());
    }
    int[] outs = InferenceServer.selectOutputs(m, requested);
    long deadline = server.deadline(start);
    io.grpc.Deadline clientDeadline = io.grpc.Context.current().getDeadline();
    if (clientDeadline != null) {
      // The client's own deadline, when sooner: no point computing an answer nobody awaits.
      long client = System.nanoTime() + clientDeadline.timeRemaining(TimeUnit.NANOSECONDS);
      if (client - deadline < 0) { // nanoTime values compare by difference
        deadline = client;
      }
    }
    float[][] outputs = m.infer(m.orderInputs(inputs), deadline);

    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(m.name)
        .setModelVersion(InferenceServer.MODEL_VERSION)
        .setId(request.getId());
    for (int o : outs) {
      ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor
          .newBuilder().setName(m.outputNames.get(o)).setDatatype("FP32");
      for (int d : m.outputShape(o)) {
        t.addShape(d);
      }
      if (raw) {
        // Answer in the form the client chose: raw bytes when it sent raw bytes.
        b.addRawOutputContents(toLittleEndian(outputs[o]));
      } else {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (float v : outputs[o]) {
          c.addFp32Contents(v);
        }
        t.setContents(c);
      }
      b.addOutputs(t);
    }
    return b.build();
  }

  private static float[] fromLittleEndian(String input, ByteString bytes) {
    if (bytes.size() % Float.BYTES != 0) {
      throw ServeException.badRequest("raw contents of input '" + input + "' are "
          + bytes.size() + " bytes, not a whole number of FP32 values");
    }
    float[] data = new float[bytes.size() / Float.BYTES];
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    return data;
  }

  private static ByteString toLittleEndian(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return ByteString.copyFrom(b.array());
  }

  @FunctionalInterface
  private interface Answer<T> {
    T get();
  }

  /**
   * Runs a call and answers it: the message, or the status its failure maps to. Returns whether a
   * message was handed to the transport.
   */
  private <T> boolean answer(String method, StreamObserver<T> out, Answer<T> call) {
    long start = System.nanoTime();
    T response;
    try {
      response = call.get();
    } catch (ServeException e) {
      InferenceServer.access("grpc", "-", method, e.kind().httpStatus, start);
      out.onError(Status.fromCode(e.kind().grpcCode).withDescription(e.getMessage())
          .asRuntimeException());
      return false;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "internal error in " + method, e);
      InferenceServer.access("grpc", "-", method, 500, start);
      out.onError(Status.INTERNAL.withDescription("internal error: " + e).asRuntimeException());
      return false;
    }
    try {
      out.onNext(response);
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      // grpc-java throws CANCELLED here when the call was cancelled while we computed.
      InferenceServer.access("grpc", "-", method, 0, start);
      return false;
    }
    InferenceServer.access("grpc", "-", method, 200, start);
    return true;
  }

  private static String version() {
    String v = GrpcApi.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
