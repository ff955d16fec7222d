package org.bnn4j.format.onnx;

import java.util.Arrays;
import java.util.List;
import org.bnn4j.format.graph.OpType;
import org.bnn4j.format.graph.ValueType;
import org.bnn4j.format.graph.attrs.GemmAttrs;

/** Gemm, and MatMul lowered onto the engine's 2-D Gemm between Reshapes. */
final class MatMulTranslators {
  private MatMulTranslators() {}

  /** Registers this family's ops: op type, opsets of the default domain, translator. */
  static void register(TranslatorRegistry.Family f) {
    f.register("Gemm", 6, 25, MatMulTranslators::gemm);
    f.register("MatMul", 6, 25, MatMulTranslators::matMul);
  }

  private static void gemm(NodeContext c) {
    c.attrs.allowOnly("alpha", "beta", "transA", "transB", "broadcast");
    c.inputs(2, 3);
    boolean ta = c.attrs.getInt("transA", 0) != 0;
    boolean tb = c.attrs.getInt("transB", 0) != 0;
    if (c.has(2) && c.opset() < 7 && c.attrs.getInt("broadcast", 0) == 0) {
      ValueType a = c.type(0);
      ValueType b = c.type(1);
      ValueType cc = c.type(2);
      if (a.rank() == 2 && b.rank() == 2) {
        int[] mn = {ta ? a.dim(1) : a.dim(0), tb ? b.dim(0) : b.dim(1)};
        if (!Arrays.equals(cc.dims(), mn)) {
          throw c.malformed("C is " + Arrays.toString(cc.dims()) + " and broadcast is not set;"
              + " expected " + Arrays.toString(mn));
        }
      }
    }
    List<String> ins = c.has(2) ? List.of(c.in(0), c.in(1), c.in(2)) : List.of(c.in(0), c.in(1));
    c.emit(OpType.GEMM, "", ins, c.out(0), GemmAttrs.TRANS_A, ta ? 1 : 0, GemmAttrs.TRANS_B,
        tb ? 1 : 0, GemmAttrs.ALPHA, c.attrs.getFloat(GemmAttrs.ALPHA, GemmAttrs.DEFAULT_ALPHA),
        GemmAttrs.BETA, c.attrs.getFloat(GemmAttrs.BETA, GemmAttrs.DEFAULT_BETA));
  }

  /** MatMul with B of rank 1 or 2, as Gemm between Reshapes where A or B is not 2-D. */
  private static void matMul(NodeContext c) {
    c.attrs.allowOnly();
    c.inputs(2, 2);
    ValueType a = c.type(0);
    ValueType b = c.type(1);
    if (a.rank() == 0 || b.rank() == 0) {
      throw c.malformed("MatMul operands must have rank >= 1, found " + a + " and " + b);
    }
    if (b.rank() > 2) {
      throw c.unsupported("batched MatMul (B of rank " + b.rank() + ") is not supported");
    }
    int k = a.dim(a.rank() - 1);
    if (a.elementCount() == 0 || b.elementCount() == 0) {
      throw c.unsupported("MatMul of an empty tensor is not supported");
    }
    if (b.dim(0) != k) {
      throw c.malformed("inner dims differ: A " + Arrays.toString(a.dims()) + ", B "
          + Arrays.toString(b.dims()));
    }
    long m = a.elementCount() / k;
    int n = b.rank() == 2 ? b.dim(1) : 1;
    int[] result = new int[a.rank() - 1 + (b.rank() == 2 ? 1 : 0)];
    System.arraycopy(a.dims(), 0, result, 0, a.rank() - 1);
    if (b.rank() == 2) {
      result[result.length - 1] = n;
    }
    String a2 = a.rank() == 2 ? c.in(0)
        : c.reshapeTo(c.in(0), new int[] {(int) m, k}, c.temp("a2d"), "reshape_a");
    String b2 = b.rank() == 2 ? c.in(1)
        : c.reshapeTo(c.in(1), new int[] {k, 1}, c.temp("b2d"), "reshape_b");
    boolean direct = a.rank() == 2 && b.rank() == 2;
    String y = direct ? c.out(0) : c.temp("gemm");
    c.emit(OpType.GEMM, "gemm", List.of(a2, b2), y, "transA", 0, "transB", 0, "alpha", 1f,
        "beta", 1f);
    if (!direct) {
      c.reshapeTo(y, result, c.out(0), "reshape_out");
    }
  }
}
