package org.bnn4j.server;

/**
 * A request the server refuses or cannot finish, with the protocol status it maps to. The
 * message goes to the client as it is, so it says what was expected and what was found.
 */
final class ServeException extends RuntimeException {
  /** Why a request failed; each maps to one HTTP status and one gRPC status code. */
  enum Kind {
    BAD_REQUEST(400, io.grpc.Status.Code.INVALID_ARGUMENT),
    NOT_FOUND(404, io.grpc.Status.Code.NOT_FOUND),
    METHOD_NOT_ALLOWED(405, io.grpc.Status.Code.UNIMPLEMENTED),
    TOO_LARGE(413, io.grpc.Status.Code.RESOURCE_EXHAUSTED),
    UNSUPPORTED_MEDIA_TYPE(415, io.grpc.Status.Code.INVALID_ARGUMENT),
    QUEUE_FULL(503, io.grpc.Status.Code.RESOURCE_EXHAUSTED),
    UNAVAILABLE(503, io.grpc.Status.Code.UNAVAILABLE),
    DEADLINE(503, io.grpc.Status.Code.DEADLINE_EXCEEDED),
    INTERNAL(500, io.grpc.Status.Code.INTERNAL);

    final int httpStatus;
    final io.grpc.Status.Code grpcCode;

    Kind(int httpStatus, io.grpc.Status.Code grpcCode) {
      this.httpStatus = httpStatus;
      this.grpcCode = grpcCode;
    }
  }

  private final Kind kind;

  ServeException(Kind kind, String message) {
    super(message, null, false, false); // no stack trace: these are answers, not bugs
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  static ServeException badRequest(String message) {
    return new ServeException(Kind.BAD_REQUEST, message);
  }
}
