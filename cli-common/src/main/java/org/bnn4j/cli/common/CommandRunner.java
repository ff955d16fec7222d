package org.bnn4j.cli.common;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * Runs a launcher's root command with the exit codes both launchers document: 0 success, 1 a
 * failure while running (one {@code error:} line on stderr, the stack trace too with {@code
 * --verbose}), 2 a usage error (picocli prints the usage).
 */
public final class CommandRunner {
  private CommandRunner() {}

  /** A launcher's {@code main}: runs on stdout and stderr, then exits with the code. */
  public static void exit(Object root, String[] args, Function<Throwable, String> describe) {
    System.exit(execute(root, args, new PrintWriter(System.out, true),
        new PrintWriter(System.err, true), describe));
  }

  /**
   * Parses {@code args} against {@code root} and runs the chosen subcommand.
   *
   * @param describe the launcher's one-line text for a failure (its own messages as they are)
   * @return the exit code
   */
  public static int execute(Object root, String[] args, PrintWriter out, PrintWriter err,
      Function<Throwable, String> describe) {
    CommandLine cl = new CommandLine(root);
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    // The handler runs after parsing failed or succeeded alike, so it reads --verbose from the
    // raw arguments rather than from a subcommand's field.
    boolean verbose = Arrays.asList(args).contains(VerboseOption.NAME);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      cmd.getErr().println("error: " + describe.apply(ex));
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
}
