package org.bnn4j;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a model file says about itself, as plain immutable values: read with {@link
 * Model#metadata()}.
 *
 * @param name the model's name, or "" when it has none
 * @param producer who wrote the file, for example "bnn4j-convert 0.1.0", or ""
 * @param labels the class names of output 0 (index i names class i); empty when unknown
 * @param inputs how each input wants its data, where the file says; an input the file does not
 *     describe is missing here (use {@link Model#inputSpec(String)} for a spec of every input)
 * @param notes free-form notes, for example what the converter's squeezing pass removed
 */
public record ModelMetadata(String name, String producer, List<String> labels,
    List<InputSpec> inputs, Map<String, String> notes) {

  /** Checks the components and copies the collections. */
  public ModelMetadata {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(producer, "producer");
    labels = List.copyOf(labels);
    inputs = List.copyOf(inputs);
    notes = Map.copyOf(notes);
  }

  /**
   * The stored spec of one input.
   *
   * @param name the input's name
   * @return its spec, or empty when the file does not describe it
   */
  public Optional<InputSpec> input(String name) {
    for (InputSpec s : inputs) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
