package org.bnn4j.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}, shared by every subcommand; the error handler reads it from the args. */
final class VerboseOption {
  @Option(names = "--verbose", description = "Print a stack trace with any error.")
  boolean verbose;
}
