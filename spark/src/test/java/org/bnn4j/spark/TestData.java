package org.bnn4j.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.bnn4j.cli.Bnn4jCli;

/** Test inputs (MNIST digits as PNG files) and the reference answers of {@code bnn4j classify}. */
final class TestData {
  static final Path ROOT = Path.of(System.getProperty("bnn4j.root", ".."));
  static final Path MODEL = ROOT.resolve("tools/src/main/resources/models/mnist-ws.bnn");
  static final Path MNIST = Path.of(System.getProperty("bnn4j.shared", "../shared"),
      "datasets", "mnist");

  private TestData() {}

  /** One of classify's answers: the top-k labels with their scores, best first. */
  record Prediction(List<String> labels, List<Float> scores) {
    String label() {
      return labels.get(0);
    }
  }

  /**
   * Writes MNIST t10k digits {@code from} (inclusive) to {@code to} as 28x28 grey PNGs into
   * {@code dir/LABEL/NNNNN.png} (one folder per class, as {@code bnn4j eval --dir} reads).
   *
   * @return the true label of each file, by file name
   */
  static Map<String, Integer> writeMnistPngs(Path dir, int from, int to) throws IOException {
    Map<String, Integer> truth = new HashMap<>();
    try (DataInputStream images = gz(MNIST.resolve("t10k-images-idx3-ubyte.gz"));
         DataInputStream labels = gz(MNIST.resolve("t10k-labels-idx1-ubyte.gz"))) {
      if (images.readInt() != 0x803 || labels.readInt() != 0x801) {
        throw new IOException("not MNIST IDX files in " + MNIST);
      }
      int n = images.readInt();
      int rows = images.readInt();
      int cols = images.readInt();
      labels.readInt();
      byte[] pixels = new byte[rows * cols];
      for (int i = 0; i < Math.min(to, n); i++) {
        images.readFully(pixels);
        int label = labels.readUnsignedByte();
        if (i < from) {
          continue;
        }
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, cols, rows, pixels);
        Path classDir = Files.createDirectories(dir.resolve(Integer.toString(label)));
        String name = String.format("%05d.png", i);
        ImageIO.write(img, "png", classDir.resolve(name).toFile());
        truth.put(name, label);
      }
    }
    return truth;
  }

  private static DataInputStream gz(Path p) throws IOException {
    InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16);
    return new DataInputStream(in);
  }

  /** Runs {@code bnn4j classify --json --top K --model MODEL files...}, keyed by file name. */
  static Map<String, Prediction> classify(List<Path> files, int top) {
    List<String> args = new ArrayList<>(List.of("classify", "--json", "--top",
        Integer.toString(top), "--model", MODEL.toString()));
    for (Path f : files) {
      args.add(f.toString());
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Bnn4jCli.execute(args.toArray(String[]::new), new PrintWriter(out),
        new PrintWriter(err));
    if (code != 0) {
      throw new AssertionError("bnn4j classify failed (" + code + "): " + err);
    }
    Map<String, Prediction> byName = new HashMap<>();
    for (JsonElement r : JsonParser.parseString(out.toString()).getAsJsonObject()
        .getAsJsonArray("results")) {
      JsonObject o = r.getAsJsonObject();
      List<String> labels = new ArrayList<>();
      List<Float> scores = new ArrayList<>();
      for (JsonElement t : o.getAsJsonArray("top")) {
        labels.add(t.getAsJsonObject().get("label").getAsString());
        scores.add(t.getAsJsonObject().get("score").getAsFloat());
      }
      byName.put(Path.of(o.get("image").getAsString()).getFileName().toString(),
          new Prediction(labels, scores));
    }
    return byName;
  }

  /** The file name at the end of a Spark path such as {@code file:/tmp/x/7/08000.png}. */
  static String fileName(String sparkPath) {
    return sparkPath.substring(sparkPath.lastIndexOf('/') + 1);
  }
}
