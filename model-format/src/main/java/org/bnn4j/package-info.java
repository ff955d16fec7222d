/** The bnn4j public API: models, sessions, tensors and the typed exceptions they throw. */
package org.bnn4j;
