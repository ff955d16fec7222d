package org.bnn4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Tensor;
import java.util.List;
import org.bnn4j.InputSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageInputTest {

  private static InputSpec spec(int c, int h, int w) {
    return InputSpec.of("x", 1, c, h, w);
  }

  /** A w x h RGB image whose pixel (x, y) is (10x + y, 20y + 1, 255 - 7x - 3y). */
  private static BufferedImage rgbImage(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r(x, y) << 16 | g(x, y) << 8 | b(x, y));
      }
    }
    return img;
  }

  private static int r(int x, int y) {
    return 10 * x + y;
  }

  private static int g(int x, int y) {
    return 20 * y + 1;
  }

  private static int b(int x, int y) {
    return 255 - 7 * x - 3 * y;
  }

  private static BufferedImage grayImage(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, 10 * x + 30 * y);
      }
    }
    return img;
  }

  private static byte[] encode(BufferedImage img, String format) throws IOException {
    if (format.equals("gif")) {
      img = indexed(img);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
    return out.toByteArray();
  }

  /**
   * The image with an exact palette of its colours when there are at most 256, so GIF keeps
   * them. (The JDK's GIF writer interlaces, and its round trip garbles interlaced images under 8
   * rows, so GIF tests use 8 rows or more.)
   */
  private static BufferedImage indexed(BufferedImage img) {
    java.util.LinkedHashSet<Integer> colours = new java.util.LinkedHashSet<>();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        colours.add(rgbOf(img, x, y));
      }
    }
    if (colours.size() > 256) {
      return img;
    }
    int[] palette = Arrays.copyOf(colours.stream().mapToInt(Integer::intValue).toArray(), 256);
    var icm = new java.awt.image.IndexColorModel(8, 256, palette, 0, false, -1,
        java.awt.image.DataBuffer.TYPE_BYTE);
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(),
        BufferedImage.TYPE_BYTE_INDEXED, icm);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        out.setRGB(x, y, rgbOf(img, x, y));
      }
    }
    return out;
  }

  /** The pixel as 0xRRGGBB; a grey image's raw sample (getRGB would convert it to sRGB). */
  private static int rgbOf(BufferedImage img, int x, int y) {
    if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
      int v = img.getRaster().getSample(x, y, 0);
      return v << 16 | v << 8 | v;
    }
    return img.getRGB(x, y) & 0xffffff;
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "bmp", "gif"})
  void losslessColourRoundTripGivesRawSamplesOver255(String format) throws IOException {
    // GIF is palette-based, but this image has fewer than 256 colours, so it stays exact.
    byte[] bytes = encode(rgbImage(6, 8), format);
    Tensor t = ImageInput.load(bytes, spec(3, 8, 6), ImageLimits.DEFAULT);
    assertArrayEquals(new int[] {1, 3, 8, 6}, t.shape());
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 6; x++) {
        assertEquals(r(x, y) / 255f, t.get(0, 0, y, x), 1e-6f, format + " R at " + x + "," + y);
        assertEquals(g(x, y) / 255f, t.get(0, 1, y, x), 1e-6f, format + " G");
        assertEquals(b(x, y) / 255f, t.get(0, 2, y, x), 1e-6f, format + " B");
      }
    }
  }

  @Test
  void jpegRoundTripIsClose() throws IOException {
    byte[] bytes = encode(rgbImage(8, 8), "jpeg");
    Tensor t = ImageInput.load(bytes, spec(3, 8, 8), ImageLimits.DEFAULT);
    double err = 0;
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        err += Math.abs(t.get(0, 0, y, x) * 255 - r(x, y))
            + Math.abs(t.get(0, 1, y, x) * 255 - g(x, y))
            + Math.abs(t.get(0, 2, y, x) * 255 - b(x, y));
      }
    }
    assertTrue(err / (3 * 64) < 8, "mean JPEG error " + err / (3 * 64));
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "bmp", "gif"})
  void grayImageKeepsItsSamples(String format) throws IOException {
    byte[] bytes = encode(grayImage(5, 8), format);
    Tensor t = ImageInput.load(bytes, spec(1, 8, 5), ImageLimits.DEFAULT);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 5; x++) {
        assertEquals((10 * x + 30 * y) / 255f, t.get(0, 0, y, x), 1e-6f, format);
      }
    }
  }

  @Test
  void grayImageIsRepeatedForRgbInput() throws IOException {
    Tensor t = ImageInput.load(encode(grayImage(5, 3), "png"), spec(3, 3, 5), ImageLimits.DEFAULT);
    for (int c = 0; c < 3; c++) {
      assertEquals((10 * 2 + 30) / 255f, t.get(0, c, 1, 2), 1e-6f);
    }
  }

  @Test
  void colourImageIsLumaForGrayInput() throws IOException {
    Tensor t = ImageInput.load(encode(rgbImage(4, 2), "png"), spec(1, 2, 4), ImageLimits.DEFAULT);
    float luma = 0.299f * r(3, 1) + 0.587f * g(3, 1) + 0.114f * b(3, 1);
    assertEquals(luma / 255f, t.get(0, 0, 1, 3), 1e-5f);
  }

  @Test
  void bgrSwapsChannels() throws IOException {
    InputSpec bgr = spec(3, 2, 3).withColorMode(InputSpec.ColorMode.BGR);
    Tensor t = ImageInput.load(encode(rgbImage(3, 2), "png"), bgr, ImageLimits.DEFAULT);
    assertEquals(b(2, 1) / 255f, t.get(0, 0, 1, 2), 1e-6f);
    assertEquals(g(2, 1) / 255f, t.get(0, 1, 1, 2), 1e-6f);
    assertEquals(r(2, 1) / 255f, t.get(0, 2, 1, 2), 1e-6f);
  }

  @Test
  void normalisesWithScaleMeanAndStd() throws IOException {
    InputSpec s = spec(3, 2, 3).withPixelScale(1f)
        .withNormalization(List.of(10f, 20f, 30f), List.of(2f));
    Tensor t = ImageInput.load(encode(rgbImage(3, 2), "png"), s, ImageLimits.DEFAULT);
    assertEquals((r(1, 1) - 10f) / 2f, t.get(0, 0, 1, 1), 1e-5f);
    assertEquals((g(1, 1) - 20f) / 2f, t.get(0, 1, 1, 1), 1e-5f);
    assertEquals((b(1, 1) - 30f) / 2f, t.get(0, 2, 1, 1), 1e-5f);
  }

  @Test
  void bilinearUpscaleMatchesHandComputedValues() {
    // 2x2 source [[0, 10], [20, 30]] to 4x4, half-pixel centres: source coordinates per output
    // index are clamp(-0.25) = 0, 0.25, 0.75, clamp(1.25) = 1, so the weights on the second
    // pixel are 0, 0.25, 0.75, 1 along each axis.
    float[] src = {0, 10, 20, 30};
    float[] dst = new float[16];
    ImageInput.resizeBilinear(src, 2, 2, dst, 0, 4, 4);
    float[] row0 = {0, 2.5f, 7.5f, 10};
    float[] expected = new float[16];
    float[] wy = {0, 0.25f, 0.75f, 1};
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        expected[y * 4 + x] = row0[x] + wy[y] * 20;
      }
    }
    assertArrayEquals(expected, dst, 1e-6f, Arrays.toString(dst));
  }

  @Test
  void bilinearDownscaleByTwoAveragesPixelPairs() {
    // 4x1 to 2x1: centres at source x = 0.5 and 2.5, the mean of each pair.
    float[] dst = new float[2];
    ImageInput.resizeBilinear(new float[] {0, 4, 8, 20}, 4, 1, dst, 0, 2, 1);
    assertArrayEquals(new float[] {2, 14}, dst, 1e-6f);
  }

  @Test
  void resizesDecodedImageToSpec() throws IOException {
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(1, 0, 0, 10);
    img.getRaster().setSample(0, 1, 0, 20);
    img.getRaster().setSample(1, 1, 0, 30);
    InputSpec s = spec(1, 4, 4).withPixelScale(1f);
    Tensor t = ImageInput.load(encode(img, "png"), s, ImageLimits.DEFAULT);
    assertEquals(2.5f + 0.25f * 20, t.get(0, 0, 1, 1), 1e-5f);
    assertEquals(30f, t.get(0, 0, 3, 3), 1e-5f);
  }

  @Test
  void loadsFromPath(@TempDir Path dir) throws IOException {
    Path p = dir.resolve("img.bmp");
    Files.write(p, encode(rgbImage(3, 3), "bmp"));
    Tensor t = ImageInput.load(p, spec(3, 3, 3), ImageLimits.DEFAULT);
    assertEquals(r(2, 2) / 255f, t.get(0, 0, 2, 2), 1e-6f);
  }

  /** A PNG signature and IHDR chunk (valid CRC) claiming w x h, then a tiny bogus IDAT. */
  static byte[] pngHeader(int w, int h) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + 12);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(17);
    ihdr.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(w).putInt(h)
        .put(new byte[] {8, 2, 0, 0, 0});
    b.putInt(13).put(ihdr.array());
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    b.putInt((int) crc.getValue());
    b.putInt(0).put(new byte[] {'I', 'D', 'A', 'T'}).putInt(0x35af061e);
    b.putInt(0).put(new byte[] {'I', 'E', 'N', 'D'}).putInt(0xae426082);
    return b.array();
  }

  @Test
  void decompressionBombIsRefusedFromTheHeader() {
    byte[] bomb = pngHeader(100_000, 100_000);
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    ImageInput.load(encode0(), spec(1, 2, 2), ImageLimits.DEFAULT); // warm up ImageIO
    long a0 = mx.getThreadAllocatedBytes(tid);
    long t0 = System.nanoTime();
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ImageInput.load(bomb, "bomb.png", spec(3, 8, 8), ImageLimits.DEFAULT));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    long allocated = mx.getThreadAllocatedBytes(tid) - a0;
    assertEquals("bomb.png is 100000x100000 pixels, over the limit of 67108864 (maxImagePixels)",
        e.getMessage());
    assertTrue(ms < 1000, "took " + ms + " ms");
    assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
  }

  private static byte[] encode0() {
    try {
      return encode(new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY), "png");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void tighterPixelLimitIsNamed() throws IOException {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ImageInput.load(encode(rgbImage(10, 10), "png"), "a.png", spec(3, 2, 2),
            ImageLimits.DEFAULT.withMaxImagePixels(99)));
    assertEquals("a.png is 10x10 pixels, over the limit of 99 (maxImagePixels)", e.getMessage());
  }

  @Test
  void garbageIsNotAnImage() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ImageInput.load("hello, world".getBytes(), "image.png", spec(3, 4, 4),
            ImageLimits.DEFAULT));
    assertTrue(e.getMessage().startsWith("image.png: not a PNG, JPEG, BMP or GIF image"),
        e.getMessage());
    assertThrows(InvalidInputException.class,
        () -> ImageInput.load(new byte[0], spec(3, 4, 4), ImageLimits.DEFAULT));
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "jpeg", "bmp", "gif"})
  void truncatedImagesAreRejected(String format) throws IOException {
    byte[] full = encode(rgbImage(40, 30), format);
    for (int len : new int[] {1, 4, 8, 16, 30, full.length / 2, full.length - 5}) {
      byte[] cut = Arrays.copyOf(full, len);
      try {
        ImageInput.load(cut, spec(3, 8, 8), ImageLimits.DEFAULT);
      } catch (InvalidInputException expected) {
        assertTrue(expected.getMessage().startsWith("image"), expected.getMessage());
        assertTrue(!expected.getMessage().contains("\n"), "one line: " + expected.getMessage());
      }
      // Some decoders (GIF, JPEG) return a partial image for a cut tail; that is not an error.
    }
  }

  @Test
  void zeroSizedHeaderIsRejected() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ImageInput.load(pngHeader(0, 5), spec(3, 4, 4), ImageLimits.DEFAULT));
    assertTrue(e.getMessage().startsWith("image"), e.getMessage());
  }

  @Test
  void specThatIsNotAnImageIsRejected() throws IOException {
    byte[] png = encode(rgbImage(3, 3), "png");
    InputSpec flat = InputSpec.of("x", 1, 10);
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ImageInput.load(png, flat, ImageLimits.DEFAULT));
    assertEquals("input 'x' has shape [1, 10], expected [N, C, H, W] for an image",
        e.getMessage());
    assertThrows(InvalidInputException.class,
        () -> ImageInput.load(png, spec(2, 3, 3), ImageLimits.DEFAULT));
    assertThrows(InvalidInputException.class,
        () -> ImageInput.load(png, spec(3, 3, 3).withNormalization(List.of(), List.of(0f)),
            ImageLimits.DEFAULT));
  }
}
