package org.bnn4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import org.bnn4j.InputSpec;
import org.junit.jupiter.api.Test;

/**
 * Background and fit on images whose result can be worked out by hand: uniform rectangles, whose
 * crops resample to the same uniform values, and halves split on a pixel boundary.
 */
class ImageFitTest {
  private static final InputSpec MNIST = InputSpec.of("x", 1, 1, 28, 28)
      .withFit(InputSpec.Fit.MNIST);

  /** A grey image of {@code bg} with a {@code rw x rh} rectangle of {@code ink} at (x, y). */
  private static BufferedImage rect(int w, int h, int x, int y, int rw, int rh, int bg, int ink) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int j = 0; j < h; j++) {
      for (int i = 0; i < w; i++) {
        boolean in = i >= x && i < x + rw && j >= y && j < y + rh;
        img.getRaster().setSample(i, j, 0, in ? ink : bg);
      }
    }
    return img;
  }

  /**
   * A 6x10 rectangle becomes 12x20 (scaled to the 20-pixel box), and its centre of mass (5.5,
   * 9.5 within it) goes to pixel (14, 14): top-left at (round(8.5), round(4.5)) = (9, 5).
   */
  private static float[] expectedRectangle(float inside, float outside) {
    float[] e = new float[28 * 28];
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        e[y * 28 + x] = x >= 9 && x < 21 && y >= 5 && y < 25 ? inside : outside;
      }
    }
    return e;
  }

  @Test
  void mnistFitCropsScalesAndCentresByMass() {
    BufferedImage img = rect(50, 40, 30, 4, 6, 10, 0, 255);
    float[] got = ImageInput.fromImage(img, MNIST, ImageLimits.DEFAULT).toFloatArray();
    assertArrayEquals(expectedRectangle(1f, 0f), got, 1e-6f);
  }

  @Test
  void darkModelInvertsALightImageFirst() {
    InputSpec dark = MNIST.withBackground(InputSpec.Background.DARK);
    BufferedImage blackOnWhite = rect(50, 40, 30, 4, 6, 10, 255, 0);
    assertArrayEquals(expectedRectangle(1f, 0f),
        ImageInput.fromImage(blackOnWhite, dark, ImageLimits.DEFAULT).toFloatArray(), 1e-6f);
    // A light model gets a dark image inverted: black glyph on white.
    InputSpec light = MNIST.withBackground(InputSpec.Background.LIGHT);
    BufferedImage whiteOnBlack = rect(50, 40, 30, 4, 6, 10, 0, 255);
    assertArrayEquals(expectedRectangle(0f, 1f),
        ImageInput.fromImage(whiteOnBlack, light, ImageLimits.DEFAULT).toFloatArray(), 1e-6f);
    // Without a stored background nothing is inverted: the glyph keeps its own polarity.
    assertArrayEquals(expectedRectangle(0f, 1f),
        ImageInput.fromImage(blackOnWhite, MNIST, ImageLimits.DEFAULT).toFloatArray(), 1e-6f);
  }

  @Test
  void mnistFitOfAnEmptyImageIsBackground() {
    float[] got = ImageInput.fromImage(rect(10, 10, 0, 0, 0, 0, 0, 0), MNIST,
        ImageLimits.DEFAULT).toFloatArray();
    assertArrayEquals(new float[28 * 28], got);
  }

  /**
   * A 20x10 image, left half 0 and right half 200, padded into 8x8: scaled by 0.4 to 8x4, rows
   * 2..5; box averaging over 2.5 source columns keeps the halves apart (output column 3 covers
   * source 7.5..10, column 4 covers 10..12.5); the rest is the border median, 100.
   */
  @Test
  void padKeepsTheAspectRatioAndFillsWithTheBorder() {
    BufferedImage img = rect(20, 10, 10, 0, 10, 10, 0, 200);
    InputSpec pad = InputSpec.of("x", 1, 1, 8, 8).withFit(InputSpec.Fit.PAD).withPixelScale(1f);
    float[] got = ImageInput.fromImage(img, pad, ImageLimits.DEFAULT).toFloatArray();
    float[] e = new float[64];
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        e[y * 8 + x] = y < 2 || y >= 6 ? 100f : x < 4 ? 0f : 200f;
      }
    }
    assertArrayEquals(e, got, 1e-4f);
  }

  @Test
  void borderMedianIgnoresAGlyphTouchingTheEdge() {
    float[] p = new float[5 * 4];
    java.util.Arrays.fill(p, 250f);
    p[0] = 0f; // two ink pixels on the border
    p[1] = 0f;
    assertEquals(250f, ImageFit.borderMedian(p, 5, 4));
  }
}
