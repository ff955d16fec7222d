/** Messages and service stubs generated from {@code grpc_service.proto}, the protocol's gRPC API. */
package org.bnn4j.server.grpc;
