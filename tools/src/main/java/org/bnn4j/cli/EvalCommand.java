package org.bnn4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bnn4j.InvalidInputException;
import org.bnn4j.InputSpec;
import org.bnn4j.Model;
import org.bnn4j.Predictions;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.image.ImageInput;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bnn4j eval}: accuracy, throughput and a confusion matrix over a labelled set. */
@Command(
    name = "eval",
    description = {
      "Evaluates a classifier on labelled images: top-1 and top-5 accuracy, images per second",
      "and a confusion matrix. Images come from MNIST-style IDX files or from a folder with",
      "one subfolder per class (named after the class's label or index)."
    })
final class EvalCommand extends Subcommand {
  @Mixin ClassifierOptions classifier;

  static final class Source {
    @Option(names = "--idx", arity = "2", paramLabel = "FILE",
        description = "IDX images and labels files (may be .gz).")
    List<Path> idx;

    @Option(names = "--dir", paramLabel = "FOLDER",
        description = "A folder with one subfolder of images per class.")
    Path dir;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--range", paramLabel = "FROM:TO",
      description = "Only IDX images FROM (inclusive) to TO (exclusive), e.g. 8000:10000.")
  String range;

  @Option(names = "--compare-outputs", paramLabel = "DIR",
      description = "Folder with logits.f32 (or logits.f32.gz): reference outputs (little-endian"
          + " float32, one row per image in evaluation order) to check agreement against.")
  Path compareOutputs;

  @Option(names = "--tolerance", paramLabel = "REL", defaultValue = "1e-4",
      description = "With --compare-outputs: largest allowed logit difference, relative to the"
          + " row's largest |logit| (default: ${DEFAULT-VALUE}).")
  double tolerance;

  @Option(names = "--no-progress", description = "Do not draw the progress bar on stderr.")
  boolean noProgress;

  /** One labelled example, decoded lazily. */
  private interface Example {
    Tensor tensor(InputSpec spec) throws IOException;

    int label();
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    require(tolerance >= 0 && !Double.isInfinite(tolerance),
        "--tolerance must be a finite number >= 0, found " + tolerance);
    try (Model m = classifier.open(spec.commandLine().getErr())) {
      if (m.inputNames().size() != 1 || m.outputNames().size() != 1) {
        throw new InvalidInputException("eval needs a model with one image input and one output;"
            + " this one has inputs " + m.inputNames() + " and outputs " + m.outputNames());
      }
      InputSpec inSpec = m.inputSpec(m.inputNames().get(0));
      int classes = m.outputShape(m.outputNames().get(0))[1];
      List<String> names = classifier.labels(m, classes);
      List<Example> examples = source.idx != null ? idxExamples() : dirExamples(names);
      float[] reference = compareOutputs == null ? null : referenceLogits(examples.size(),
          classes);

      int[][] confusion = new int[classes][classes];
      int top1 = 0;
      int top5 = 0;
      int agree = 0;
      int withinTolerance = 0;
      int worstRow = -1;
      double worstRel = 0;
      long nanos = 0;
      SessionOptions opts = classifier.sessionOptions();
      try (Session s = m.newSession(opts);
           ProgressBar bar = noProgress ? null : new ProgressBarBuilder().setTaskName("eval")
               .setInitialMax(examples.size()).setStyle(ProgressBarStyle.ASCII)
               .setConsumer(new me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer(
                   System.err)).setUpdateIntervalMillis(250).build()) {
        for (int i = 0; i < examples.size(); i++) {
          Example e = examples.get(i);
          Tensor x = e.tensor(inSpec);
          long t0 = System.nanoTime();
          float[] logits = s.run(x).toFloatArray();
          nanos += System.nanoTime() - t0;
          int[] best = Predictions.topIndices(logits, Math.min(5, classes));
          int label = e.label();
          if (label >= classes) {
            throw new InvalidInputException("example " + i + " has label " + label
                + ", the model has " + classes + " classes");
          }
          confusion[label][best[0]]++;
          top1 += best[0] == label ? 1 : 0;
          for (int b : best) {
            top5 += b == label ? 1 : 0;
          }
          if (reference != null) {
            float[] ref = java.util.Arrays.copyOfRange(reference, i * classes, (i + 1) * classes);
            agree += Predictions.topIndices(ref, 1)[0] == best[0] ? 1 : 0;
            float scale = 0;
            for (float v : ref) {
              scale = Math.max(scale, Math.abs(v));
            }
            double rowRel = 0;
            for (int c = 0; c < classes; c++) {
              rowRel = Math.max(rowRel, Math.abs(logits[c] - ref[c]) / Math.max(scale, 1e-30));
            }
            withinTolerance += rowRel <= tolerance ? 1 : 0;
            if (rowRel > worstRel || worstRow < 0) {
              worstRel = rowRel;
              worstRow = i;
            }
          }
          if (bar != null) {
            bar.step();
          }
        }
      }
      int n = examples.size();
      out.printf("images:      %d%n", n);
      out.printf("top-1:       %.2f%% (%d)%n", 100.0 * top1 / n, top1);
      out.printf("top-5:       %.2f%% (%d)%n", 100.0 * top5 / n, top5);
      out.printf("throughput:  %.0f images/s (inference only, %d thread(s))%n",
          n / (nanos / 1e9), opts.threads());
      out.println();
      out.println("confusion matrix (rows: true label, columns: predicted)");
      printConfusion(out, confusion, names);
      if (reference != null) {
        out.println();
        out.printf("reference:   top-1 agrees on %d of %d; logits within %.1e on %d of %d;"
            + " largest logit difference %.2e of the row's largest |logit| (example %d)%n",
            agree, n, tolerance, withinTolerance, n, worstRel, worstRow);
        if (agree != n || withinTolerance != n) {
          out.flush();
          throw new InvalidInputException((n - agree) + " of " + n + " predictions disagree and "
              + (n - withinTolerance) + " of " + n + " logit rows differ by more than "
              + tolerance + " from the reference outputs in " + compareOutputs);
        }
      }
      out.flush();
    }
    return 0;
  }

  private static void printConfusion(PrintWriter out, int[][] m, List<String> names) {
    int w = 5;
    for (String s : names) {
      w = Math.max(w, s.length() + 1);
    }
    StringBuilder head = new StringBuilder(String.format("%" + w + "s", ""));
    for (String s : names) {
      head.append(String.format("%" + w + "s", s));
    }
    out.println(head);
    for (int r = 0; r < m.length; r++) {
      StringBuilder row = new StringBuilder(String.format("%" + w + "s", names.get(r)));
      for (int c = 0; c < m.length; c++) {
        row.append(String.format("%" + w + "d", m[r][c]));
      }
      out.println(row);
    }
  }

  private List<Example> idxExamples() throws IOException {
    IdxDataset d = IdxDataset.read(source.idx.get(0), source.idx.get(1));
    int from = 0;
    int to = d.count();
    if (range != null) {
      String[] p = range.split(":", -1);
      try {
        from = p[0].isEmpty() ? 0 : Integer.parseInt(p[0]);
        to = p.length < 2 || p[1].isEmpty() ? d.count() : Integer.parseInt(p[1]);
      } catch (NumberFormatException e) {
        throw usageError("--range must be FROM:TO, found " + range);
      }
      require(p.length == 2 && from >= 0 && to <= d.count() && from < to,
          "--range " + range + " is not within 0:" + d.count());
    }
    List<Example> out = new ArrayList<>();
    int size = d.rows() * d.cols();
    for (int i = from; i < to; i++) {
      int index = i;
      out.add(new Example() {
        @Override
        public Tensor tensor(InputSpec spec) throws IOException {
          BufferedImage img = new BufferedImage(d.cols(), d.rows(), BufferedImage.TYPE_BYTE_GRAY);
          img.getRaster().setDataElements(0, 0, d.cols(), d.rows(),
              java.util.Arrays.copyOfRange(d.pixels(), index * size, (index + 1) * size));
          // Through PNG, so IDX images take the path a user's image file takes, except that IDX
          // rows are already MNIST-made (28x28, centred, white on black): the model's background
          // and fit are not applied, so the figures match the trainer's.
          java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
          javax.imageio.ImageIO.write(img, "png", png);
          return ImageInput.load(png.toByteArray(), "image " + index,
              spec.withBackground(InputSpec.Background.UNSPECIFIED)
                  .withFit(InputSpec.Fit.STRETCH), org.bnn4j.image.ImageLimits.DEFAULT);
        }

        @Override
        public int label() {
          return d.label(index);
        }
      });
    }
    return out;
  }

  private List<Example> dirExamples(List<String> names) throws IOException {
    if (!Files.isDirectory(source.dir)) {
      throw new InvalidInputException(source.dir + " is not a folder");
    }
    List<Example> out = new ArrayList<>();
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(source.dir)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    }
    for (Path c : classDirs) {
      String name = c.getFileName().toString();
      int label = names.indexOf(name);
      if (label < 0) {
        throw new InvalidInputException("folder " + c + " names no class; expected one of "
            + names);
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(c)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        out.add(new Example() {
          @Override
          public Tensor tensor(InputSpec spec) {
            return ImageInput.load(f, spec);
          }

          @Override
          public int label() {
            return label;
          }
        });
      }
    }
    if (out.isEmpty()) {
      throw new InvalidInputException(source.dir + " holds no images in class subfolders");
    }
    return out;
  }

  /**
   * {@code DIR/logits.f32}, or its gzip {@code DIR/logits.f32.gz} when only that exists: rows x
   * classes little-endian float32. The size is checked before anything is allocated for it.
   */
  private float[] referenceLogits(int rows, int classes) throws IOException {
    Path f = compareOutputs.resolve("logits.f32");
    long expected = 4L * rows * classes;
    if (expected > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException(rows + " images of " + classes
          + " logits are too many to compare");
    }
    byte[] bytes;
    if (!Files.exists(f) && Files.exists(compareOutputs.resolve("logits.f32.gz"))) {
      f = compareOutputs.resolve("logits.f32.gz");
      try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
        bytes = in.readNBytes((int) expected + 1);
      } catch (java.util.zip.ZipException e) {
        throw new InvalidInputException(f + " is not a valid gzip file: " + e.getMessage());
      }
      if (bytes.length != expected) {
        throw new InvalidInputException(f + " holds " + (bytes.length > expected ? "more than "
            + expected : bytes.length) + " bytes; " + rows + " images of " + classes
            + " float32 logits need " + expected);
      }
    } else {
      long size = Files.size(f);
      if (size != expected) {
        throw new InvalidInputException(f + " is " + size + " bytes; " + rows + " images of "
            + classes + " float32 logits need " + expected);
      }
      bytes = Files.readAllBytes(f);
    }
    float[] v = new float[rows * classes];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return v;
  }
}
