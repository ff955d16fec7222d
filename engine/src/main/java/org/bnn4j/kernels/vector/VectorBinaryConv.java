package org.bnn4j.kernels.vector;

import java.util.Arrays;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.Bitpack;
import org.bnn4j.kernels.Window2d;

/**
 * Binary convolution (and dense, as a 1x1 convolution) on packed NHWC bits with a
 * register-blocked outer-product micro-kernel, split as Larq Compute Engine splits bconv2d: the
 * load-time plan ({@link VectorBinaryConvLayout}: which layers, weights interleaved by block of
 * {@value #OCB_VECTORS} vectors of output channels, padding classes; the tap offsets here), the
 * micro-kernels ({@link VectorBinaryConvMicroKernel}) and the output transform with its tables
 * ({@link VectorBinaryConvOutput}). This class stages the input and drives the passes.
 *
 * <p>The micro-kernel's shape is {@code positions x 4} vectors, chosen at construction from the
 * register file the species implies: {@value #POSITIONS_16_REGISTERS} positions (12
 * accumulators) for 256-bit or narrower vectors (AVX2's 16 registers), {@value
 * #POSITIONS_32_REGISTERS} (24 accumulators) for 512-bit vectors (AVX-512's 32). The system
 * property {@value #POSITIONS_PROPERTY} overrides it (3 or 6), and tests force each shape through
 * the constructor, so both run on either ISA.
 *
 * <p>The patch matrix is never built (implicit im2col): for each tap the micro-kernel reads each
 * position's input words in place, at fixed offsets from the position's window. A padded layer
 * first copies its input into a staging buffer with a halo of zero words ({@link #stageInput}),
 * so every window lies inside and border positions take the same kernel as the interior. A tap
 * in the halo reads zero words (bit 0, +1), which adds the tap's weight popcount; the epilogue
 * subtracts that exactly for border positions.
 *
 * <p>Work goes in passes of {@value #CHUNK} positions: once per pass the positions' window
 * offsets and border positions are listed (no division per micro-kernel call), then per block of
 * output channels the micro-kernels run over the pass and the epilogue transforms it.
 *
 * <p>Groups are supported when each group's channels start on a word (channels per group a
 * multiple of 64); other grouped layers, and tap biases too large to sum exactly as integers, go
 * to the scalar kernel (see {@link VectorBinaryConvLayout#supports}).
 */
final class VectorBinaryConv implements BinaryConvKernel {
  private static final int L = VectorConstants.LONG_LANES;
  /** Vectors of output channels per block. */
  static final int OCB_VECTORS = 4;
  /** Output channels per block. */
  static final int OCB = OCB_VECTORS * L;
  /** Positions per micro-kernel call for 16 vector registers (AVX2). */
  static final int POSITIONS_16_REGISTERS = 3;
  /** Positions per micro-kernel call for 32 vector registers (AVX-512). */
  static final int POSITIONS_32_REGISTERS = 6;
  /** System property that forces the positions per micro-kernel call (3 or 6). */
  static final String POSITIONS_PROPERTY = "bnn4j.binaryConv.positions";
  /**
   * Output positions per pass, a multiple of 8 (the transpose) and of every kernel's positions:
   * long runs per channel, because each channel's outputs lie a plane apart (NCHW), and a run of
   * 96 costs far less per output in page and cache-line misses than a micro-kernel's few.
   */
  static final int CHUNK = 96;

  private final int positions;
  private final int h;
  private final int w;
  private final int oh;
  private final int ow;
  private final int hw;
  private final int group;
  private final int mpg;
  private final int kWords;
  private final int xWords;
  private final int outWords;
  private final int sh;
  private final int sw;
  private final int pt;
  private final int pl;
  private final int blocksPerGroup;
  /** Weights as [group * blocksPerGroup][taps][kWords][OCB], zero past the group's channels. */
  private final long[] packed;
  private final int batch;
  /** Rows and columns of the input the kernel reads: with the zero halo when staged. */
  private final int readH;
  private final int readW;
  private final boolean staged;
  /** Word offset of each (tap, word) from a position's first tap. */
  private final int[] tapWordDelta;
  private final VectorBinaryConvOutput output;
  private final int[] slotDotBase;
  private final boolean exactFloats;

  /** The shape for this machine's vectors, or the one {@value #POSITIONS_PROPERTY} asks. */
  static int defaultPositions() {
    String forced = System.getProperty(POSITIONS_PROPERTY);
    if (forced != null) {
      int p = Integer.parseInt(forced.trim());
      if (p != POSITIONS_16_REGISTERS && p != POSITIONS_32_REGISTERS) {
        throw new IllegalArgumentException(POSITIONS_PROPERTY + " must be 3 or 6, not " + p);
      }
      return p;
    }
    return VectorConstants.LONGS.vectorBitSize() >= 512 ? POSITIONS_32_REGISTERS
        : POSITIONS_16_REGISTERS;
  }

  VectorBinaryConv(BinaryConvSpec s) {
    this(s, defaultPositions());
  }

  /** The layer with micro-kernels of {@code positions} (3 or 6) positions by 4 vectors. */
  VectorBinaryConv(BinaryConvSpec s, int positions) {
    if (positions != POSITIONS_16_REGISTERS && positions != POSITIONS_32_REGISTERS) {
      throw new IllegalArgumentException("positions per micro-kernel: 3 or 6, not " + positions);
    }
    this.positions = positions;
    Window2d win = s.win();
    this.group = s.group();
    this.h = s.h();
    this.w = s.w();
    this.oh = s.oh();
    this.ow = s.ow();
    this.hw = s.oh() * s.ow();
    int cpg = s.c() / group;
    this.mpg = s.m() / group;
    this.kWords = Bitpack.words(cpg);
    this.xWords = Bitpack.words(s.c());
    this.outWords = Bitpack.words(s.m());
    int kh = win.kernelH();
    int kw = win.kernelW();
    int taps = kh * kw;
    this.sh = win.strideH();
    this.sw = win.strideW();
    this.pt = win.padTop();
    this.pl = win.padLeft();
    this.blocksPerGroup = (mpg + OCB - 1) / OCB;
    this.batch = s.n();
    this.staged = pt != 0 || pl != 0 || win.padBottom() != 0 || win.padRight() != 0;
    this.readH = staged ? h + pt + win.padBottom() : h;
    this.readW = staged ? w + pl + win.padRight() : w;
    this.tapWordDelta = new int[taps * kWords];
    for (int ky = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        for (int k = 0; k < kWords; k++) {
          tapWordDelta[(ky * kw + kx) * kWords + k] =
              (ky * win.dilationH() * readW + kx * win.dilationW()) * xWords + k;
        }
      }
    }
    int[] tapPopcount = new int[s.m() * taps];
    packed = VectorBinaryConvLayout.packWeights(s.weights(), group, mpg, blocksPerGroup, taps,
        kWords, cpg, tapPopcount);
    this.output = new VectorBinaryConvOutput(s, blocksPerGroup, tapPopcount);
    this.slotDotBase = output.slotDotBase();
    this.exactFloats = output.exactFloats;
  }

  /** Positions per micro-kernel call. */
  int positions() {
    return positions;
  }

  @Override
  public int stagedInputWords() {
    return staged ? batch * readH * readW * xWords : 0;
  }

  @Override
  public void stageInput(long[] x, int xOff, long[] staging, int stagingOff) {
    Arrays.fill(staging, stagingOff, stagingOff + stagedInputWords(), 0L);
    int row = w * xWords;
    for (int b = 0; b < batch; b++) {
      for (int iy = 0; iy < h; iy++) {
        System.arraycopy(x, xOff + (b * h + iy) * row, staging,
            stagingOff + ((b * readH + iy + pt) * readW + pl) * xWords, row);
      }
    }
  }

  @Override
  public int scratchFloats() {
    // Dots position-major, then channel-major; window offsets and border positions of a pass.
    return 2 * CHUNK * OCB + 3 * CHUNK;
  }

  @Override
  public int pixelBlock() {
    return positions;
  }

  /** Corrections are laid out as the epilogue reads dots: per position, blocks in slot order. */
  @Override
  public int correctionStride() {
    return group * blocksPerGroup * OCB;
  }

  @Override
  public int correctionIndex(int channel) {
    int g = channel / mpg;
    int local = channel - g * mpg;
    return (g * blocksPerGroup + local / OCB) * OCB
        + VectorBinaryConvOutput.CHANNEL_SLOT[local % OCB];
  }

  @Override
  public void runCorrected(long[] x, int xOff, float[] residual, int residualOff,
      float[] yFloats, long[] yWords, int yOff, float[] scratch, int scratchOff, int pixelFrom,
      int pixelTo, float[] correction, int correctionOff) {
    int basesOff = scratchOff + 2 * CHUNK * OCB;
    int borderOff = basesOff + CHUNK;
    int steps = tapWordDelta.length;
    for (int q0 = pixelFrom; q0 < pixelTo; q0 += CHUNK) {
      int n = Math.min(CHUNK, pixelTo - q0);
      int borders = plan(q0, n, scratch, basesOff, borderOff);
      if (yWords != null && output.bitsOutput()) {
        Arrays.fill(yWords, yOff + q0 * outWords, yOff + (q0 + n) * outWords, 0L);
      }
      for (int g = 0; g < group; g++) {
        int gw = xOff + g * kWords;
        for (int blk = 0; blk < blocksPerGroup; blk++) {
          int block = g * blocksPerGroup + blk;
          int wi = block * steps * OCB;
          int dOff = block * OCB;
          if (positions == POSITIONS_16_REGISTERS) {
            for (int i = 0; i < n; i += POSITIONS_16_REGISTERS) {
              VectorBinaryConvMicroKernel.kernel3x4(packed, wi, tapWordDelta, x, scratch,
                  basesOff + i, gw, slotDotBase, dOff, exactFloats, scratch,
                  scratchOff + i * OCB);
            }
          } else {
            for (int i = 0; i < n; i += POSITIONS_32_REGISTERS) {
              VectorBinaryConvMicroKernel.kernel6x4(packed, wi, tapWordDelta, x, scratch,
                  basesOff + i, gw, slotDotBase, dOff, exactFloats, scratch,
                  scratchOff + i * OCB);
            }
          }
          output.apply(q0, n, block, g * mpg + blk * OCB, Math.min(OCB, mpg - blk * OCB),
              residual, residualOff, yFloats, yWords, yOff, scratch, scratchOff, borderOff,
              borders, correction, correctionOff);
        }
      }
    }
  }

  /**
   * Fills the pass's window offsets (from the input's start, as raw float bits) for {@code n}
   * positions from {@code q0}, repeating the last one up to a whole number of micro-kernel
   * calls, and the list of its border positions (pairs of index and tag, raw float bits);
   * returns how many there are. The ints ride in the float scratch the runtime already plans
   * rather than in an int arena of their own; {@code intBitsToFloat} and {@code
   * floatToRawIntBits} give back every pattern that is not a NaN, and these are non-negative
   * indices below {@code 0x7f800000}, the first NaN pattern (reaching it would take a word
   * arena of 16 GiB).
   */
  private int plan(int q0, int n, float[] scratch, int basesOff, int borderOff) {
    int b = q0 / hw;
    int r = q0 - b * hw;
    int oy = r / ow;
    int ox = r - oy * ow;
    int borders = 0;
    int base = 0;
    for (int i = 0; i < n; i++) {
      base = ((b * readH + oy * sh) * readW + ox * sw) * xWords;
      scratch[basesOff + i] = Float.intBitsToFloat(base);
      int tag = output.borderTag(oy, ox);
      if (tag != 0) {
        scratch[borderOff + 2 * borders] = Float.intBitsToFloat(i);
        scratch[borderOff + 2 * borders + 1] = Float.intBitsToFloat(tag);
        borders++;
      }
      if (++ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
          b++;
        }
      }
    }
    for (int i = n; i < CHUNK && i % positions != 0; i++) {
      scratch[basesOff + i] = Float.intBitsToFloat(base);
    }
    return borders;
  }
}
