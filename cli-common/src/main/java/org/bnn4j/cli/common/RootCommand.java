package org.bnn4j.cli.common;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A launcher's top command, with {@code --help} and {@code --version}. Without a subcommand there
 * is nothing to do: it shows the usage, as for any usage error, and exits 2.
 */
@Command(mixinStandardHelpOptions = true)
public abstract class RootCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public final Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /**
   * {@code --version}: the launcher's name and its jar's Implementation-Version (the project
   * version when run from classes, outside a jar).
   */
  public abstract static class JarVersion implements IVersionProvider {
    private final String launcher;
    private final Class<?> inJar;

    protected JarVersion(String launcher, Class<?> inJar) {
      this.launcher = launcher;
      this.inJar = inJar;
    }

    @Override
    public final String[] getVersion() {
      String v = inJar.getPackage().getImplementationVersion();
      return new String[] {launcher + " " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
