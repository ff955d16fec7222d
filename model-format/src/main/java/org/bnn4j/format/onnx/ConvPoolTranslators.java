package org.bnn4j.format.onnx;

import java.util.Arrays;
import java.util.List;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.ShapeInference;
import org.bnn4j.format.graph.ValueType;

/**
 * 2-D convolution, pooling and batch normalisation, with auto_pad resolved to explicit pads at
 * import (the engine ops take [top, left, bottom, right]).
 */
final class ConvPoolTranslators {
  private ConvPoolTranslators() {}

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("Conv", 6, 25, ConvPoolTranslators::conv);
    f.register("BatchNormalization", 6, 25, ConvPoolTranslators::batchNorm);
    f.register("AveragePool", 6, 25, c -> pool(c, false));
    f.register("MaxPool", 6, 25, c -> pool(c, true));
    f.register("GlobalAveragePool", 6, 25, c -> globalPool(c, OpType.GLOBAL_AVG_POOL));
    f.register("GlobalMaxPool", 6, 25, c -> globalPool(c, OpType.GLOBAL_MAX_POOL));
  }

  private static void conv(NodeContext c) {
    c.attrs.allowOnly("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
    c.inputs(2, 3);
    ValueType x = c.type(0);
    ValueType w = c.type(1);
    if (x.rank() != 4) {
      throw c.unsupported("only 2-D convolution (a rank-4 NCHW input) is supported; input '"
          + c.in(0) + "' has rank " + x.rank());
    }
    if (w.rank() != 4) {
      throw c.malformed("weights '" + c.in(1) + "' are " + Arrays.toString(w.dims())
          + ", expected [M, C/group, kH, kW]");
    }
    int[] kernel = {w.dim(2), w.dim(3)};
    int[] ks = c.attrs.getInts("kernel_shape", 2, null);
    if (ks != null && !Arrays.equals(ks, kernel)) {
      throw c.malformed("kernel_shape " + Arrays.toString(ks) + " does not match the weights "
          + Arrays.toString(w.dims()));
    }
    int[] strides = atLeastOne(c, "strides", c.attrs.getInts("strides", 2, new int[] {1, 1}));
    int[] dil = atLeastOne(c, "dilations", c.attrs.getInts("dilations", 2, new int[] {1, 1}));
    int[] pads = resolvePads(c, x, kernel, strides, dil);
    List<String> ins = c.has(2) ? List.of(c.in(0), c.in(1), c.in(2)) : List.of(c.in(0), c.in(1));
    c.emit(OpType.CONV2D, "", ins, c.out(0), "strides", strides, "pads", pads,
        "dilations", dil, "group", c.attrs.getSmallInt("group", 1));
  }

  private static void pool(NodeContext c, boolean max) {
    if (max) {
      c.attrs.allowOnly("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
          "storage_order", "strides");
    } else {
      c.attrs.allowOnly("auto_pad", "ceil_mode", "count_include_pad", "dilations",
          "kernel_shape", "pads", "strides");
    }
    c.inputs(1, 1);
    ValueType x = c.type(0);
    if (x.rank() != 4) {
      throw c.unsupported("only 2-D pooling (a rank-4 NCHW input) is supported; input '"
          + c.in(0) + "' has rank " + x.rank());
    }
    int[] kernel = c.attrs.getInts("kernel_shape", 2, null);
    if (kernel == null) {
      throw c.malformed("missing attribute 'kernel_shape'");
    }
    atLeastOne(c, "kernel_shape", kernel);
    int[] strides = atLeastOne(c, "strides", c.attrs.getInts("strides", 2, new int[] {1, 1}));
    int[] dil = atLeastOne(c, "dilations", c.attrs.getInts("dilations", 2, new int[] {1, 1}));
    if (!max && (dil[0] != 1 || dil[1] != 1)) {
      throw c.unsupported("dilated average pooling (dilations " + Arrays.toString(dil)
          + ") is not supported");
    }
    if (max && c.attrs.getInt("storage_order", 0) != 0) {
      throw c.unsupported("storage_order " + c.attrs.getInt("storage_order", 0)
          + " (column-major indices) is not supported");
    }
    boolean ceil = c.attrs.getInt("ceil_mode", 0) != 0;
    int[] pads = resolvePads(c, x, kernel, strides, dil);
    if (ceil && !c.attrs.getString("auto_pad", "NOTSET").equals("NOTSET")) {
      // With auto_pad, runtimes size the output from auto_pad alone: accept ceil_mode only where
      // it changes nothing.
      for (int i = 0; i < 2; i++) {
        long floor = ShapeInference.windowOutputSize(x.dim(2 + i), pads[i], pads[i + 2],
            kernel[i], strides[i], dil[i], false);
        long up = ShapeInference.windowOutputSize(x.dim(2 + i), pads[i], pads[i + 2],
            kernel[i], strides[i], dil[i], true);
        if (floor != up) {
          throw c.unsupported("ceil_mode together with auto_pad '"
              + c.attrs.getString("auto_pad", "") + "' changes the output size, and runtimes"
              + " disagree on its meaning");
        }
      }
      ceil = false;
    }
    if (max) {
      c.emit(OpType.MAX_POOL2D, "", List.of(c.in(0)), c.out(0), "kernel", kernel,
          "strides", strides, "pads", pads, "dilations", dil, "ceil_mode", ceil ? 1 : 0);
    } else {
      c.emit(OpType.AVG_POOL2D, "", List.of(c.in(0)), c.out(0), "kernel", kernel,
          "strides", strides, "pads", pads, "ceil_mode", ceil ? 1 : 0,
          "count_include_pad", c.attrs.getInt("count_include_pad", 0) != 0 ? 1 : 0);
    }
  }

  private static int[] atLeastOne(NodeContext c, String key, int[] v) {
    for (int x : v) {
      if (x < 1) {
        throw c.malformed(key + " " + Arrays.toString(v) + " must all be >= 1");
      }
    }
    return v;
  }

  /** Explicit [top, left, bottom, right] pads from pads or auto_pad. */
  private static int[] resolvePads(NodeContext c, ValueType x, int[] kernel, int[] strides, int[] dil) {
    String autoPad = c.attrs.getString("auto_pad", "NOTSET");
    int[] explicit = c.attrs.getInts("pads", 4, null);
    if (autoPad.equals("NOTSET")) {
      return explicit == null ? new int[4] : explicit;
    }
    if (explicit != null && Arrays.stream(explicit).anyMatch(p -> p != 0)) {
      throw c.malformed("pads " + Arrays.toString(explicit) + " cannot be combined with auto_pad '"
          + autoPad + "'");
    }
    int[] pads = new int[4];
    switch (autoPad) {
      case "VALID" -> { }
      case "SAME_UPPER", "SAME_LOWER" -> {
        for (int i = 0; i < 2; i++) {
          long in = x.dim(2 + i);
          long out = (in + strides[i] - 1) / strides[i];
          long extent = (long) (kernel[i] - 1) * dil[i] + 1;
          long total = Math.max(0, (out - 1) * strides[i] + extent - in);
          if (total > Integer.MAX_VALUE) {
            throw c.malformed("auto_pad needs " + total + " pads");
          }
          long small = total / 2;
          long big = total - small;
          boolean upper = autoPad.equals("SAME_UPPER");
          pads[i] = (int) (upper ? small : big);
          pads[i + 2] = (int) (upper ? big : small);
        }
      }
      default -> throw c.malformed("auto_pad '" + autoPad
          + "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    }
    return pads;
  }

  private static void globalPool(NodeContext c, OpType op) {
    c.attrs.allowOnly();
    c.inputs(1, 1);
    if (c.type(0).rank() != 4) {
      throw c.unsupported("only 2-D global pooling (a rank-4 NCHW input) is supported; input '"
          + c.in(0) + "' has rank " + c.type(0).rank());
    }
    c.emit(op, "", List.of(c.in(0)), c.out(0));
  }

  private static void batchNorm(NodeContext c) {
    c.attrs.allowOnly("epsilon", "momentum", "spatial", "is_test", "training_mode");
    c.inputs(5, 5);
    if (c.attrs.getInt("training_mode", 0) != 0) {
      throw c.unsupported("training_mode=1 (normalising with batch statistics) is not"
          + " supported; export the model in eval mode");
    }
    if (c.attrs.getInt("spatial", 1) != 1) {
      throw c.unsupported("spatial=0 (per-element statistics) is not supported");
    }
    if (c.opset() < 7 && c.attrs.getInt("is_test", 0) == 0) {
      throw c.unsupported("is_test=0 (training mode) is not supported; export the model in eval"
          + " mode");
    }
    c.emit(OpType.BATCH_NORM, "", c.ins, c.out(0), "epsilon",
        c.attrs.getFloat("epsilon", 1e-5f));
  }
}
