/**
 * ONNX import: reading ONNX tensors and models and mapping their operators onto the engine's op
 * set, with constant folding and shape inference on the way.
 */
package org.bnn4j.format.onnx;
