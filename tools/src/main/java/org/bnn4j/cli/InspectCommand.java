package org.bnn4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.bnn4j.Model;
import org.bnn4j.cli.common.Subcommand;
import org.bnn4j.format.ModelStats;
import org.bnn4j.format.graph.Graph;
import org.bnn4j.internal.ModelInternals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bnn4j inspect}: a per-op table of shapes, parameters, weight bytes and MACs. */
@Command(
    name = "inspect",
    description = "Prints each op with its output shape, parameters, weight bytes and MACs.")
final class InspectCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "MODEL", description = ModelSource.MODEL_HELP)
  String model;

  @Override
  public Integer call() throws IOException {
    try (Model m = ModelSource.open(model)) {
      PrintWriter out = spec.commandLine().getOut();
      Graph graph = ModelInternals.graph(m);
      out.print(ModelStats.of(graph).toTable(graph.metadata()));
      out.flush();
    }
    return 0;
  }
}
