package org.bnn4j.cli;

import java.io.PrintWriter;
import org.bnn4j.Bnn4jException;
import org.bnn4j.cli.common.CommandRunner;
import org.bnn4j.cli.common.RootCommand;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code bnn4j} tool. Exit codes: 0 success, 1 model or input error (one
 * {@code error:} line on stderr), 2 usage error.
 */
@Command(
    name = "bnn4j",
    versionProvider = Bnn4jCli.Version.class,
    description = "Runs binary neural networks on the CPU, in pure Java.",
    subcommands = {ClassifyCommand.class, EvalCommand.class, ConvertCommand.class,
        InspectCommand.class, RunCommand.class,
        ServeCommand.class, BenchCommand.class})
public final class Bnn4jCli extends RootCommand {
  public static void main(String[] args) {
    CommandRunner.exit(new Bnn4jCli(), args, Bnn4jCli::describe);
  }

  /** Runs the tool in-process, for tests and embedding. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return CommandRunner.execute(new Bnn4jCli(), args, out, err, Bnn4jCli::describe);
  }

  /** One line for a failure: our own messages as they are, anything else with its type. */
  static String describe(Throwable ex) {
    if (ex instanceof Bnn4jException) {
      return oneLine(ex.getMessage());
    }
    if (ex instanceof java.nio.file.NoSuchFileException e) {
      return "no such file: " + e.getFile();
    }
    if (ex instanceof java.nio.file.AccessDeniedException e) {
      return "permission denied: " + e.getFile();
    }
    if (ex instanceof java.io.IOException) {
      return oneLine("I/O error: " + ex.getMessage());
    }
    if (ex instanceof CliException) {
      return oneLine(ex.getMessage());
    }
    return oneLine("internal error (" + ex.getClass().getName() + "): " + ex.getMessage()
        + "; please report it with --verbose output");
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
  }

  /** A user-facing failure in the tool itself, such as an output folder that cannot be made. */
  static final class CliException extends RuntimeException {
    CliException(String message) {
      super(message);
    }
  }

  static final class Version extends JarVersion {
    Version() {
      super("bnn4j", Bnn4jCli.class);
    }
  }
}
