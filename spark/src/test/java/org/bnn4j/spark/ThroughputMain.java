package org.bnn4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bnn4j.Session;
import org.bnn4j.Tensor;

/**
 * Images per second per core: the plain API loop (read, decode, run on one session, one
 * thread) against the Spark classifier on local[1] and local[N], in one JVM, on the same
 * folder of images, each timed after a warm-up pass. Not a test; run by hand from {@code spark/}
 * (it reads the bundled model at {@code ../tools/src/main/resources/models/}), with the JVM
 * flags the {@code bnn4j-spark} launcher passes:
 *
 * <pre>
 * cd spark &amp;&amp; java $SPARK_JVM_ARGS -cp target/bnn4j-spark.jar:target/test-classes:$(cat
 *     target/spark-classpath.txt) org.bnn4j.spark.ThroughputMain FOLDER [ROUNDS]
 * </pre>
 */
public final class ThroughputMain {
  private ThroughputMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] modelBytes = Files.readAllBytes(TestData.MODEL);
    LoadedModel model = LoadedModel.of(modelBytes);
    int cores = Runtime.getRuntime().availableProcessors();
    for (int round = 0; round < rounds; round++) {
      long t0 = System.nanoTime();
      Session session = model.lease(1);
      int n = 0;
      for (Path f : files) {
        Tensor x = model.imageDecoder.apply(Files.readAllBytes(f), f.toString());
        n += EngineAdapter.runBatch(session, List.of(x)).length;
      }
      model.release(session);
      report("API loop, 1 thread", n, t0, 1);
    }
    for (int slots : new int[] {1, cores}) {
      SparkSession spark = SparkSession.builder().master("local[" + slots + "]")
          .appName("bnn4j-spark throughput").config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
      for (int round = 0; round < rounds; round++) {
        long t0 = System.nanoTime();
        Dataset<Row> images = spark.read().format("binaryFile")
            .option("recursiveFileLookup", "true").load(dir.toString());
        Dataset<Row> out = Bnn4jClassifier.fromBytes(modelBytes).transform(images)
            .select("path", "label", "score", "top_k", "error");
        out.write().format("noop").mode("overwrite").save();
        report("Spark local[" + slots + "], " + images.rdd().getNumPartitions()
            + " partitions", files.size(), t0, slots);
      }
      spark.stop();
    }
  }

  private static void report(String what, int n, long t0, int cores) {
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%-40s %5d images in %6.2f s: %7.1f images/s, %7.1f per core%n", what, n,
        s, n / s, n / s / cores);
  }
}
