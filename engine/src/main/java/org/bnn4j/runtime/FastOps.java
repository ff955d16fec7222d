package org.bnn4j.runtime;

import java.util.Arrays;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.attrs.Conv2dAttrs;
import org.bnn4j.kernels.AvgPoolKernel;
import org.bnn4j.kernels.BinarizeKernel;
import org.bnn4j.kernels.BinarizeSpec;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.ElementwiseSpec;
import org.bnn4j.kernels.FloatElementwiseKernel;
import org.bnn4j.kernels.FloatDenseKernel;
import org.bnn4j.kernels.FloatDenseSpec;
import org.bnn4j.kernels.FloatConvKernel;
import org.bnn4j.kernels.FloatConvSpec;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.MaxPoolKernel;
import org.bnn4j.kernels.Kernels;
import org.bnn4j.kernels.ZeroCorrection;
import org.bnn4j.kernels.Window2d;

/**
 * The op factory a {@link org.bnn4j.Model} uses: BinaryConv2d and BinaryDense run on the fast
 * kernels of a {@link KernelProvider}, and so do Binarize, float Conv2d with constant weights
 * (packed GEMM), Gemm with constant transposed weights (the FC), MaxPool2d, AvgPool2d, Relu, and
 * Add/Sub/Mul/Div of two operands of one shape, each split over the session's threads (the
 * provider has a kernel for every spec); everything else is delegated to the {@link
 * ReferenceOps} it holds. Binary results, Binarize, pooling and the element-wise ops are
 * bit-identical to the reference ops for any thread count (except a NaN's payload: a max pool
 * gives the canonical NaN); float convolutions and the FC agree within float rounding (the
 * summation order differs) and do not depend on the thread count either.
 */
public final class FastOps implements OpFactory {
  /**
   * Largest patch matrix (floats, 64 MiB) a float convolution may keep in the session arena;
   * bigger layers run the reference kernel.
   */
  static final int MAX_IM2COL_FLOATS = 1 << 24;

  /**
   * Fewest pooling outputs worth handing to another worker, about ten microseconds of the vector
   * kernel: waking a parked worker costs microseconds too, so smaller chunks would gain little.
   */
  static final int MIN_POOL_OUTPUTS_PER_CHUNK = 1 << 13;

  /**
   * Fewest elements of an element-wise op worth handing to another worker: a few microseconds of
   * the vector loop, about what waking a worker costs.
   */
  static final int MIN_ELEMENTS_PER_CHUNK = 1 << 14;

  private final KernelProvider provider;
  private final ReferenceOps reference = new ReferenceOps();

  /** Ops on the kernels {@link Kernels#provider()} selected. */
  public FastOps() {
    this(Kernels.provider());
  }

  public FastOps(KernelProvider provider) {
    this.provider = provider;
  }

  public KernelProvider provider() {
    return provider;
  }

  @Override
  public Op create(OpContext ctx) {
    OpNode node = ctx.node();
    Op fast = switch (node.op()) {
      case BINARY_CONV2D -> binaryConv(ctx, false);
      case BINARY_DENSE -> binaryConv(ctx, true);
      case BINARIZE -> binarize(ctx);
      case CONV2D -> floatConv(ctx);
      case MAX_POOL2D -> fastPool2d(ctx, true);
      case AVG_POOL2D -> fastPool2d(ctx, false);
      case GEMM -> floatDense(ctx);
      case RELU -> elementwise(ctx, ElementwiseSpec.Kind.RELU);
      case ADD -> elementwise(ctx, ElementwiseSpec.Kind.ADD);
      case SUB -> elementwise(ctx, ElementwiseSpec.Kind.SUB);
      case MUL -> elementwise(ctx, ElementwiseSpec.Kind.MUL);
      case DIV -> elementwise(ctx, ElementwiseSpec.Kind.DIV);
      default -> null;
    };
    return fast == null ? reference.create(ctx) : new NamedOp(node.where(), fast);
  }

  /**
   * Relu, or Add/Sub/Mul/Div of two operands of one shape, on the provider's element-wise kernel
   * split over the session's threads; null (the reference op, which broadcasts) when the shapes
   * differ.
   */
  private Op elementwise(OpContext ctx, ElementwiseSpec.Kind kind) {
    boolean unary = kind.unary();
    ctx.expectArity(unary ? 1 : 2, unary ? 1 : 2, 1);
    Operand a = ctx.floatInput(0);
    Operand b = unary ? null : ctx.floatInput(1);
    if (b != null && !Arrays.equals(a.dims(), b.dims())) {
      return null;
    }
    Operand y = ctx.floatOutput(0);
    ctx.expectDims(y, a.dims());
    FloatElementwiseKernel kernel = provider.elementwise(new ElementwiseSpec(kind));
    int count = a.size();
    RunContext.RangeTask task = (from, to, slot, img, arena, words) -> kernel.run(
        a.floats(arena), a.offset(), b == null ? null : b.floats(arena),
        b == null ? 0 : b.offset(), y.floats(arena), y.offset(), from, to);
    return run -> run.forRange(count, MIN_ELEMENTS_PER_CHUNK, task, 0);
  }

  /** Float Conv2d with constant weights on the provider's im2col + GEMM kernel. */
  private Op floatConv(OpContext ctx) {
    OpShapes.Conv shape = OpShapes.conv(ctx);
    Operand x = shape.x();
    Operand w = shape.w();
    Operand b = shape.b();
    Operand y = shape.y();
    if (!w.isConstant() || (b != null && !b.isConstant())) {
      return ReferenceOps.conv2d(shape);
    }
    int[] xd = shape.xd();
    int[] wd = shape.wd();
    int[] yd = shape.yd();
    Window2d win = shape.win();
    FloatConvKernel kernel = provider.floatConv(new FloatConvSpec(xd[1], xd[2], xd[3], wd[0],
        shape.group(), win, yd[2], yd[3], w.constantFloats(),
        b == null ? null : b.constantFloats()));
    if (kernel.sharedScratchFloats()
        + (long) kernel.workerScratchFloats() * RunContext.MAX_WORKERS > MAX_IM2COL_FLOATS) {
      return ReferenceOps.conv2d(shape);
    }
    int shared = kernel.sharedScratchFloats();
    int worker = kernel.workerScratchFloats();
    Operand scratch = ctx.scratchFloats(shared + worker * RunContext.MAX_WORKERS);
    int n = xd[0];
    RunContext.RangeTask task = (from, to, slot, img, arena, words) -> kernel.run(
        x.floats(arena), x.offset(), img, y.floats(arena), y.offset(), scratch.floats(arena),
        scratch.offset(), scratch.offset() + shared + slot * worker, from, to);
    RunContext.RangeTask pack = (from, to, slot, img, arena, words) -> kernel.prepare(
        x.floats(arena), x.offset(), img, scratch.floats(arena), scratch.offset(), from, to);
    int packItems = kernel.prepareItems();
    int items = kernel.workItems();
    int grain = kernel.grain();
    return run -> {
      for (int img = 0; img < n; img++) {
        if (packItems > 0) {
          run.forRange(packItems, 1, pack, img);
        }
        run.forRange(items, grain, task, img);
      }
    };
  }

  /**
   * Items per chunk such that a chunk holds at least {@code minWork} units of work at {@code
   * workPerItem} each, rounded up to a multiple of {@code multiple}: waking a parked worker costs
   * microseconds, so smaller chunks would gain little.
   */
  private static int grain(int minWork, int workPerItem, int multiple) {
    return Math.max(multiple,
        (minWork / Math.max(1, workPerItem) + multiple - 1) / multiple * multiple);
  }

  /**
   * MaxPool2d, or AvgPool2d when not {@code max}, on the provider's kernel: planes split over the
   * session's threads, small planes grouped.
   */
  private Op fastPool2d(OpContext ctx, boolean max) {
    OpShapes.Pool shape = max ? OpShapes.maxPool(ctx) : OpShapes.avgPool(ctx);
    Operand x = shape.x();
    Operand y = shape.y();
    RunContext.RangeTask task;
    if (max) {
      MaxPoolKernel kernel = provider.maxPool(shape.spec());
      int perWorker = kernel.scratchFloats();
      Operand scratch = perWorker == 0 ? null
          : ctx.scratchFloats(perWorker * RunContext.MAX_WORKERS);
      task = (from, to, worker, img, arena, words) -> kernel.run(
          x.floats(arena), x.offset(), y.floats(arena), y.offset(), from, to,
          scratch == null ? null : scratch.floats(arena),
          scratch == null ? 0 : scratch.offset() + worker * perWorker);
    } else {
      AvgPoolKernel kernel = provider.avgPool(shape.spec());
      task = (from, to, worker, img, arena, words) -> kernel.run(
          x.floats(arena), x.offset(), y.floats(arena), y.offset(), from, to);
    }
    int planes = shape.xd()[0] * shape.xd()[1];
    int grain = grain(MIN_POOL_OUTPUTS_PER_CHUNK, shape.yd()[2] * shape.yd()[3], 1);
    return run -> run.forRange(planes, grain, task, 0);
  }

  /**
   * Gemm as a dense layer (A times constant B transposed, plus a constant bias vector, alpha and
   * beta 1: PyTorch's Linear) on the provider's kernel, output columns split over the threads.
   */
  private Op floatDense(OpContext ctx) {
    OpShapes.Dense shape = OpShapes.gemm(ctx);
    if (!shape.isConstantLinear()) {
      return ReferenceOps.gemm(shape);
    }
    Operand a = shape.a();
    Operand c = shape.c();
    Operand y = shape.y();
    int n = shape.n();
    int k = shape.k();
    FloatDenseKernel kernel = provider.floatDense(new FloatDenseSpec(n, k,
        shape.b().constantFloats(), c == null ? null : c.constantFloats()));
    int rows = shape.m();
    RunContext.RangeTask task = (from, to, worker, img, arena, words) -> kernel.run(
        a.floats(arena), a.offset(), rows, y.floats(arena), y.offset(), from, to);
    // Chunks of at least 64k multiply-adds, so small layers stay on one thread.
    int grain = grain(1 << 16, rows * k, 4);
    return run -> run.forRange(n, grain, task, 0);
  }

  private Op binarize(OpContext ctx) {
    Operand x = ctx.floatInput(0);
    Operand y = ctx.output(0);
    if (y.type().type() != org.bnn4j.format.graph.ElementType.BITS || y.isConstant()
        || ctx.input(1) == null || !ctx.input(1).isConstant()) {
      return null;
    }
    float[] thr = ctx.input(1).constantFloats();
    int[] source = BinaryReferenceOps.sourceChannels(ctx);
    int[] d = x.dims();
    int c = d[1];
    int hw = d.length == 4 ? d[2] * d[3] : 1;
    return new BinarizePass(provider.binarize(new BinarizeSpec(c, hw, thr, source, thr.length)),
        x, y, d[0], c, hw, thr, source);
  }

  /**
   * Binarize as a pass over positions of the whole batch; each chunk packs its positions, image
   * by image. It reads its input only at its own positions, so it can also run inside the pass
   * of the op producing that input ({@link FusedPass}).
   */
  private static final class BinarizePass extends PositionPass {
    /** Positions per chunk are a multiple of 8, the vector packer's group. */
    private static final int GRAIN = 8;

    private final Operand x;
    private final Operand y;
    private final int n;
    private final int c;
    private final int hw;
    private final float[] thr;
    private final int[] source;
    private final boolean zeros;

    BinarizePass(BinarizeKernel kernel, Operand x, Operand y, int n, int c, int hw, float[] thr,
        int[] source) {
      super(n * hw, GRAIN, task(kernel, x, y, hw));
      this.x = x;
      this.y = y;
      this.n = n;
      this.c = c;
      this.hw = hw;
      this.thr = thr;
      this.source = source;
      this.zeros = y.mayHoldZeros();
    }

    /** The pass's one task: each chunk packs its positions, image by image. */
    private static RunContext.RangeTask task(BinarizeKernel kernel, Operand x, Operand y,
        int hw) {
      if (y.mayHoldZeros()) {
        // Each chunk notes whether it met an input exactly at a threshold (one compare per
        // vector); only then is the image's zero mask written, by the scalar reference.
        return (from, to, worker, ignored, arena, words) -> {
          for (int q = from; q < to; ) {
            int img = q / hw;
            int end = Math.min(to, (img + 1) * hw);
            if (kernel.runSeeingZeros(x.floats(arena), x.offset(), y.words(words), y.offset(),
                img, q - img * hw, end - img * hw)) {
              words[y.zeroFlagOffset() + img] = 1L; // every writer writes 1: a benign race
            }
            q = end;
          }
        };
      }
      return (from, to, worker, ignored, arena, words) -> {
        for (int q = from; q < to; ) {
          int img = q / hw;
          int end = Math.min(to, (img + 1) * hw);
          kernel.run(x.floats(arena), x.offset(), y.words(words), y.offset(), img,
              q - img * hw, end - img * hw);
          q = end;
        }
      };
    }

    @Override
    int begin(RunContext run) {
      if (zeros) {
        long[] words = run.words();
        for (int img = 0; img < n; img++) {
          words[y.zeroFlagOffset() + img] = 0L;
        }
      }
      return 0;
    }

    @Override
    void end(RunContext run) {
      if (zeros) {
        long[] words = run.words();
        for (int img = 0; img < n; img++) {
          if (words[y.zeroFlagOffset() + img] != 0L) {
            org.bnn4j.kernels.reference.BinaryReference.zeroMask(x.floats(run.arena()),
                x.offset(), c, hw, thr, source, thr.length, words, y.zeroMaskOffset(), img);
          }
        }
      }
    }

    @Override
    Operand positionwiseInput() {
      return x;
    }
  }

  private Op binaryConv(OpContext ctx, boolean dense) {
    Operand x = BinaryReferenceOps.bitsInput(ctx, 0);
    Operand wOp = ctx.input(1);
    if (wOp == null || !wOp.isConstant()) {
      return null;
    }
    long[] w = wOp.words(null);
    int[] wd = wOp.dims();
    int[] xd = x.dims();
    BinaryConvSpec spec;
    BinaryReferenceOps.Transform t;
    if (dense) {
      BinaryReferenceOps.checkDotRange(ctx, wd[1]);
      t = BinaryReferenceOps.transform(ctx, 2);
      spec = new BinaryConvSpec(xd[0], xd[1], 1, 1, wd[0], 1,
          new Window2d(1, 1, 1, 1, 0, 0, 0, 0, 1, 1), 1, 1, w, t.tapBias(), true, t.bits(),
          t.multiplier(), t.bias(), t.residual() != null, t.slope(), t.postBias(),
          t.threshold(), t.flip());
    } else {
      Conv2dAttrs attrs = Conv2dAttrs.of(ctx.node());
      int group = attrs.group();
      Window2d win = OpShapes.window(ctx, attrs, wd[1], wd[2]);
      BinaryReferenceOps.checkDotRange(ctx, (long) wd[1] * wd[2] * wd[3]);
      t = BinaryReferenceOps.transform(ctx, 4);
      int[] yd = t.y().dims();
      spec = new BinaryConvSpec(xd[0], xd[1], xd[2], xd[3], wd[0], group, win, yd[2], yd[3], w,
          t.tapBias(), false, t.bits(), t.multiplier(), t.bias(), t.residual() != null,
          t.slope(), t.postBias(), t.threshold(), t.flip());
    }
    BinaryConvKernel kernel = provider.binaryConv(spec);
    boolean zeros = x.mayHoldZeros();
    int perWorker = kernel.scratchFloats();
    Operand scratch = ctx.scratchFloats(perWorker * RunContext.MAX_WORKERS);
    Operand y = t.y();
    Operand residual = t.residual();
    boolean bits = t.bits();
    int stagedWords = kernel.stagedInputWords();
    Operand staging = stagedWords > 0 ? ctx.scratchWords(stagedWords) : null;
    Operand corr = zeros ? ctx.scratchFloats(Math.toIntExact(ZeroCorrection.floats(spec,
        kernel.correctionStride()))) : null;
    return new BinaryConvPass(spec, kernel, x, staging, residual, y, bits, scratch, perWorker,
        corr);
  }

  /**
   * A binary layer as a pass over output positions. When its input may hold zeros and an image
   * of this inference met one (the flags Binarize wrote), the exact integer corrections of the
   * images that did ({@link ZeroCorrection}, sparse over the zero mask) are added to the dots
   * before the output transform; otherwise the plain kernel runs as for any other input. A float
   * output is written position by position, so a Binarize of it can join the pass.
   */
  private static final class BinaryConvPass extends PositionPass {
    private final BinaryConvSpec spec;
    private final BinaryConvKernel kernel;
    private final Operand x;
    private final Operand staging;
    private final Operand y;
    private final boolean bits;
    private final Operand corr;
    private final int[] index;

    /** Task 0 runs the plain kernel; task 1, when the input may hold zeros, the corrected one. */
    BinaryConvPass(BinaryConvSpec spec, BinaryConvKernel kernel, Operand x, Operand staging,
        Operand residual, Operand y, boolean bits, Operand scratch, int perWorker,
        Operand corr) {
      Operand input = staging != null ? staging : x;
      RunContext.RangeTask plain = (from, to, worker, img, arena, words) -> kernel.run(
          input.words(words), input.offset(), residual == null ? null : residual.floats(arena),
          residual == null ? 0 : residual.offset(), bits ? null : y.floats(arena),
          bits ? y.words(words) : null, y.offset(), scratch.floats(arena),
          scratch.offset() + worker * perWorker, from, to);
      RunContext.RangeTask corrected = (from, to, worker, img, arena, words) ->
          kernel.runCorrected(input.words(words), input.offset(),
              residual == null ? null : residual.floats(arena),
              residual == null ? 0 : residual.offset(), bits ? null : y.floats(arena),
              bits ? y.words(words) : null, y.offset(), scratch.floats(arena),
              scratch.offset() + worker * perWorker, from, to, corr.floats(arena),
              corr.offset());
      // Chunks of whole micro-kernel blocks.
      super(spec.pixels(), kernel.pixelBlock(), corr == null
          ? new RunContext.RangeTask[] {plain} : new RunContext.RangeTask[] {plain, corrected});
      this.spec = spec;
      this.kernel = kernel;
      this.x = x;
      this.staging = staging;
      this.y = y;
      this.bits = bits;
      this.corr = corr;
      if (corr == null) {
        index = null;
        return;
      }
      index = new int[spec.m()];
      for (int oc = 0; oc < index.length; oc++) {
        index[oc] = kernel.correctionIndex(oc);
      }
    }

    @Override
    int begin(RunContext run) {
      long[] words = run.words();
      if (staging != null) {
        kernel.stageInput(x.words(words), x.offset(), staging.words(words), staging.offset());
      }
      if (corr == null) {
        return 0;
      }
      int n = spec.n();
      boolean any = false;
      for (int b = 0; b < n; b++) {
        any |= words[x.zeroFlagOffset() + b] != 0L;
      }
      if (!any) {
        return 0;
      }
      int stride = kernel.correctionStride();
      int imagePixels = spec.oh() * spec.ow() * stride;
      float[] ca = corr.floats(run.arena());
      for (int b = 0; b < n; b++) {
        if (words[x.zeroFlagOffset() + b] != 0L) {
          ZeroCorrection.image(spec, words, x.zeroMaskOffset(), b, ca, corr.offset(), index,
              stride);
        } else {
          int o = corr.offset() + b * imagePixels;
          java.util.Arrays.fill(ca, o, o + imagePixels, 0f);
        }
      }
      return 1;
    }

    @Override
    Operand fusableOutput() {
      return bits ? null : y;
    }
  }
}
