/** Internal bridges into the public API for bnn4j's own tools, tests and benchmarks. */
package org.bnn4j.internal;
