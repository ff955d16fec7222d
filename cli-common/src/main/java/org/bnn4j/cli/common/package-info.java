/** Picocli plumbing the {@code bnn4j} and {@code bnn4j-spark} launchers share: exit codes, error lines, common options. */
package org.bnn4j.cli.common;
