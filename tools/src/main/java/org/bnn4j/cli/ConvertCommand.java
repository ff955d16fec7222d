package org.bnn4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.convert.Converter;
import org.bnn4j.format.GraphValidator;
import org.bnn4j.format.Limits;
import org.bnn4j.format.ModelCodec;
import org.bnn4j.format.ModelFile;
import org.bnn4j.format.ModelStats;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.format.graph.GraphMetadata;
import org.bnn4j.format.graph.GraphMetadata.InputSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bnn4j convert}: ONNX in, .bnn out, written atomically. A .bnn in keeps its graph as it
 * is and gets the metadata options applied, for changing what a model file says about its
 * inputs without the ONNX model it came from.
 */
@Command(
    name = "convert",
    description = {
      "Converts an ONNX model into a .bnn model, lowering binary patterns to bit ops.",
      "Given a .bnn model, keeps its graph and rewrites the metadata the options name."
    })
final class ConvertCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "MODEL",
      description = "The ONNX model to convert, or a .bnn model whose metadata to rewrite.")
  Path input;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "MODEL.bnn",
      description = "Where to write the .bnn model.")
  Path output;

  @Option(names = "--name", paramLabel = "NAME", description = "Model name stored in the file.")
  String name;

  @Option(names = "--labels", paramLabel = "FILE",
      description = "Class labels, one per line, stored in the file for output 0.")
  Path labels;

  @Option(names = "--mean", split = ",", paramLabel = "M",
      description = "Per-channel mean for image preprocessing, e.g. 0.1307 or 0.485,0.456,0.406.")
  float[] mean;

  @Option(names = "--std", split = ",", paramLabel = "S",
      description = "Per-channel std for image preprocessing.")
  float[] std;

  @Option(names = "--pixel-scale", paramLabel = "F",
      description = "Factor taking raw pixels to the range mean and std refer to (default 1/255).")
  Float pixelScale;

  /**
   * The colour modes a user can ask for: the stored ones but UNSPECIFIED, under the same names
   * (as {@link Background} and {@link Fit}), so that {@link #stored} maps them by name.
   */
  enum Color { GRAYSCALE, RGB, BGR }

  @Option(names = "--color", paramLabel = "MODE",
      description = "Colour mode of image input 0: ${COMPLETION-CANDIDATES}.")
  Color color;

  /** The backgrounds a user can name. */
  enum Background { DARK, LIGHT }

  @Option(names = "--background", paramLabel = "BG",
      description = "Background of the images the model was trained on (MNIST: dark): ${"
          + "COMPLETION-CANDIDATES}. Preprocessing then inverts an image whose own background,"
          + " judged from its border, is the other one. Omitted: never inverts.")
  Background background;

  /** The fits a user can name. */
  enum Fit { STRETCH, PAD, MNIST }

  @Option(names = "--fit", paramLabel = "FIT",
      description = "How an image is brought to the input size: stretch (bilinear resize, the"
          + " default), pad (keep the aspect ratio, centre, pad with the background) or mnist"
          + " (crop to the ink, fit into 20x20, centre by mass in 28x28, as MNIST was made).")
  Fit fit;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(output) && Files.isSameFile(input, output)) {
      throw new Bnn4jCli.CliException("refusing to overwrite the input model " + input
          + "; choose another -o");
    }
    byte[] source = ModelFile.readBounded(input, Limits.DEFAULT);
    PrintWriter out = spec.commandLine().getOut();
    Graph graph;
    if (ModelFile.hasMagic(source)) {
      graph = ModelCodec.fromModel(ModelFile.parse(source, Limits.DEFAULT), Limits.DEFAULT);
      GraphValidator.validate(graph, Limits.DEFAULT);
      out.println("read a .bnn model: graph kept as it is, metadata rewritten");
    } else {
      Converter.Result r = Converter.convert(source, Limits.DEFAULT);
      graph = r.graph();
      for (String line : r.log()) {
        out.println(line);
      }
    }
    graph.setMetadata(withUserMetadata(graph.metadata()));
    byte[] bnn = ModelCodec.encode(graph);
    ModelFile.writeBytes(bnn, output);
    ModelStats.Totals t = ModelStats.of(graph).totals();
    out.printf("wrote %s: %d ops (%d binary), %,d bytes (%s %,d bytes)%n", output,
        graph.nodes().size(), t.binaryOps(), bnn.length,
        ModelFile.hasMagic(source) ? "input .bnn" : "ONNX", source.length);
    return 0;
  }

  private GraphMetadata withUserMetadata(GraphMetadata meta) throws IOException {
    List<String> newLabels = meta.labels();
    if (labels != null) {
      newLabels = new ArrayList<>();
      for (String line : Files.readAllLines(labels)) {
        if (!line.isBlank()) {
          newLabels.add(line.strip());
        }
      }
    }
    List<InputSpec> inputs = meta.inputs();
    if (mean != null || std != null || pixelScale != null || color != null || background != null
        || fit != null) {
      if (inputs.isEmpty()) {
        throw new Bnn4jCli.CliException("the model declares no input to attach preprocessing to");
      }
      inputs = new ArrayList<>(inputs);
      inputs.set(0, withUserPreprocessing(inputs.get(0)));
    }
    return new GraphMetadata(name != null ? name : meta.name(), meta.producer(),
        meta.sourceSha256(), meta.sourceOpset(), inputs, newLabels, meta.notes());
  }

  private InputSpec withUserPreprocessing(InputSpec in) {
    List<Long> shape = in.shape();
    int channels = shape.size() > 1 ? (int) (long) shape.get(1) : 1;
    List<Float> newMean = in.mean();
    if (mean != null) {
      checkChannels("--mean", mean, channels);
      newMean = boxed(mean);
    }
    List<Float> newStd = in.std();
    if (std != null) {
      checkChannels("--std", std, channels);
      for (float v : std) {
        if (!(v > 0f)) {
          throw new Bnn4jCli.CliException("--std values must be positive, found " + v);
        }
      }
      newStd = boxed(std);
    }
    GraphMetadata.ColorMode newColor = in.colorMode();
    if (color != null) {
      int want = color == Color.GRAYSCALE ? 1 : 3;
      if (shape.size() != 4 || channels != want) {
        throw new Bnn4jCli.CliException("--color " + color + " needs an input of shape [N, "
            + want + ", H, W]; this model's input 0 has shape " + shape);
      }
      newColor = stored(GraphMetadata.ColorMode.class, color);
    }
    GraphMetadata.Fit newFit = in.fit();
    if (fit != null) {
      if (shape.size() != 4) {
        throw new Bnn4jCli.CliException("--fit needs an image input of shape [N, C, H, W];"
            + " this model's input 0 has shape " + shape);
      }
      newFit = stored(GraphMetadata.Fit.class, fit);
    }
    return new InputSpec(in.name(), shape, GraphMetadata.Layout.NCHW, newColor, newMean, newStd,
        pixelScale != null ? pixelScale : in.pixelScale(),
        background != null ? stored(GraphMetadata.Background.class, background)
            : in.background(), newFit);
  }

  /** The stored value a user's choice names. */
  private static <E extends Enum<E>> E stored(Class<E> type, Enum<?> choice) {
    return Enum.valueOf(type, choice.name());
  }

  private static List<Float> boxed(float[] values) {
    List<Float> out = new ArrayList<>();
    for (float v : values) {
      out.add(v);
    }
    return out;
  }

  private static void checkChannels(String option, float[] v, int channels) {
    if (v.length != 1 && v.length != channels) {
      throw new Bnn4jCli.CliException(option + " has " + v.length + " values; the input has "
          + channels + " channel(s), so give 1 or " + channels);
    }
  }
}
