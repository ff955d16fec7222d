package org.bnn4j.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.bnn4j.cli.common.Subcommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bnn4j-spark classify}: a folder or glob of images in, one table of predictions out. */
@Command(
    name = "classify",
    description = {
      "Classifies every file under a folder (recursively) or matching a glob, on Spark, and",
      "writes one row per file: path, label, score, top_k, error. Files that are not images",
      "get an error row instead of failing the job. Without --model it uses the MNIST model",
      "bundled in the jar."
    })
final class SparkClassifyCommand extends Subcommand {
  enum Format { parquet, csv, json }

  @Option(names = "--model", paramLabel = "MODEL",
      description = "A .bnn or .onnx model on the driver; it is broadcast to the executors"
          + " (default: the model bundled in the jar).")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "DIR_OR_GLOB",
      description = "A folder (read recursively) or a glob such as '/data/*.png'; any path"
          + " Spark reads (file:, hdfs:, s3a: ...).")
  String input;

  @Option(names = "--output", required = true, paramLabel = "OUT",
      description = "Output folder, written by Spark (one part file per partition).")
  String output;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "parquet",
      description = "parquet, csv or json (default: ${DEFAULT-VALUE}). csv writes top_k as one"
          + " string 'label:score;label:score;...'.")
  Format format;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master, e.g. local[2] or spark://host:7077 (default: the one"
          + " spark-submit sets, else local[*]).")
  String master;

  @Option(names = "--partitions", paramLabel = "N",
      description = "Repartition the files into N tasks (default: Spark's file splitting).")
  Integer partitions;

  @Option(names = "--top", paramLabel = "K", defaultValue = "3",
      description = "Labels per image in top_k (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(names = "--batch-size", paramLabel = "ROWS", defaultValue = "64",
      description = "Rows per call into the engine (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--fail-fast",
      description = "Fail the job at the first file that cannot be classified.")
  boolean failFast;

  @Option(names = "--overwrite", description = "Replace OUT when it exists.")
  boolean overwrite;

  @Override
  public Integer call() throws IOException {
    require(top >= 1 && batchSize >= 1 && (partitions == null || partitions >= 1),
        "--top, --batch-size and --partitions must be at least 1");
    Bnn4jClassifier classifier = (model == null ? Bnn4jClassifier.bundledMnist()
        : Bnn4jClassifier.fromBytes(Files.readAllBytes(model)))
        .setTopK(top).setBatchSize(batchSize).setFailFast(failFast);
    boolean hadSession = SparkSession.getActiveSession().isDefined();
    SparkSession.Builder builder = SparkSession.builder().appName("bnn4j-spark classify");
    if (master != null) {
      builder.master(master);
    } else if (System.getProperty("spark.master") == null && !hadSession) {
      builder.master("local[*]");
    }
    SparkSession spark = builder.getOrCreate();
    try {
      long t0 = System.nanoTime();
      DataFrameReader reader = spark.read().format("binaryFile");
      if (!input.matches(".*[*?\\[{].*")) {
        reader = reader.option("recursiveFileLookup", "true");
      }
      Dataset<Row> files = reader.load(input).drop("modificationTime", "length");
      if (partitions != null) {
        files = files.repartition(partitions);
      }
      Dataset<Row> result = classifier.transform(files).drop("content");
      if (format == Format.csv) {
        result = result.withColumn("top_k", functions.expr(
            "concat_ws(';', transform(top_k, t -> concat(t.label, ':', cast(t.score as string))))"));
      }
      // ignoreNullFields=false: json keeps "error": null, so every row has every column.
      result.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
          .option("header", "true").option("ignoreNullFields", "false")
          .format(format.name()).save(output);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Dataset<Row> written = spark.read().option("header", "true").format(format.name())
          .load(output);
      // Counted from what was written, in one job: count(error) counts the non-null ones.
      Row counts = written.agg(functions.count(functions.lit(1)),
          functions.count(functions.col("error"))).first();
      long rows = counts.getLong(0);
      long errors = counts.getLong(1);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("classified %d files (%d with errors) in %.1f s on %s; wrote %s to %s%n",
          rows, errors, seconds, spark.sparkContext().master(), format, output);
      out.flush();
    } finally {
      if (!hadSession) {
        spark.stop();
      }
    }
    return 0;
  }
}
