/**
 * {@code bnn4j serve}: a model server speaking the Open Inference Protocol (KServe v2) over REST
 * and gRPC, on the engine's public API.
 */
package org.bnn4j.server;
