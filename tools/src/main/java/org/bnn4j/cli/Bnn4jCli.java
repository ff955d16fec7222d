package org.bnn4j.cli;

import java.io.PrintWriter;
import org.bnn4j.Bnn4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code bnn4j} tool. Exit codes: 0 success, 1 model or input error (one
 * {@code error:} line on stderr), 2 usage error.
 */
@Command(
    name = "bnn4j",
    mixinStandardHelpOptions = true,
    versionProvider = Bnn4jCli.Version.class,
    description = "Runs binary neural networks on the CPU, in pure Java.",
    subcommands = {ClassifyCommand.class, EvalCommand.class, ConvertCommand.class,
        InspectCommand.class, RunCommand.class,
        ServeCommand.class, BenchCommand.class})
public final class Bnn4jCli implements java.util.concurrent.Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Without a subcommand there is nothing to do: show the usage, as for any usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }


  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the tool in-process, for tests and embedding. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Bnn4jCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      boolean verbose = false;
      for (String a : args) {
        verbose |= a.equals("--verbose");
      }
      cmd.getErr().println("error: " + describe(ex));
      if (verbose) {
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

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Bnn4jCli.class.getPackage().getImplementationVersion();
      return new String[] {"bnn4j " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
