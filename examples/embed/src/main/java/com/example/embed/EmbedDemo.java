package com.example.embed;

import com.google.protobuf.ByteString;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;

/**
 * Loads a model once, then classifies each image on its own thread, one session per thread, the
 * way a server's request threads would. Prints which protobuf-java the application itself sees,
 * then one line per image: the file name and the predicted class index.
 *
 * <p>Usage: {@code EmbedDemo MODEL IMAGE...}
 */
public final class EmbedDemo {
  private EmbedDemo() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: EmbedDemo MODEL IMAGE...");
      System.exit(2);
    }
    System.out.println("protobuf " + protobufSeenByTheApplication());
    List<Path> images = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      images.add(Path.of(args[i]));
    }
    try (Model model = Model.load(Path.of(args[0]))) {
      String input = model.inputNames().get(0);
      int[] shape = model.inputShape(input);
      ExecutorService threads = Executors.newFixedThreadPool(images.size());
      try {
        List<Future<Integer>> labels = new ArrayList<>();
        for (Path image : images) {
          labels.add(threads.submit(() -> {
            // One session per thread; one intra-op thread each, since the request threads
            // already keep the cores busy.
            try (Session session = model.newSession(SessionOptions.defaults().withThreads(1))) {
              return argmax(session.run(toTensor(image, shape)).toFloatArray());
            }
          }));
        }
        for (int i = 0; i < images.size(); i++) {
          System.out.println(images.get(i).getFileName() + " " + labels.get(i).get());
        }
      } finally {
        threads.shutdown();
      }
    }
  }

  /**
   * The application's own protobuf: its module and version, and whether it has {@code
   * RuntimeVersion} (protobuf-java 4.26 and later do, 3.x does not).
   */
  static String protobufSeenByTheApplication() {
    ByteString probe = ByteString.copyFromUtf8("bnn4j");
    String runtimeVersion;
    try {
      Class.forName("com.google.protobuf.RuntimeVersion");
      runtimeVersion = "present";
    } catch (ClassNotFoundException e) {
      runtimeVersion = "absent";
    }
    Module module = ByteString.class.getModule();
    String where = module.isNamed() ? module.getDescriptor().toNameAndVersion() : "class path";
    return where + " RuntimeVersion=" + runtimeVersion + " bytes=" + probe.size();
  }

  static int argmax(float[] scores) {
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
      }
    }
    return best;
  }

  // ---- Image to tensor: the ONE place to switch to bnn4j's preprocessing API. -----------------
  // Today's org.bnn4j.image.ImageInput takes the model's protobuf InputSpec, which is internal to
  // module org.bnn4j, so this demo does what the bundled MNIST model's spec says by hand:
  // greyscale, bilinear resize with half-pixel centres to the input's H x W, /255, then
  // (x - 0.1307) / 0.3081.
  private static final float MEAN = 0.1307f;
  private static final float STD = 0.3081f;

  static Tensor toTensor(Path file, int[] shape) throws IOException {
    BufferedImage img = ImageIO.read(file.toFile());
    if (img == null) {
      throw new IOException(file + ": not an image ImageIO can read");
    }
    int sw = img.getWidth();
    int sh = img.getHeight();
    float[] grey = new float[sw * sh];
    Raster raster = img.getRaster();
    boolean greyImage = img.getColorModel().getNumColorComponents() == 1
        && img.getType() == BufferedImage.TYPE_BYTE_GRAY;
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < sw; x++) {
        if (greyImage) {
          grey[y * sw + x] = raster.getSample(x, y, 0);
        } else {
          int p = img.getRGB(x, y);
          grey[y * sw + x] = 0.299f * ((p >> 16) & 0xff) + 0.587f * ((p >> 8) & 0xff)
              + 0.114f * (p & 0xff);
        }
      }
    }
    int dh = shape[2];
    int dw = shape[3];
    float[] out = new float[dh * dw];
    for (int y = 0; y < dh; y++) {
      double fy = Math.clamp((y + 0.5) * sh / dh - 0.5, 0, sh - 1);
      int y0 = (int) fy;
      int y1 = Math.min(y0 + 1, sh - 1);
      double wy = fy - y0;
      for (int x = 0; x < dw; x++) {
        double fx = Math.clamp((x + 0.5) * sw / dw - 0.5, 0, sw - 1);
        int x0 = (int) fx;
        int x1 = Math.min(x0 + 1, sw - 1);
        double wx = fx - x0;
        double top = grey[y0 * sw + x0] * (1 - wx) + grey[y0 * sw + x1] * wx;
        double bottom = grey[y1 * sw + x0] * (1 - wx) + grey[y1 * sw + x1] * wx;
        float v = (float) (top * (1 - wy) + bottom * wy);
        out[y * dw + x] = (v / 255f - MEAN) / STD;
      }
    }
    return Tensor.of(out, 1, 1, dh, dw);
  }
}
