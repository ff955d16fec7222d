package org.bnn4j.spark;

import java.io.PrintWriter;
import org.bnn4j.Bnn4jException;
import org.bnn4j.cli.common.CommandRunner;
import org.bnn4j.cli.common.RootCommand;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bnn4j-spark}, and the main class of the module's jar for {@code
 * spark-submit}. Exit codes as {@code bnn4j}: 0 success, 1 model, input or Spark error (one
 * {@code error:} line on stderr), 2 usage error.
 */
@Command(
    name = "bnn4j-spark",
    versionProvider = Bnn4jSparkCli.Version.class,
    description = "Runs bnn4j models over many files on Apache Spark.",
    subcommands = {SparkClassifyCommand.class})
public final class Bnn4jSparkCli extends RootCommand {
  public static void main(String[] args) {
    CommandRunner.exit(new Bnn4jSparkCli(), args, Bnn4jSparkCli::describe);
  }

  /** Runs the tool in-process, for tests and embedding; uses the active SparkSession if any. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return CommandRunner.execute(new Bnn4jSparkCli(), args, out, err, Bnn4jSparkCli::describe);
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

  static final class Version extends JarVersion {
    Version() {
      super("bnn4j-spark", Bnn4jSparkCli.class);
    }
  }
}
