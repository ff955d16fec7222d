package org.bnn4j.kernels;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Picks the kernel implementation once per JVM, Lucene style. The system property {@code
 * bnn4j.kernels} is {@code auto} (default), {@code vector} or {@code scalar}:
 * <ul>
 *   <li>{@code auto}: the {@code jdk.incubator.vector} kernels when the module is present and the
 *       JIT is C2, otherwise the scalar kernels and one log line naming the fix;
 *   <li>{@code vector}: the vector kernels even without C2 (scalar, with a log line, when the
 *       module is absent);
 *   <li>{@code scalar}: the scalar kernels, which compute what the reference kernels do.
 * </ul>
 * An unknown value is logged and read as {@code auto}.
 * The vector implementation is loaded by class name, only when selected, so the engine runs
 * without the incubator module.
 */
public final class Kernels {
  private Kernels() {}

  /** The system property that forces an implementation. */
  public static final String PROPERTY = "bnn4j.kernels";

  static final String VECTOR_PROVIDER = "org.bnn4j.kernels.vector.VectorKernelProvider";

  private static final System.Logger LOG = System.getLogger(Kernels.class.getName());

  /** Why the scalar kernels were chosen, or null when the vector ones were. */
  private static volatile String fallbackReason;

  private static final class Holder {
    static final KernelProvider PROVIDER = select(System.getProperty(PROPERTY, "auto"));
  }

  /**
   * Why the selected kernels are scalar, in one sentence naming the fix, or null when they are
   * the vector kernels.
   */
  public static String fallbackReason() {
    provider();
    return fallbackReason;
  }

  /** True when the Vector API module is missing from the boot layer. */
  public static boolean vectorModuleMissing() {
    return !vectorModulePresent();
  }

  /**
   * True when the CPU counts the bits of a vector of longs in one instruction (AVX-512
   * VPOPCNTDQ on x86, NEON CNT on AArch64); otherwise the Vector API emulates it with byte
   * shuffles, about 2x slower per word. Read from /proc/cpuinfo on x86; false when unknown.
   */
  public static boolean hardwareVectorPopcount() {
    return PopcountProbe.HARDWARE;
  }

  private static final class PopcountProbe {
    static final boolean HARDWARE = probe();

    private static boolean probe() {
      String arch = System.getProperty("os.arch", "");
      if (arch.equals("aarch64")) {
        return true;
      }
      try {
        java.nio.file.Path info = java.nio.file.Path.of("/proc/cpuinfo");
        if (!java.nio.file.Files.isReadable(info)) {
          return false;
        }
        try (var lines = java.nio.file.Files.lines(info)) {
          return lines.filter(l -> l.startsWith("flags")).findFirst()
              .map(l -> java.util.Arrays.asList(l.split("\\s+")).contains("avx512_vpopcntdq"))
              .orElse(false);
        }
      } catch (java.io.IOException | RuntimeException e) {
        return false;
      }
    }
  }

  /** The selected provider, chosen on first use. */
  public static KernelProvider provider() {
    return Holder.PROVIDER;
  }

  /** True when the vector kernels are selected. */
  public static boolean vectorized() {
    return provider() != ScalarKernelProvider.INSTANCE;
  }

  /**
   * The scalar provider: every kernel family in plain Java on the reference kernels, the end of
   * every provider chain (see {@link KernelProvider}).
   */
  public static KernelProvider scalar() {
    return ScalarKernelProvider.INSTANCE;
  }

  /**
   * The vector provider, loaded now, or null when the {@code jdk.incubator.vector} module is not
   * in the boot layer. For tests and benchmarks that compare both.
   */
  public static KernelProvider vectorOrNull() {
    if (!vectorModulePresent()) {
      return null;
    }
    try {
      return (KernelProvider) Class.forName(VECTOR_PROVIDER).getDeclaredConstructor()
          .newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  static KernelProvider select(String mode) {
    switch (mode.toLowerCase(Locale.ROOT)) {
      case "scalar":
        fallbackReason = "-D" + PROPERTY + "=scalar asks for the scalar kernels";
        return ScalarKernelProvider.INSTANCE;
      case "vector": {
        KernelProvider p = vectorOrNull();
        if (p == null) {
          fallbackReason = "jdk.incubator.vector is not available; pass --add-modules"
              + " jdk.incubator.vector";
          LOG.log(System.Logger.Level.WARNING, "bnn4j: -D" + PROPERTY + "=vector but"
              + " jdk.incubator.vector is not available, using scalar kernels; pass"
              + " --add-modules jdk.incubator.vector");
          return ScalarKernelProvider.INSTANCE;
        }
        return p;
      }
      case "auto": {
        if (!vectorModulePresent()) {
          fallbackReason = "jdk.incubator.vector is not available; pass --add-modules"
              + " jdk.incubator.vector";
          LOG.log(System.Logger.Level.INFO, "bnn4j: jdk.incubator.vector is not available, using"
              + " scalar kernels; pass --add-modules jdk.incubator.vector for the fast ones");
          return ScalarKernelProvider.INSTANCE;
        }
        if (!c2Enabled()) {
          fallbackReason = "the C2 JIT is off; drop -XX:TieredStopAtLevel / -Xint";
          LOG.log(System.Logger.Level.INFO, "bnn4j: the C2 JIT is off, using scalar kernels;"
              + " drop -XX:TieredStopAtLevel / -Xint for the fast vector kernels");
          return ScalarKernelProvider.INSTANCE;
        }
        KernelProvider p = vectorOrNull();
        if (p == null) {
          fallbackReason = "the vector kernels failed to load; pass --add-modules"
              + " jdk.incubator.vector";
          LOG.log(System.Logger.Level.INFO, "bnn4j: the vector kernels failed to load, using"
              + " scalar kernels; pass --add-modules jdk.incubator.vector");
          return ScalarKernelProvider.INSTANCE;
        }
        return p;
      }
      default:
        LOG.log(System.Logger.Level.WARNING, "bnn4j: -D" + PROPERTY + "=" + mode
            + " is not one of auto, vector, scalar; using auto");
        return select("auto");
    }
  }

  static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** True when the JIT includes C2 (not -Xint, not -XX:TieredStopAtLevel below 4). */
  static boolean c2Enabled() {
    String info = System.getProperty("java.vm.info", "");
    if (info.contains("interpreted mode")) {
      return false;
    }
    try {
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.startsWith("-XX:TieredStopAtLevel=")) {
          return arg.endsWith("=4");
        }
        if (arg.equals("-Xint")) {
          return false;
        }
      }
      var jit = ManagementFactory.getCompilationMXBean();
      return jit == null || !jit.getName().contains("C1 ");
    } catch (RuntimeException | LinkageError e) {
      return true;
    }
  }
}
