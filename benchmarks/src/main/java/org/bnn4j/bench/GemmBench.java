package org.bnn4j.bench;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bnn4j.kernels.BinaryConvKernel;
import org.bnn4j.kernels.BinaryConvSpec;
import org.bnn4j.kernels.KernelProvider;
import org.bnn4j.kernels.Kernels;
import org.bnn4j.kernels.Window2d;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * The binary GEMM of a 3x3, 256-channel layer at 14x14 (M = 196 positions, N = 256 channels, K =
 * 2304 bits), the same number of binary multiply-adds four ways:
 * <ul>
 *   <li>{@code binaryKernel}: bnn4j's vector micro-kernel (as a 1x1 convolution over K channels,
 *       float output with the fused transform), single thread;
 *   <li>{@code scalarBitCount}: a plain {@code Long.bitCount} triple loop;
 *   <li>{@code xorPopcountPeak}: the micro-kernel's register work alone (broadcast, XOR, popcount,
 *       add into 12 accumulators) with no loads: the ceiling, so kernel / peak time is the
 *       fraction of peak the kernel reaches;
 *   <li>{@code fmaPeak}: the same number of float multiply-adds as register-only FMAs into 12
 *       accumulators (enough independent chains to cover FMA latency on AVX2 and AVX-512). The
 *       two peaks' ratio is the ceiling for any binary-versus-float speed-up on this machine.
 * </ul>
 * Setup checks the kernel against the scalar dots exactly.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar
 * GemmBench}.
 */
public class GemmBench extends BenchDefaults {
  static final int M = 196;
  static final int N = 256;
  static final int K = 2304;
  static final int KW = K / 64;
  private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private long[] x;
  private long[] w;
  private float[] y;
  private int[] dots;
  private float[] scratch;
  private BinaryConvKernel kernel;
  private long[] peakWeights;

  @Setup(Level.Trial)
  public void setup() {
    Random rnd = new Random(9);
    x = BenchModels.bits(rnd, M, K);
    w = BenchModels.bits(rnd, N, K);
    y = new float[M * N];
    dots = new int[M * N];
    float[] one = new float[N];
    java.util.Arrays.fill(one, 1f);
    KernelProvider vector = Kernels.vectorOrNull();
    if (vector == null) {
      throw new IllegalStateException("pass --add-modules jdk.incubator.vector");
    }
    kernel = vector.binaryConv(new BinaryConvSpec(1, K, 14, 14, N, 1,
        new Window2d(1, 1, 1, 1, 0, 0, 0, 0, 1, 1), 14, 14, w, null, false, false, one,
        new float[N], false, null, null, null, null));
    scratch = new float[kernel.scratchFloats()];
    peakWeights = BenchModels.bits(rnd, 4 * S.length(), 64);
    // Let C2 compile the vector code before the (possibly short) JMH warm-up.
    long until = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < until) {
      binaryKernel();
      xorPopcountPeak();
      fmaPeak();
    }
    binaryKernel();
    scalarBitCount();
    // Kernel output is NCHW: y[n * M + m].
    for (int m = 0; m < M; m++) {
      for (int n = 0; n < N; n++) {
        if (y[n * M + m] != dots[m * N + n]) {
          throw new IllegalStateException("kernel dot (" + m + ", " + n + ") is "
              + y[n * M + m] + ", scalar gives " + dots[m * N + n]);
        }
      }
    }
  }

  @Benchmark
  public float[] binaryKernel() {
    kernel.run(x, 0, null, 0, y, null, 0, scratch, 0, 0, M);
    return y;
  }

  @Benchmark
  public int[] scalarBitCount() {
    for (int m = 0; m < M; m++) {
      for (int n = 0; n < N; n++) {
        int pc = 0;
        for (int k = 0; k < KW; k++) {
          pc += Long.bitCount(x[m * KW + k] ^ w[n * KW + k]);
        }
        dots[m * N + n] = K - 2 * pc;
      }
    }
    return dots;
  }

  /** M*N*K binary MACs of register-only work: 3 broadcasts x 4 weight vectors per step. */
  @Benchmark
  public long xorPopcountPeak() {
    int lanes = S.length();
    int steps = M * N * KW / (12 * lanes);
    LongVector w0 = LongVector.fromArray(S, peakWeights, 0);
    LongVector w1 = LongVector.fromArray(S, peakWeights, lanes);
    LongVector w2 = LongVector.fromArray(S, peakWeights, 2 * lanes);
    LongVector w3 = LongVector.fromArray(S, peakWeights, 3 * lanes);
    LongVector a0 = LongVector.zero(S);
    LongVector a1 = a0;
    LongVector a2 = a0;
    LongVector a3 = a0;
    LongVector b0 = a0;
    LongVector b1 = a0;
    LongVector b2 = a0;
    LongVector b3 = a0;
    LongVector c0 = a0;
    LongVector c1 = a0;
    LongVector c2 = a0;
    LongVector c3 = a0;
    for (int i = 0; i < steps; i++) {
      long v = i * 0x9E3779B97F4A7C15L;
      LongVector xa = LongVector.broadcast(S, v);
      a0 = a0.add(xa.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      a1 = a1.add(xa.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      a2 = a2.add(xa.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      a3 = a3.add(xa.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
      LongVector xb = LongVector.broadcast(S, v + 1);
      b0 = b0.add(xb.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      b1 = b1.add(xb.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      b2 = b2.add(xb.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      b3 = b3.add(xb.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
      LongVector xc = LongVector.broadcast(S, v + 2);
      c0 = c0.add(xc.lanewise(VectorOperators.XOR, w0).lanewise(VectorOperators.BIT_COUNT));
      c1 = c1.add(xc.lanewise(VectorOperators.XOR, w1).lanewise(VectorOperators.BIT_COUNT));
      c2 = c2.add(xc.lanewise(VectorOperators.XOR, w2).lanewise(VectorOperators.BIT_COUNT));
      c3 = c3.add(xc.lanewise(VectorOperators.XOR, w3).lanewise(VectorOperators.BIT_COUNT));
    }
    return a0.add(a1).add(a2).add(a3).add(b0).add(b1).add(b2).add(b3).add(c0).add(c1).add(c2)
        .add(c3).reduceLanes(VectorOperators.ADD);
  }

  /**
   * M*N*K float multiply-adds of register-only work: 12 independent FMA chains, with operands
   * that stay finite and never denormal (multipliers just below 1).
   */
  @Benchmark
  public float fmaPeak() {
    int lanes = F.length();
    int steps = M * N * K / (12 * lanes);
    FloatVector m0 = FloatVector.broadcast(F, 0.9999f);
    FloatVector m1 = FloatVector.broadcast(F, 0.9998f);
    FloatVector m2 = FloatVector.broadcast(F, 0.9997f);
    FloatVector add = FloatVector.broadcast(F, 1e-3f);
    FloatVector a0 = FloatVector.broadcast(F, 1f);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector b0 = a0;
    FloatVector b1 = a0;
    FloatVector b2 = a0;
    FloatVector b3 = a0;
    FloatVector c0 = a0;
    FloatVector c1 = a0;
    FloatVector c2 = a0;
    FloatVector c3 = a0;
    for (int i = 0; i < steps; i++) {
      a0 = a0.fma(m0, add);
      a1 = a1.fma(m1, add);
      a2 = a2.fma(m2, add);
      a3 = a3.fma(m0, add);
      b0 = b0.fma(m1, add);
      b1 = b1.fma(m2, add);
      b2 = b2.fma(m0, add);
      b3 = b3.fma(m1, add);
      c0 = c0.fma(m2, add);
      c1 = c1.fma(m0, add);
      c2 = c2.fma(m1, add);
      c3 = c3.fma(m2, add);
    }
    return a0.add(a1).add(a2).add(a3).add(b0).add(b1).add(b2).add(b3).add(c0).add(c1).add(c2)
        .add(c3).reduceLanes(VectorOperators.ADD);
  }
}
