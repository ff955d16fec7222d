/**
 * bnn4j: runs trained binary neural networks on the JVM.
 *
 * <p>{@code requires org.bnn4j;} gives the whole public API: {@link org.bnn4j.Model}, {@link
 * org.bnn4j.Session}, {@link org.bnn4j.Tensor}, their options, the exceptions, and image
 * preprocessing in {@code org.bnn4j.image}. Everything else in this module (kernels, runtime,
 * model format, converter, and the protobuf runtime relocated to {@code
 * org.bnn4j.internal.shaded.protobuf}) is internal and not exported.
 */
module org.bnn4j {
  exports org.bnn4j;
  exports org.bnn4j.image;

  // The Vector API kernels; without this module the engine falls back to scalar kernels.
  requires jdk.incubator.vector;
  // javax.imageio and java.awt.image, for org.bnn4j.image.
  requires transitive java.desktop; // ImageInput.fromImage takes a BufferedImage
  // java.util.logging: the engine logs which kernels it picked.
  requires java.logging;
  // sun.misc.Unsafe, which the relocated protobuf runtime uses for fast parsing when present.
  requires jdk.unsupported;
}
