/**
 * Kernels on {@code jdk.incubator.vector}, loaded by class name only when {@link
 * org.bnn4j.kernels.Kernels} selects them; nothing outside this package refers to it directly.
 */
package org.bnn4j.kernels.vector;
