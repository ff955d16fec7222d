/** Converter passes that rewrite an imported graph, such as binary lowering and squeezing. */
package org.bnn4j.convert;
