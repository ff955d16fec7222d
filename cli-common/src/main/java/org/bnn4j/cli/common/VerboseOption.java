package org.bnn4j.cli.common;

import picocli.CommandLine.Option;

/** {@code --verbose}, on every subcommand; {@link CommandRunner} reads it from the arguments. */
public final class VerboseOption {
  static final String NAME = "--verbose";

  @Option(names = NAME, description = "Print a stack trace with any error.")
  boolean verbose;
}
