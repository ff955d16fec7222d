package org.bnn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.Tensor;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.format.Limits;
import org.bnn4j.format.graph.ConstTensor;
import org.bnn4j.format.onnx.OnnxTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bnn4j run}: ONNX TensorProto files in, one output_K.pb per graph output out. */
@Command(
    name = "run",
    description = {
      "Runs a model on inputs stored as serialized ONNX TensorProto files (as in ONNX's",
      "test_data_set_0/input_0.pb) and writes <dir>/output_0.pb, output_1.pb, ... one per",
      "graph output in graph order, as float32 TensorProto."
    })
final class RunCommand extends Subcommand {
  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = ModelSource.MODEL_HELP)
  String model;

  @Option(names = "--input", paramLabel = "INPUT_K.pb",
      description = "One TensorProto file per graph input, in graph input order.")
  List<Path> inputs = new ArrayList<>();

  @Option(names = "--output-dir", required = true, paramLabel = "DIR",
      description = "Folder for output_K.pb files; created if missing.")
  Path outputDir;

  @Override
  public Integer call() throws IOException {
    String warning = ModelSource.scalarWarning();
    if (warning != null) {
      spec.commandLine().getErr().println(warning);
    }
    try (Model m = ModelSource.open(model)) {
      List<String> names = m.inputNames();
      if (inputs.size() != names.size()) {
        throw new InvalidInputException("model takes " + names.size() + " input(s) " + names
            + ", got " + inputs.size() + " --input file(s)");
      }
      Map<String, Tensor> feed = new LinkedHashMap<>();
      for (int i = 0; i < inputs.size(); i++) {
        ConstTensor t = OnnxTensors.readTensorProtoFile(inputs.get(i), Limits.DEFAULT);
        if (t.type() != org.bnn4j.format.graph.ElementType.FLOAT32) {
          throw new InvalidInputException("input '" + names.get(i) + "' from " + inputs.get(i)
              + " has type " + t.type() + ", expected float32");
        }
        feed.put(names.get(i), Tensor.of(t.floats(), t.dims()));
      }
      Map<String, Tensor> results;
      try (Session s = m.newSession()) {
        results = s.run(feed);
      }
      try {
        Files.createDirectories(outputDir);
      } catch (IOException e) {
        throw new Bnn4jCli.CliException("cannot create output folder " + outputDir + ": " + e);
      }
      int k = 0;
      for (Map.Entry<String, Tensor> e : results.entrySet()) {
        Tensor t = e.getValue();
        Path file = outputDir.resolve("output_" + k + ".pb");
        Files.write(file,
            OnnxTensors.toTensorProto(e.getKey(), t.shape(), t.toFloatArray()).toByteArray());
        spec.commandLine().getOut().println("wrote " + file + ": '" + e.getKey() + "' float"
            + java.util.Arrays.toString(t.shape()));
        k++;
      }
    }
    return 0;
  }
}
