/** The {@code bnn4j} command-line tool: convert, inspect, run, classify and eval. */
package org.bnn4j.cli;
