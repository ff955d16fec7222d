/** The .bnn model file: envelope, protobuf codec, op set, shape inference and validation. */
package org.bnn4j.format;
