/** Each op's attributes as a typed record, read from an {@code OpNode}, defaulted and checked once. */
package org.bnn4j.format.graph.attrs;
