package org.bnn4j.spark;

import java.io.PrintWriter;
import org.bnn4j.Bnn4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bnn4j-spark}, and the main class of the module's jar for {@code
 * spark-submit}. Exit codes as {@code bnn4j}: 0 success, 1 model, input or Spark error (one
 * {@code error:} line on stderr), 2 usage error.
 */
@Command(
    name = "bnn4j-spark",
    mixinStandardHelpOptions = true,
    versionProvider = Bnn4jSparkCli.Version.class,
    description = "Runs bnn4j models over many files on Apache Spark.",
    subcommands = {SparkClassifyCommand.class})
public final class Bnn4jSparkCli implements java.util.concurrent.Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the tool in-process, for tests and embedding; uses the active SparkSession if any. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Bnn4jSparkCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      cmd.getErr().println("error: " + describe(ex));
      if (java.util.Arrays.asList(args).contains("--verbose")) {
        ex.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return 1;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** One line: our messages as they are; Spark's first line, which names the failed stage. */
  static String describe(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof Bnn4jException || t instanceof IllegalArgumentException) {
        return oneLine(t.getMessage());
      }
    }
    if (ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException) {
      return oneLine("I/O error: " + ex.getMessage());
    }
    return oneLine(ex.getClass().getSimpleName() + ": " + ex.getMessage());
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).replace('\r', ' ');
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Bnn4jSparkCli.class.getPackage().getImplementationVersion();
      return new String[] {"bnn4j-spark " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
