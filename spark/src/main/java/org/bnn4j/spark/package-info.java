/** Batch inference on Apache Spark: the {@code Bnn4jClassifier} DataFrame API and {@code bnn4j-spark}. */
package org.bnn4j.spark;
