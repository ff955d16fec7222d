package org.bnn4j;

import java.util.List;
import org.bnn4j.format.graph.GraphMetadata;

/**
 * How one model input wants its data: its name and shape, and for an image input the
 * preprocessing that {@link org.bnn4j.image.ImageInput} applies. Stored in the model file by
 * {@code bnn4j convert}; read with {@link Model#metadata()}. Immutable; the {@code with...}
 * methods return changed copies.
 *
 * @param name the graph input's name
 * @param shape the input's dims for one example, e.g. {@code [1, 1, 28, 28]}
 * @param layout how the dims are ordered
 * @param colorMode the channels an image is converted to
 * @param mean per-channel mean subtracted after scaling (empty: 0; one value: every channel)
 * @param std per-channel divisor after subtracting the mean (empty: 1; one value: every channel)
 * @param pixelScale factor taking a 0..255 sample to the range mean and std refer to (1/255 when
 *     the file stores none)
 * @param background the background of the images the model was trained on, or {@link
 *     Background#UNSPECIFIED} to never invert
 * @param fit how an image is brought to the input's height and width
 */
public record InputSpec(String name, List<Integer> shape, Layout layout, ColorMode colorMode,
    List<Float> mean, List<Float> std, float pixelScale, Background background, Fit fit) {

  /** How the dims of an input are ordered. */
  public enum Layout {
    /** Not stored; an image input of rank 4 is read as NCHW. */
    UNSPECIFIED,
    /** Batch, channels, height, width: an image. */
    NCHW,
    /** Batch, features: not an image. */
    NC
  }

  /** The channels an image is converted to, in order. */
  public enum ColorMode {
    /** Not stored: one channel means GRAYSCALE, three mean RGB. */
    UNSPECIFIED,
    /** One channel, the luma {@code 0.299 R + 0.587 G + 0.114 B}. */
    GRAYSCALE,
    /** Three channels, red first. */
    RGB,
    /** Three channels, blue first (OpenCV order). */
    BGR
  }

  /** The background of the images a model was trained on. */
  public enum Background {
    /** Unknown: images are never inverted. */
    UNSPECIFIED,
    /** Light ink on a dark background, as MNIST and Fashion-MNIST. */
    DARK,
    /** Dark ink on a light background, as a scan or a drawing on paper. */
    LIGHT
  }

  /** How an image is brought to the input's height and width. */
  public enum Fit {
    /** Bilinear resize to exactly the input size; the aspect ratio may change. */
    STRETCH,
    /** Keep the aspect ratio: scale to fit, centre, pad with the background. */
    PAD,
    /**
     * As LeCun's MNIST was made: crop to the ink's bounding box, scale it to fit 20x20 keeping
     * the aspect ratio, and place it in the input (28x28 for MNIST) so that its centre of mass
     * is at the centre.
     */
    MNIST
  }

  /** Checks the components and copies the lists. */
  public InputSpec {
    GraphMetadata.InputSpec.requireParts(name, layout, colorMode, background, fit);
    shape = List.copyOf(shape);
    mean = List.copyOf(mean);
    std = List.copyOf(std);
  }

  /**
   * A spec with only a name and a shape: no normalisation (pixels scaled to [0, 1]), colour from
   * the channel count, stretched to size, never inverted.
   *
   * @param name the input's name
   * @param shape the input's dims, e.g. 1, 1, 28, 28
   * @return the spec
   */
  public static InputSpec of(String name, int... shape) {
    Integer[] boxed = new Integer[shape.length];
    for (int i = 0; i < shape.length; i++) {
      boxed[i] = shape[i];
    }
    return new InputSpec(name, List.of(boxed), Layout.UNSPECIFIED, ColorMode.UNSPECIFIED,
        List.of(), List.of(), 1f / 255f, Background.UNSPECIFIED, Fit.STRETCH);
  }

  /**
   * A copy with another colour mode.
   *
   * @param colorMode the new colour mode
   * @return the changed copy
   */
  public InputSpec withColorMode(ColorMode colorMode) {
    return new InputSpec(name, shape, layout, colorMode, mean, std, pixelScale, background, fit);
  }

  /**
   * A copy with another per-channel mean and std.
   *
   * @param mean per-channel mean (empty: 0; one value: every channel)
   * @param std per-channel std (empty: 1; one value: every channel)
   * @return the changed copy
   */
  public InputSpec withNormalization(List<Float> mean, List<Float> std) {
    return new InputSpec(name, shape, layout, colorMode, mean, std, pixelScale, background, fit);
  }

  /**
   * A copy with another pixel scale.
   *
   * @param pixelScale factor taking a 0..255 sample to the range mean and std refer to
   * @return the changed copy
   */
  public InputSpec withPixelScale(float pixelScale) {
    return new InputSpec(name, shape, layout, colorMode, mean, std, pixelScale, background, fit);
  }

  /**
   * A copy with another background.
   *
   * @param background the training images' background, UNSPECIFIED to never invert
   * @return the changed copy
   */
  public InputSpec withBackground(Background background) {
    return new InputSpec(name, shape, layout, colorMode, mean, std, pixelScale, background, fit);
  }

  /**
   * A copy with another fit.
   *
   * @param fit how an image is brought to the input size
   * @return the changed copy
   */
  public InputSpec withFit(Fit fit) {
    return new InputSpec(name, shape, layout, colorMode, mean, std, pixelScale, background, fit);
  }
}
