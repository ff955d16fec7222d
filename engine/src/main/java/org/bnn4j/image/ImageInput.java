package org.bnn4j.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.bnn4j.InputSpec;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Tensor;

/**
 * Turns an image file into the float tensor a model input expects, as the input's {@link
 * InputSpec} describes: decode (PNG, JPEG, BMP or GIF, with {@code javax.imageio} only), convert
 * to the spec's colour mode, invert when the background is the wrong one, fit to the input's
 * height and width, scale and normalise. {@code bnn4j classify}, {@code bnn4j eval} on image
 * folders and applications all use this one path.
 *
 * <pre>{@code
 * InputSpec spec = model.inputSpec(model.inputNames().get(0));
 * Tensor x = ImageInput.load(Path.of("digit.png"), spec);
 * }</pre>
 *
 * <ul>
 *   <li><b>Pixel limit.</b> The width and height are read from the image header before any pixel
 *       is decoded; an image with more than {@link ImageLimits#maxImagePixels()} pixels is
 *       refused, so a small file that claims to be huge (a decompression bomb) never allocates
 *       its pixels.
 *   <li><b>Colour.</b> GRAYSCALE gives one channel, the luma {@code 0.299 R + 0.587 G + 0.114
 *       B} (a grey image's own samples are used as they are); RGB and BGR give three channels
 *       in that order (a grey image is repeated). When the spec leaves the colour mode
 *       unspecified, one channel means GRAYSCALE and three mean RGB. Alpha is dropped, not
 *       composited. 16-bit samples are brought to the 0..255 range.
 *   <li><b>Background.</b> When the spec names the background the model was trained on
 *       ({@link InputSpec.Background#DARK} for MNIST), the image's own background is judged from
 *       its border: the median of the outermost ring of pixels (first and last row and column)
 *       of the grey image (the mean of the channels for colour) is light when it is at least
 *       128 of 255, else dark. When the two differ, every sample {@code v} becomes {@code 255 -
 *       v}, so a digit drawn black on white reaches an MNIST model white on black.
 *   <li><b>Fit.</b> {@link InputSpec.Fit#STRETCH}: bilinear resize with half-pixel centres to
 *       exactly the input size: output pixel {@code (x, y)} samples the source at {@code ((x +
 *       0.5) * srcW / dstW - 0.5, (y + 0.5) * srcH / dstH - 0.5)}, clamped to the image, as
 *       OpenCV's {@code INTER_LINEAR} and PyTorch's {@code interpolate(mode="bilinear",
 *       align_corners=False)} do; same-size input is copied exactly; no anti-aliasing, so
 *       shrinking by more than 2x can alias. {@link InputSpec.Fit#PAD}: scaled to fit keeping
 *       the aspect ratio (box-filter averaging when shrinking, bilinear when growing), centred,
 *       the rest filled with the image's own background (its border median per channel, after
 *       any inversion), so the seam does not show. {@link InputSpec.Fit#MNIST}: as LeCun's MNIST was made, on the ink (how
 *       far a pixel's grey level is beyond the border median, stretched so the strongest ink is
 *       255, as MNIST's bilevel scans had it; every channel gets the same grey glyph): crop to
 *       the bounding box of the ink (pixels with at least a fifth of the strongest ink), scale it to fit a 20x20 box keeping the aspect ratio (anti-aliased
 *       by box-filter averaging when shrinking), and place it on a 28x28 background so that its
 *       centre of mass is at pixel (14, 14), with an integer shift (other input sizes scale the
 *       20 and the centre).
 *   <li><b>Normalise.</b> {@code (v * pixelScale - mean[c]) / std[c]} where {@code v} is the
 *       0..255 sample, and mean and std default to 0 and 1; a single mean or std value applies
 *       to every channel.
 * </ul>
 *
 * <p>Every failure (not an image, an unsupported format, a truncated or corrupt file, an image
 * over the pixel limit, a spec that does not describe an image input) is an {@link
 * InvalidInputException} whose one-line message says what was expected and what was found.
 */
public final class ImageInput {
  private static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif");
  private static final String EXPECTED = "a PNG, JPEG, BMP or GIF image";

  private ImageInput() {}

  /**
   * As {@link #load(Path, InputSpec, ImageLimits)} with {@link ImageLimits#DEFAULT}.
   *
   * @param path the image file
   * @param spec the model input it is for
   * @return a new [1, C, H, W] tensor
   */
  public static Tensor load(Path path, InputSpec spec) {
    return load(path, spec, ImageLimits.DEFAULT);
  }

  /**
   * Reads, decodes and preprocesses an image file; see the class comment.
   *
   * @param path the image file
   * @param spec the model input it is for
   * @param limits the file size and pixel limits
   * @return a new [1, C, H, W] tensor, with C, H and W from {@code spec.shape}
   * @throws InvalidInputException when the file cannot be read or is not an image the spec fits
   */
  public static Tensor load(Path path, InputSpec spec, ImageLimits limits) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(limits, "limits");
    String name = String.valueOf(path.getFileName());
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > limits.maxFileBytes()) {
        throw new InvalidInputException(name + " is " + size + " bytes, over the limit of "
            + limits.maxFileBytes() + " (maxFileBytes)");
      }
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw invalid("cannot read image " + path + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    }
    return load(bytes, name, spec, limits);
  }

  /**
   * As {@link #load(byte[], InputSpec, ImageLimits)} with {@link ImageLimits#DEFAULT}.
   *
   * @param bytes the image file's content
   * @param spec the model input it is for
   * @return a new [1, C, H, W] tensor
   */
  public static Tensor load(byte[] bytes, InputSpec spec) {
    return load(bytes, "image", spec, ImageLimits.DEFAULT);
  }

  /**
   * Decodes and preprocesses an image held in memory; see the class comment.
   *
   * @param bytes the image file's content
   * @param spec the model input it is for
   * @param limits the file size and pixel limits
   * @return a new [1, C, H, W] tensor, with C, H and W from {@code spec.shape}
   * @throws InvalidInputException when the bytes are not an image the spec fits
   */
  public static Tensor load(byte[] bytes, InputSpec spec, ImageLimits limits) {
    return load(bytes, "image", spec, limits);
  }

  /**
   * As {@link #load(byte[], InputSpec, ImageLimits)}, naming the image {@code name} in errors.
   *
   * @param bytes the image file's content
   * @param name what error messages call the image
   * @param spec the model input it is for
   * @param limits the file size and pixel limits
   * @return a new [1, C, H, W] tensor
   * @throws InvalidInputException when the bytes are not an image the spec fits
   */
  public static Tensor load(byte[] bytes, String name, InputSpec spec, ImageLimits limits) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(limits, "limits");
    Target t = Target.of(spec, limits);
    if (bytes.length > limits.maxFileBytes()) {
      throw new InvalidInputException(name + " is " + bytes.length + " bytes, over the limit of "
          + limits.maxFileBytes() + " (maxFileBytes)");
    }
    Decoded d = decode(bytes, name, t.gray, limits);
    return preprocess(d, t);
  }

  /**
   * Preprocesses an image already decoded, for applications that decode themselves; see the
   * class comment (everything but decoding applies).
   *
   * @return a new [1, C, H, W] tensor, with C, H and W from {@code spec.shape}
   * @param image the decoded image
   * @param spec the model input it is for
   * @param limits the pixel limit (the file-size limit does not apply)
   * @throws InvalidInputException when the spec does not describe an image input or the image
   *     is over the pixel limit
   */
  public static Tensor fromImage(BufferedImage image, InputSpec spec, ImageLimits limits) {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(limits, "limits");
    Target t = Target.of(spec, limits);
    if ((long) image.getWidth() * image.getHeight() > limits.maxImagePixels()) {
      throw new InvalidInputException("image is " + image.getWidth() + "x" + image.getHeight()
          + " pixels, over the limit of " + limits.maxImagePixels() + " (maxImagePixels)");
    }
    return preprocess(new Decoded(samples(image, t.gray), image.getWidth(), image.getHeight()),
        t);
  }

  /** The model-side description of the wanted tensor, checked once. */
  private record Target(int channels, int height, int width, boolean gray, boolean bgr,
      float scale, float[] mean, float[] std, InputSpec.Background background,
      InputSpec.Fit fit, String input) {

    static Target of(InputSpec spec, ImageLimits limits) {
      String input = "input '" + spec.name() + "'";
      if (spec.layout() == InputSpec.Layout.NC) {
        throw new InvalidInputException(input + " has layout NC, expected NCHW for an image");
      }
      if (spec.shape().size() != 4) {
        throw new InvalidInputException(input + " has shape " + spec.shape()
            + ", expected [N, C, H, W] for an image");
      }
      long n = spec.shape().get(0);
      long c = spec.shape().get(1);
      long h = spec.shape().get(2);
      long w = spec.shape().get(3);
      if (n > 1) {
        throw new InvalidInputException(input + " has batch " + n + ", expected 1 for an image");
      }
      if (h <= 0 || w <= 0 || h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
        throw new InvalidInputException(input + " has shape " + spec.shape()
            + ", expected a positive static height and width");
      }
      if (h * w > limits.maxImagePixels()) {
        throw new InvalidInputException(input + " is " + w + "x" + h
            + " pixels, over the limit of " + limits.maxImagePixels() + " (maxImagePixels)");
      }
      InputSpec.ColorMode mode = spec.colorMode();
      if (mode == InputSpec.ColorMode.UNSPECIFIED) {
        if (c == 1) {
          mode = InputSpec.ColorMode.GRAYSCALE;
        } else if (c == 3) {
          mode = InputSpec.ColorMode.RGB;
        }
      }
      boolean gray = mode == InputSpec.ColorMode.GRAYSCALE;
      boolean color = mode == InputSpec.ColorMode.RGB || mode == InputSpec.ColorMode.BGR;
      if (!(gray && c == 1) && !(color && c == 3)) {
        throw new InvalidInputException(input + " has " + c + " channel(s) and colour mode "
            + spec.colorMode() + ", expected 1 channel for GRAYSCALE or 3 for RGB or BGR");
      }
      int ch = (int) c;
      float scale = spec.pixelScale();
      if (!Float.isFinite(scale) || scale == 0f) {
        throw new InvalidInputException(input + " has pixel_scale " + scale
            + ", expected a finite non-zero number");
      }
      float[] mean = perChannel(input, "mean", spec.mean(), ch, 0f);
      float[] std = perChannel(input, "std", spec.std(), ch, 1f);
      for (int i = 0; i < ch; i++) {
        if (!Float.isFinite(mean[i]) || !Float.isFinite(std[i]) || std[i] == 0f) {
          throw new InvalidInputException(input + " has mean " + spec.mean() + " and std "
              + spec.std() + ", expected finite values and a non-zero std");
        }
      }
      return new Target(ch, (int) h, (int) w, gray, mode == InputSpec.ColorMode.BGR, scale,
          mean, std, spec.background(), spec.fit(), input);
    }

    private static float[] perChannel(String input, String what, List<Float> values,
        int c, float dflt) {
      float[] out = new float[c];
      if (values.isEmpty()) {
        java.util.Arrays.fill(out, dflt);
      } else if (values.size() == 1) {
        java.util.Arrays.fill(out, values.get(0));
      } else if (values.size() == c) {
        for (int i = 0; i < c; i++) {
          out[i] = values.get(i);
        }
      } else {
        throw new InvalidInputException(input + " has " + values.size() + " " + what
            + " values, expected 1 or " + c + " (one per channel)");
      }
      return out;
    }
  }

  /** Decoded samples in 0..255, one plane per channel (1 grey or 3 RGB), row-major. */
  private record Decoded(float[][] planes, int width, int height) {}

  private static Decoded decode(byte[] bytes, String name, boolean gray,
      ImageLimits limits) {
    ImageReader reader = null;
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new InvalidInputException(name + ": not " + EXPECTED + " (" + bytes.length
            + " bytes, starting " + hex(bytes) + ")");
      }
      reader = readers.next();
      String format = reader.getFormatName().toLowerCase(Locale.ROOT);
      if (!FORMATS.contains(format)) {
        throw new InvalidInputException(name + ": is a " + format.toUpperCase(Locale.ROOT)
            + " image, expected " + EXPECTED);
      }
      if (format.equals("bmp")) {
        rejectEmbeddedBmp(bytes, name);
      }
      reader.setInput(in, true, true);
      int w = reader.getWidth(0);
      int h = reader.getHeight(0);
      if (w <= 0 || h <= 0) {
        throw new InvalidInputException(name + " is " + w + "x" + h
            + " pixels, expected a positive width and height");
      }
      if ((long) w * h > limits.maxImagePixels()) {
        throw new InvalidInputException(name + " is " + w + "x" + h + " pixels, over the limit of "
            + limits.maxImagePixels() + " (maxImagePixels)");
      }
      BufferedImage img = reader.read(0);
      if (img == null || img.getWidth() != w || img.getHeight() != h) {
        throw new InvalidInputException(name + ": decoder returned "
            + (img == null ? "no image" : img.getWidth() + "x" + img.getHeight() + " pixels")
            + ", the header says " + w + "x" + h);
      }
      return new Decoded(samples(img, gray), w, h);
    } catch (InvalidInputException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage();
      throw invalid(name + ": not a readable PNG, JPEG, BMP or GIF image (truncated or corrupt: "
          + e.getClass().getSimpleName() + (m == null ? "" : ": " + firstLine(m)) + ")", e);
    } finally {
      if (reader != null) {
        reader.dispose();
      }
    }
  }

  /**
   * Refuses a BMP whose pixels are an embedded JPEG or PNG (compression 4 or 5): the JDK's BMP
   * reader hands those to a second decoder through a temporary stream, which fuzzing found takes
   * seconds on a 246-byte file. Real BMP files do not use them.
   */
  private static void rejectEmbeddedBmp(byte[] b, String name) {
    if (b.length >= 34 && (b[14] & 0xff) >= 40) {
      int compression = (b[30] & 0xff) | (b[31] & 0xff) << 8 | (b[32] & 0xff) << 16
          | (b[33] & 0xff) << 24;
      if (compression == 4 || compression == 5) {
        throw new InvalidInputException(name + ": BMP with an embedded "
            + (compression == 4 ? "JPEG" : "PNG") + " (compression " + compression
            + ") is not supported, expected an uncompressed or RLE BMP");
      }
    }
  }

  /** 0..255 samples; a grey-only image keeps its own samples (no colour-space round trip). */
  private static float[][] samples(BufferedImage img, boolean gray) {
    int w = img.getWidth();
    int h = img.getHeight();
    int n = w * h;
    Raster raster = img.getRaster();
    boolean grayImage = img.getColorModel().getNumColorComponents() == 1
        && raster.getNumBands() <= 2 && img.getColorModel().getColorSpace().getType()
            == java.awt.color.ColorSpace.TYPE_GRAY
        && img.getType() != BufferedImage.TYPE_BYTE_BINARY
        && img.getType() != BufferedImage.TYPE_BYTE_INDEXED;
    if (grayImage) {
      int bits = img.getColorModel().getComponentSize(0);
      float max = (float) ((1L << bits) - 1);
      float[] g = new float[n];
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          g[y * w + x] = bits == 8 ? row[x] : row[x] * 255f / max;
        }
      }
      return gray ? new float[][] {g} : new float[][] {g, g.clone(), g.clone()};
    }
    int[] argb = new int[w];
    float[] r = new float[n];
    float[] gr = new float[n];
    float[] b = new float[n];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, argb, 0, w);
      for (int x = 0; x < w; x++) {
        int p = argb[x];
        r[y * w + x] = (p >> 16) & 0xff;
        gr[y * w + x] = (p >> 8) & 0xff;
        b[y * w + x] = p & 0xff;
      }
    }
    if (!gray) {
      return new float[][] {r, gr, b};
    }
    float[] luma = r;
    for (int i = 0; i < n; i++) {
      luma[i] = 0.299f * r[i] + 0.587f * gr[i] + 0.114f * b[i];
    }
    return new float[][] {luma};
  }

  private static Tensor preprocess(Decoded d, Target t) {
    int hw = t.height * t.width;
    float[][] planes = d.planes;
    int w = d.width;
    int h = d.height;
    // The image's background, per channel (the border median), and as one grey level.
    float[] border = new float[planes.length];
    float borderGray = 0f;
    for (int c = 0; c < planes.length; c++) {
      border[c] = ImageFit.borderMedian(planes[c], w, h);
      borderGray += border[c] / planes.length;
    }
    boolean lightImage = borderGray >= 128f;
    if (t.background != InputSpec.Background.UNSPECIFIED
        && lightImage != (t.background == InputSpec.Background.LIGHT)) {
      for (float[] p : planes) {
        for (int i = 0; i < p.length; i++) {
          p[i] = 255f - p[i];
        }
      }
      for (int c = 0; c < border.length; c++) {
        border[c] = 255f - border[c];
      }
      borderGray = 255f - borderGray;
      lightImage = !lightImage;
    }
    if (t.fit == InputSpec.Fit.PAD) {
      planes = ImageFit.pad(planes, w, h, t.width, t.height, border);
      w = t.width;
      h = t.height;
    } else if (t.fit == InputSpec.Fit.MNIST) {
      // Ink: how far each pixel is from the background, grey, stretched so the strongest is 255
      // (MNIST's glyphs were bilevel scans).
      float bgInk = lightImage ? 255f - borderGray : borderGray;
      float[] ink = new float[w * h];
      float max = 0f;
      for (int i = 0; i < ink.length; i++) {
        float v = 0f;
        for (float[] p : planes) {
          v += (lightImage ? 255f - p[i] : p[i]) / planes.length;
        }
        ink[i] = Math.max(0f, v - bgInk);
        max = Math.max(max, ink[i]);
      }
      if (max > 0f) {
        for (int i = 0; i < ink.length; i++) {
          ink[i] = ink[i] * (255f / max);
        }
      }
      float[] placed = ImageFit.mnist(new float[][] {ink}, ink, w, h, t.width, t.height,
          new float[] {0f})[0];
      if (lightImage) {
        for (int i = 0; i < placed.length; i++) {
          placed[i] = 255f - placed[i];
        }
      }
      planes = new float[planes.length][];
      for (int c = 0; c < planes.length; c++) {
        planes[c] = placed;
      }
      w = t.width;
      h = t.height;
    }
    float[] out = new float[t.channels * hw];
    for (int c = 0; c < t.channels; c++) {
      float[] src = planes[t.bgr ? 2 - c : c];
      resizeBilinear(src, w, h, out, c * hw, t.width, t.height);
      float mean = t.mean[c];
      float std = t.std[c];
      for (int i = c * hw; i < (c + 1) * hw; i++) {
        out[i] = (out[i] * t.scale - mean) / std;
      }
    }
    return Tensor.of(out, 1, t.channels, t.height, t.width);
  }

  /**
   * Bilinear resize with half-pixel centres (OpenCV INTER_LINEAR, PyTorch align_corners=False)
   * of a {@code sw x sh} plane into {@code dst[off ..]} as {@code dw x dh}.
   */
  static void resizeBilinear(float[] src, int sw, int sh, float[] dst, int off, int dw, int dh) {
    if (sw == dw && sh == dh) {
      System.arraycopy(src, 0, dst, off, sw * sh);
      return;
    }
    double sx = (double) sw / dw;
    double sy = (double) sh / dh;
    int[] x0 = new int[dw];
    int[] x1 = new int[dw];
    float[] fx = new float[dw];
    for (int x = 0; x < dw; x++) {
      double s = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      x0[x] = (int) s;
      x1[x] = Math.min(x0[x] + 1, sw - 1);
      fx[x] = (float) (s - x0[x]);
    }
    for (int y = 0; y < dh; y++) {
      double s = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
      int y0 = (int) s;
      int y1 = Math.min(y0 + 1, sh - 1);
      float fy = (float) (s - y0);
      int r0 = y0 * sw;
      int r1 = y1 * sw;
      int o = off + y * dw;
      for (int x = 0; x < dw; x++) {
        float top = src[r0 + x0[x]] + fx[x] * (src[r0 + x1[x]] - src[r0 + x0[x]]);
        float bot = src[r1 + x0[x]] + fx[x] * (src[r1 + x1[x]] - src[r1 + x0[x]]);
        dst[o + x] = top + fy * (bot - top);
      }
    }
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, b.length); i++) {
      sb.append(i == 0 ? "" : " ").append(String.format("%02X", b[i] & 0xff));
    }
    return b.length == 0 ? "(empty)" : sb.toString();
  }

  private static String firstLine(String m) {
    int nl = m.indexOf('\n');
    String line = nl < 0 ? m : m.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  private static InvalidInputException invalid(String message, Throwable cause) {
    InvalidInputException e = new InvalidInputException(message);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
