package org.bnn4j.format.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a model says about itself beside its graph: name, producer, source, input preprocessing,
 * labels and notes. It holds exactly what the file's {@code ModelMetadata} message holds
 * (bnn4j_model.proto documents each field), as plain immutable values, so that the importer, the
 * passes and the engine never see a generated protobuf type; {@code ModelCodec} maps between the
 * two. Unset values keep the file's defaults ("" and 0, {@code UNSPECIFIED}), so a file read and
 * written again comes out byte for byte the same.
 *
 * @param name the model's name, or ""
 * @param producer who wrote the file, for example "bnn4j onnx import of pytorch 1.13.0", or ""
 * @param sourceSha256 hex SHA-256 of the source model's bytes, or ""
 * @param sourceOpset opset of the default ONNX domain in the source model, 0 if unknown
 * @param inputs how each described input wants its data, in the file's order
 * @param labels class names of output 0 (index i names class i); empty when unknown
 * @param notes free-form notes in insertion order, for example what the squeezing pass removed
 */
public record GraphMetadata(String name, String producer, String sourceSha256, long sourceOpset,
    List<InputSpec> inputs, List<String> labels, Map<String, String> notes) {

  /** Nothing known: what a graph starts with. */
  public static final GraphMetadata EMPTY =
      new GraphMetadata("", "", "", 0, List.of(), List.of(), Map.of());

  /** Checks the components and copies the collections; the notes keep their order. */
  public GraphMetadata {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(producer, "producer");
    Objects.requireNonNull(sourceSha256, "sourceSha256");
    inputs = List.copyOf(inputs);
    labels = List.copyOf(labels);
    // Map.copyOf would lose the order, and the file writes notes in map order.
    Map<String, String> copy = new LinkedHashMap<>();
    notes.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "note key"),
        Objects.requireNonNull(v, "note value")));
    notes = Collections.unmodifiableMap(copy);
  }

  /** {@return a copy with {@code more} added to the notes; a key already there keeps its place} */
  public GraphMetadata withNotes(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(notes);
    all.putAll(more);
    return new GraphMetadata(name, producer, sourceSha256, sourceOpset, inputs, labels, all);
  }

  /**
   * How one input wants its data, as the file stores it (the engine's {@code org.bnn4j.InputSpec}
   * is the resolved form, with defaults applied).
   *
   * @param name the graph input's name
   * @param shape the input's dims
   * @param layout how the dims are ordered
   * @param colorMode the channels an image is converted to
   * @param mean per-channel mean subtracted after scaling; empty when not stored
   * @param std per-channel divisor after subtracting the mean; empty when not stored
   * @param pixelScale factor taking a 0..255 sample to the range of mean and std, 0 when not
   *     stored (read as 1/255)
   * @param background the background of the training images
   * @param fit how an image is brought to the input's height and width
   */
  public record InputSpec(String name, List<Long> shape, Layout layout, ColorMode colorMode,
      List<Float> mean, List<Float> std, float pixelScale, Background background, Fit fit) {

    /** Checks the components and copies the lists. */
    public InputSpec {
      requireParts(name, layout, colorMode, background, fit);
      shape = List.copyOf(shape);
      mean = List.copyOf(mean);
      std = List.copyOf(std);
    }

    /**
     * The components every input spec needs, this stored form and the engine's resolved {@code
     * org.bnn4j.InputSpec} alike (their enums are distinct types, hence {@code Enum<?>}).
     *
     * @throws NullPointerException naming the first of them that is null
     */
    public static void requireParts(String name, Enum<?> layout, Enum<?> colorMode,
        Enum<?> background, Enum<?> fit) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(layout, "layout");
      Objects.requireNonNull(colorMode, "colorMode");
      Objects.requireNonNull(background, "background");
      Objects.requireNonNull(fit, "fit");
    }

    /** {@return a spec with only a name, shape and layout: no preprocessing stored} */
    public static InputSpec of(String name, List<Long> shape, Layout layout) {
      return new InputSpec(name, shape, layout, ColorMode.UNSPECIFIED, List.of(), List.of(), 0f,
          Background.UNSPECIFIED, Fit.UNSPECIFIED);
    }
  }

  /** How the dims of an input are ordered. */
  public enum Layout { UNSPECIFIED, NCHW, NC }

  /** The channels an image is converted to. */
  public enum ColorMode { UNSPECIFIED, GRAYSCALE, RGB, BGR }

  /** The background of the images a model was trained on. */
  public enum Background { UNSPECIFIED, DARK, LIGHT }

  /** How an image is brought to the input size; UNSPECIFIED is read as STRETCH. */
  public enum Fit { UNSPECIFIED, STRETCH, PAD, MNIST }
}
