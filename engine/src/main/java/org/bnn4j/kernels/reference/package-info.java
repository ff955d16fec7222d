/**
 * Scalar float reference kernels: plain, obviously correct static methods over {@code float[]}
 * with offsets and dims, knowing nothing about graphs; the baseline fast kernels are tested against.
 */
package org.bnn4j.kernels.reference;
