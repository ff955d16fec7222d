package org.bnn4j.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The protocol's JSON bodies, read and written with Jackson's streaming API: no object tree, and
 * tensor data goes straight into a float array.
 */
final class RestJson {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
      .build();

  /** Largest rank accepted in a request's shape. */
  private static final int MAX_RANK = 16;

  private RestJson() {}

  /** A decoded inference request. {@code outputs} is empty when the client wants them all. */
  record InferRequest(String id, List<ServedModel.InputTensor> inputs, List<String> outputs) {}

  /**
   * Reads an inference request object.
   *
   * @throws ServeException (bad request) for malformed JSON, a missing or mistyped field, or a
   *     parameter this server does not support
   */
  static InferRequest parseInfer(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "the body must be a JSON object");
      String id = null;
      List<ServedModel.InputTensor> inputs = null;
      List<String> outputs = new ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "id" -> id = text(p, "\"id\"");
          case "parameters" -> parameters(p, "request", name -> {
            if (name.equals("binary_data_output")) {
              throw ServeException.badRequest("parameter binary_data_output is unsupported:"
                  + " this server answers JSON tensor data only");
            }
          });
          case "inputs" -> {
            expect(v == JsonToken.START_ARRAY, "\"inputs\" must be an array");
            inputs = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
              expect(inputs.size() < 1024, "too many inputs");
              inputs.add(input(p));
            }
          }
          case "outputs" -> {
            expect(v == JsonToken.START_ARRAY, "\"outputs\" must be an array");
            while (p.nextToken() != JsonToken.END_ARRAY) {
              expect(outputs.size() < 1024, "too many outputs");
              outputs.add(requestedOutput(p));
            }
          }
          default -> p.skipChildren(); // fields the protocol may add later
        }
      }
      expect(p.currentToken() == JsonToken.END_OBJECT, "malformed request object");
      expect(p.nextToken() == null, "trailing content after the request object");
      expect(inputs != null, "the request has no \"inputs\"");
      return new InferRequest(id, inputs, outputs);
    } catch (ServeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw ServeException.badRequest("malformed JSON: " + oneLine(e.getMessage()));
    }
  }

  private static ServedModel.InputTensor input(JsonParser p) throws IOException {
    expect(p.currentToken() == JsonToken.START_OBJECT, "each input must be an object");
    String name = null;
    String datatype = null;
    long[] shape = null;
    float[] data = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken(); // to the value
      switch (field) {
        case "name" -> name = text(p, "input \"name\"");
        case "datatype" -> datatype = text(p, "input \"datatype\"");
        case "shape" -> shape = shape(p);
        case "data" -> data = data(p);
        case "parameters" -> parameters(p, "input", n -> {
          if (n.equals("binary_data_size")) {
            throw ServeException.badRequest("parameter binary_data_size is unsupported: send"
                + " the tensor as JSON \"data\"");
          }
        });
        default -> p.skipChildren();
      }
    }
    expect(name != null, "an input has no \"name\"");
    expect(datatype != null, "input '" + name + "' has no \"datatype\"");
    expect(shape != null, "input '" + name + "' has no \"shape\"");
    expect(data != null, "input '" + name + "' has no \"data\"");
    return new ServedModel.InputTensor(name, datatype, shape, data);
  }

  private static String requestedOutput(JsonParser p) throws IOException {
    expect(p.currentToken() == JsonToken.START_OBJECT, "each requested output must be an object");
    String name = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken(); // to the value
      if (field.equals("name")) {
        name = text(p, "output \"name\"");
      } else if (field.equals("parameters")) {
        parameters(p, "output", n -> {
          if (n.equals("binary_data")) {
            throw ServeException.badRequest("parameter binary_data is unsupported: this server"
                + " answers JSON tensor data only");
          }
        });
      } else {
        p.skipChildren();
      }
    }
    expect(name != null, "a requested output has no \"name\"");
    return name;
  }

  /**
   * Reads a parameters object, handing each name whose value is not {@code false} to {@code
   * check}, which refuses the ones this server cannot honour.
   */
  private static void parameters(JsonParser p, String where, Consumer<String> check)
      throws IOException {
    expect(p.currentToken() == JsonToken.START_OBJECT, where + " \"parameters\" must be an object");
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v != JsonToken.VALUE_FALSE && v != JsonToken.VALUE_NULL) {
        check.accept(name);
      }
      p.skipChildren();
    }
  }

  private static long[] shape(JsonParser p) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, "\"shape\" must be an array of integers");
    long[] dims = new long[MAX_RANK];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expect(p.currentToken() == JsonToken.VALUE_NUMBER_INT, "\"shape\" must hold integers");
      expect(n < MAX_RANK, "\"shape\" has more than " + MAX_RANK + " dims");
      long d = p.getLongValue();
      expect(d >= 0, "\"shape\" has a negative dim " + d);
      dims[n++] = d;
    }
    return Arrays.copyOf(dims, n);
  }

  /** Tensor data: numbers, flat or nested row-major; nesting is flattened. */
  private static float[] data(JsonParser p) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, "\"data\" must be an array");
    float[] buf = new float[256];
    int n = 0;
    int depth = 1;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_ARRAY) {
        depth--;
      } else if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
        if (n == buf.length) {
          // Bounded: the body itself is bounded, and each value takes at least two bytes.
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[n++] = p.getFloatValue();
      } else {
        throw ServeException.badRequest("\"data\" must hold numbers, found " + t
            + (t == JsonToken.VALUE_STRING ? " \"" + p.getText() + "\"" : ""));
      }
    }
    return Arrays.copyOf(buf, n);
  }

  /** The current value's text; a bad request unless it is a string, as {@code what} must be. */
  private static String text(JsonParser p, String what) throws IOException {
    expect(p.currentToken() == JsonToken.VALUE_STRING, what + " must be a string");
    return p.getText();
  }

  private static void expect(boolean ok, String message) {
    if (!ok) {
      throw ServeException.badRequest(message);
    }
  }

  static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    String line = s.replace('\n', ' ').replace('\r', ' ');
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  /** Writes one JSON value through {@code body} and returns the bytes. */
  static byte[] write(JsonBody body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // cannot happen writing to memory
    }
    return out.toByteArray();
  }

  /** Writes a JSON value. */
  @FunctionalInterface
  interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }

  static byte[] error(String message) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    });
  }

  /** The inference response object, outputs in the order asked. */
  static byte[] inferResponse(ServedModel m, String id, int[] outputIndices, float[][] outputs) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("model_name", m.name);
      g.writeStringField("model_version", InferenceServer.MODEL_VERSION);
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      for (int o : outputIndices) {
        g.writeStartObject();
        g.writeStringField("name", m.outputNames.get(o));
        g.writeStringField("datatype", "FP32");
        g.writeArrayFieldStart("shape");
        for (int d : m.outputShape(o)) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        for (float v : outputs[o]) {
          g.writeNumber(v);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  static byte[] modelMetadata(ServedModel m) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("name", m.name);
      g.writeArrayFieldStart("versions");
      g.writeString(InferenceServer.MODEL_VERSION);
      g.writeEndArray();
      g.writeStringField("platform", InferenceServer.PLATFORM);
      tensors(g, "inputs", m.inputNames, m::inputShape);
      tensors(g, "outputs", m.outputNames, m::outputShape);
      g.writeEndObject();
    });
  }

  private static void tensors(JsonGenerator g, String field, List<String> names,
      java.util.function.IntFunction<int[]> shapes) throws IOException {
    g.writeArrayFieldStart(field);
    for (int i = 0; i < names.size(); i++) {
      g.writeStartObject();
      g.writeStringField("name", names.get(i));
      g.writeStringField("datatype", "FP32");
      g.writeArrayFieldStart("shape");
      for (int d : shapes.apply(i)) {
        g.writeNumber(d);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }
}
