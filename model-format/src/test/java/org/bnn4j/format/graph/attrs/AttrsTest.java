package org.bnn4j.format.graph.attrs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnn4j.ModelFormatException;
import org.bnn4j.UnsupportedModelException;
import org.bnn4j.format.graph.OpNode;
import org.bnn4j.format.graph.OpType;
import org.junit.jupiter.api.Test;

/**
 * The attribute records: an absent attribute gets the default the ONNX operator spec gives
 * (Conv, MaxPool, Gemm, BatchNormalization, LeakyRelu, HardSigmoid, Clip, Pad), present ones
 * are read as written, and malformed ones are rejected with a typed exception naming the node.
 */
class AttrsTest {

  private static OpNode node(OpType op, Object... kv) {
    OpNode n = new OpNode("n", op, List.of("x"), List.of("y"));
    for (int i = 0; i < kv.length; i += 2) {
      n.set((String) kv[i], kv[i + 1]);
    }
    return n;
  }

  @Test
  void absentAttributesGetTheOnnxDefaults() {
    Conv2dAttrs conv = Conv2dAttrs.of(node(OpType.CONV2D));
    assertArrayEquals(new int[] {1, 1}, conv.strides());
    assertArrayEquals(new int[] {0, 0, 0, 0}, conv.pads());
    assertArrayEquals(new int[] {1, 1}, conv.dilations());
    assertEquals(1, conv.group());

    PoolAttrs pool = PoolAttrs.of(node(OpType.MAX_POOL2D, "kernel", new int[] {3, 2}));
    assertArrayEquals(new int[] {3, 2}, pool.kernel());
    assertArrayEquals(new int[] {1, 1}, pool.strides());
    assertArrayEquals(new int[] {0, 0, 0, 0}, pool.pads());
    assertFalse(pool.ceilMode());
    assertFalse(pool.countIncludePad());

    assertEquals(new GemmAttrs(false, false, 1f, 1f), GemmAttrs.of(node(OpType.GEMM)));
    assertEquals(1e-5f, BatchNormAttrs.of(node(OpType.BATCH_NORM)).epsilon());
    assertEquals(0.01f, LeakyReluAttrs.of(node(OpType.LEAKY_RELU)).alpha());
    assertEquals(new HardSigmoidAttrs(0.2f, 0.5f), HardSigmoidAttrs.of(node(OpType.HARD_SIGMOID)));
    assertEquals(new ClipAttrs(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY),
        ClipAttrs.of(node(OpType.CLIP)));
    PadAttrs pad = PadAttrs.of(node(OpType.PAD, "pads", new int[] {0, 1, 0, 2}), 2);
    assertEquals("constant", pad.mode());
    assertEquals(0f, pad.value());
    // bnn4j's own ops: Binarize reads an input at the threshold as +1, binary layers give floats.
    assertFalse(BinarizeAttrs.of(node(OpType.BINARIZE)).zeroState());
    assertFalse(BinaryOutputAttrs.of(node(OpType.BINARY_DENSE)).bits());
  }

  @Test
  void presentAttributesAreReadAsWritten() {
    Conv2dAttrs conv = Conv2dAttrs.of(node(OpType.CONV2D, "strides", new int[] {2, 3},
        "pads", new int[] {1, 2, 3, 4}, "dilations", new int[] {2, 1}, "group", 4));
    assertArrayEquals(new int[] {2, 3}, conv.strides());
    assertArrayEquals(new int[] {1, 2, 3, 4}, conv.pads());
    assertArrayEquals(new int[] {2, 1}, conv.dilations());
    assertEquals(4, conv.group());
    assertEquals(new GemmAttrs(true, false, 0.5f, 2f), GemmAttrs.of(node(OpType.GEMM,
        "transA", 1, "transB", 0, "alpha", 0.5f, "beta", 2f)));
    PoolAttrs avg = PoolAttrs.of(node(OpType.AVG_POOL2D, "kernel", new int[] {2, 2},
        "ceil_mode", 1, "count_include_pad", 1));
    assertTrue(avg.ceilMode() && avg.countIncludePad());
    assertTrue(BinarizeAttrs.of(node(OpType.BINARIZE, "zero", "zero")).zeroState());
    assertTrue(BinaryOutputAttrs.of(node(OpType.BINARY_CONV2D, "output", "bits")).bits());
    assertEquals("reflect", PadAttrs.of(node(OpType.PAD, "pads", new int[] {0, 0},
        "mode", "reflect"), 1).mode());
  }

  @Test
  void requiredLayoutAttributesAreReadOrRejected() {
    assertEquals(1, AxisAttrs.of(node(OpType.SOFTMAX, "axis", 1)).axis());
    assertThrows(ModelFormatException.class, () -> AxisAttrs.of(node(OpType.CONCAT)));
    assertArrayEquals(new int[] {2, 3},
        ReshapeAttrs.of(node(OpType.RESHAPE, "shape", new int[] {2, 3})).shape());
    assertThrows(ModelFormatException.class,
        () -> ReshapeAttrs.of(node(OpType.RESHAPE, "shape", new int[] {-1, 3})));
    assertThrows(ModelFormatException.class, () -> ReshapeAttrs.of(node(OpType.RESHAPE)));
    assertArrayEquals(new int[] {1, 0},
        TransposeAttrs.of(node(OpType.TRANSPOSE, "perm", new int[] {1, 0}), 2).perm());
    assertThrows(ModelFormatException.class,
        () -> TransposeAttrs.of(node(OpType.TRANSPOSE, "perm", new int[] {1, 0}), 3));
    SliceAttrs slice = SliceAttrs.of(node(OpType.SLICE, "starts", new int[] {0, 4},
        "steps", new int[] {1, -2}, "dims", new int[] {3, 2}), 2);
    assertArrayEquals(new long[] {0, 4}, slice.starts());
    assertArrayEquals(new long[] {1, -2}, slice.steps());
    assertArrayEquals(new long[] {3, 2}, slice.dims());
    assertThrows(ModelFormatException.class, () -> SliceAttrs.of(node(OpType.SLICE,
        "starts", new int[] {0}, "steps", new int[] {1}), 1));
  }

  @Test
  void arraysAreCopiesSoACallerCannotChangeTheRecord() {
    Conv2dAttrs conv = Conv2dAttrs.of(node(OpType.CONV2D));
    conv.pads()[0] = 7;
    assertArrayEquals(new int[] {0, 0, 0, 0}, conv.pads());
  }

  @Test
  void malformedAttributesAreRejectedNamingTheNode() {
    String m = assertThrows(ModelFormatException.class, () -> PoolAttrs.of(
        node(OpType.MAX_POOL2D, "kernel", new int[] {2, 2}, "ceil_mode", 2))).getMessage();
    assertEquals("MaxPool2d node 'n': ceil_mode is 2, expected 0 or 1", m);
    m = assertThrows(ModelFormatException.class,
        () -> PoolAttrs.of(node(OpType.MAX_POOL2D))).getMessage();
    assertEquals("MaxPool2d node 'n': missing attribute 'kernel'", m);
    m = assertThrows(ModelFormatException.class, () -> Conv2dAttrs.of(
        node(OpType.CONV2D, "pads", new int[] {0, -1, 0, 0}))).getMessage();
    assertEquals("Conv2d node 'n': pads [0, -1, 0, 0] must all be >= 0", m);
    assertThrows(ModelFormatException.class, () -> Conv2dAttrs.of(
        node(OpType.CONV2D, "strides", new int[] {1, 0})));
    assertThrows(ModelFormatException.class, () -> Conv2dAttrs.of(node(OpType.CONV2D,
        "strides", new int[] {1, 1, 1})));
    assertThrows(ModelFormatException.class,
        () -> Conv2dAttrs.of(node(OpType.CONV2D, "group", 0)));
    assertThrows(ModelFormatException.class,
        () -> GemmAttrs.of(node(OpType.GEMM, "alpha", 1)));
    assertThrows(ModelFormatException.class,
        () -> BatchNormAttrs.of(node(OpType.BATCH_NORM, "epsilon", Float.NaN)));
    assertThrows(ModelFormatException.class,
        () -> ClipAttrs.of(node(OpType.CLIP, "min", Float.NaN)));
    assertThrows(UnsupportedModelException.class,
        () -> ClipAttrs.of(node(OpType.CLIP, "min", 2f, "max", 1f)));
    assertThrows(UnsupportedModelException.class, () -> PadAttrs.of(
        node(OpType.PAD, "pads", new int[] {0, 0}, "mode", "wrap"), 1));
    assertThrows(ModelFormatException.class,
        () -> PadAttrs.of(node(OpType.PAD, "pads", new int[] {0, 0}), 2));
    assertThrows(ModelFormatException.class,
        () -> BinarizeAttrs.of(node(OpType.BINARIZE, "zero", "minus")));
    assertThrows(ModelFormatException.class,
        () -> BinaryOutputAttrs.of(node(OpType.BINARY_DENSE, "output", "ints")));
  }
}
