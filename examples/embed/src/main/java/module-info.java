/** A server-style application that embeds bnn4j; see ../README.md. */
module com.example.embed {
  // The whole bnn4j API: Model, Session, Tensor, options, exceptions, image preprocessing
  // (which brings java.desktop along for ImageInput.fromImage's BufferedImage).
  requires org.bnn4j;
  // The application's own protobuf-java (3.25.5 here), unrelated to the copy inside bnn4j.
  requires com.google.protobuf;
}
