/** The mutable in-memory graph that the importer builds, converter passes rewrite and the engine loads. */
package org.bnn4j.format.graph;
