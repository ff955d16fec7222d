package org.bnn4j.cli.common;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every subcommand of both launchers has: {@code --help}, {@code --version}, {@code
 * --verbose} (read by {@link CommandRunner}), its picocli spec for output streams, and usage
 * errors, which picocli reports with the usage and exit code 2. Picocli reads the annotations
 * here for each subclass.
 */
@Command(mixinStandardHelpOptions = true)
public abstract class Subcommand implements Callable<Integer> {
  @Mixin VerboseOption verbose;
  @Spec protected CommandSpec spec;

  /** A usage error with {@code message}, to throw. */
  protected final ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Throws a usage error with {@code message} unless {@code ok}. */
  protected final void require(boolean ok, String message) {
    if (!ok) {
      throw usageError(message);
    }
  }
}
