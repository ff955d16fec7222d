package org.bnn4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.bnn4j.ModelFormatException;

/**
 * Classifies a DataFrame column with a bnn4j model, as {@code bnn4j classify} does a file: the
 * same preprocessing (stored in the model), labels, scores and top-k. It appends columns and
 * keeps every input column, like a Spark ML transformer:
 *
 * <table>
 *   <caption>Output columns (names settable)</caption>
 *   <tr><td>{@code label}</td><td>string</td><td>the best label</td></tr>
 *   <tr><td>{@code score}</td><td>float</td><td>its probability</td></tr>
 *   <tr><td>{@code top_k}</td><td>array&lt;struct&lt;label:string, index:int,
 *       score:float&gt;&gt;</td><td>the k best, best first</td></tr>
 *   <tr><td>{@code logits}</td><td>array&lt;float&gt;</td><td>raw outputs, only when
 *       {@link #setLogitsCol} names a column</td></tr>
 *   <tr><td>{@code error}</td><td>string</td><td>null, or why the row has no prediction</td></tr>
 * </table>
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("/data/digits/*.png");
 * Dataset<Row> out = Bnn4jClassifier.fromPath("hdfs:///models/digits.bnn").setTopK(3)
 *     .transform(images);
 * }</pre>
 *
 * <p>The input column holds encoded images (binary: PNG, JPEG, BMP or GIF, as {@code
 * binaryFile}'s {@code content}) or the model's input already preprocessed (array of float or
 * double, as many values as the input tensor, row-major). A row that cannot be classified (not
 * an image, a corrupt file, an array of the wrong length, a null) gets null predictions and its
 * reason in {@code error}; the job never fails for it unless {@link #setFailFast} is on.
 *
 * <p>The model travels as bytes broadcast from the driver ({@link #fromBytes}) or as a path each
 * executor reads ({@link #fromPath}); either way each executor JVM loads it once (cached by the
 * SHA-256 of its bytes), each task thread uses its own session, and rows run in batches of
 * {@link #setBatchSize}. The model is loaded on the driver as well when {@link #transform} is
 * called, so a bad model fails there, before any task starts.
 */
public final class Bnn4jClassifier implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Class path of the MNIST model bundled with bnn4j (the default of {@code bnn4j classify}). */
  static final String BUNDLED_MODEL = "/models/mnist-ws.bnn";

  private final byte[] modelBytes;
  private final String modelPath;
  private String inputCol = "content";
  private String pathCol = "path";
  private String labelCol = "label";
  private String scoreCol = "score";
  private String topKCol = "top_k";
  private String logitsCol;
  private String errorCol = "error";
  private int topK = 3;
  private int batchSize = 64;
  private int sessionThreads = 1;
  private boolean failFast;
  private transient Broadcast<byte[]> broadcast;
  private transient SparkContext broadcastContext;

  private Bnn4jClassifier(byte[] modelBytes, String modelPath) {
    this.modelBytes = modelBytes;
    this.modelPath = modelPath;
  }

  /** A classifier whose model (a .bnn or .onnx file's bytes) is broadcast to the executors. */
  public static Bnn4jClassifier fromBytes(byte[] model) {
    return new Bnn4jClassifier(Objects.requireNonNull(model, "model").clone(), null);
  }

  /**
   * A classifier whose model every executor reads from {@code path} through Hadoop's {@code
   * FileSystem} (a local path present on every node, {@code hdfs://...}, {@code s3a://...}).
   */
  public static Bnn4jClassifier fromPath(String path) {
    return new Bnn4jClassifier(null, Objects.requireNonNull(path, "path"));
  }

  /** A classifier with the MNIST model bundled in this jar (digits 0-9, 28x28 grey images). */
  public static Bnn4jClassifier bundledMnist() {
    try (InputStream in = Bnn4jClassifier.class.getResourceAsStream(BUNDLED_MODEL)) {
      if (in == null) {
        throw new ModelFormatException("this build bundles no default model (" + BUNDLED_MODEL
            + ")");
      }
      return new Bnn4jClassifier(in.readAllBytes(), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The column with image bytes or float/double arrays (default {@code content}). */
  public Bnn4jClassifier setInputCol(String name) {
    this.inputCol = Objects.requireNonNull(name, "name");
    return this;
  }

  /**
   * A column that names each row in error messages, used when present (default {@code path},
   * as {@code binaryFile} yields).
   */
  public Bnn4jClassifier setPathCol(String name) {
    this.pathCol = Objects.requireNonNull(name, "name");
    return this;
  }

  public Bnn4jClassifier setLabelCol(String name) {
    this.labelCol = Objects.requireNonNull(name, "name");
    return this;
  }

  public Bnn4jClassifier setScoreCol(String name) {
    this.scoreCol = Objects.requireNonNull(name, "name");
    return this;
  }

  public Bnn4jClassifier setTopKCol(String name) {
    this.topKCol = Objects.requireNonNull(name, "name");
    return this;
  }

  /** Also output the raw model outputs in this column; null (the default) leaves them out. */
  public Bnn4jClassifier setLogitsCol(String name) {
    this.logitsCol = name;
    return this;
  }

  public Bnn4jClassifier setErrorCol(String name) {
    this.errorCol = Objects.requireNonNull(name, "name");
    return this;
  }

  /** How many labels {@code top_k} holds (default 3, as {@code bnn4j classify}). */
  public Bnn4jClassifier setTopK(int k) {
    this.topK = positive("topK", k);
    return this;
  }

  /** Rows per call into the engine (default 64). */
  public Bnn4jClassifier setBatchSize(int rows) {
    this.batchSize = positive("batchSize", rows);
    return this;
  }

  /**
   * Intra-op threads of each task's session (default 1: Spark already runs one task per core,
   * so more would oversubscribe). Results are identical for any count.
   */
  public Bnn4jClassifier setSessionThreads(int threads) {
    this.sessionThreads = positive("sessionThreads", threads);
    return this;
  }

  /** Fail the job at the first row that cannot be classified, instead of filling {@code error}. */
  public Bnn4jClassifier setFailFast(boolean failFast) {
    this.failFast = failFast;
    return this;
  }

  /**
   * The schema {@link #transform} produces for an input with schema {@code in}.
   *
   * @throws IllegalArgumentException when the input column is missing or of another type, or
   *     an output column exists already
   */
  public StructType transformSchema(StructType in) {
    inputKind(in);
    Set<String> taken = new HashSet<>(Arrays.asList(in.fieldNames()));
    StructType out = in;
    for (StructField f : outputFields()) {
      if (!taken.add(f.name())) {
        throw new IllegalArgumentException("output column '" + f.name() + "' exists already;"
            + " choose another name with its setter or drop the column");
      }
      out = out.add(f);
    }
    return out;
  }

  /**
   * Classifies every row of {@code df}; lazy, like any Spark transformation.
   *
   * @throws IllegalArgumentException as {@link #transformSchema}
   * @throws org.bnn4j.Bnn4jException when the model cannot be loaded or is not a classifier
   */
  public Dataset<Row> transform(Dataset<?> df) {
    StructType in = df.schema();
    StructType out = transformSchema(in);
    ClassifyPartition.InputKind kind = inputKind(in);
    int nameIndex = Arrays.asList(in.fieldNames()).indexOf(pathCol);
    ModelRef ref = modelRef(df.sparkSession().sparkContext());
    ClassifyPartition fn = new ClassifyPartition(ref, in.fieldIndex(inputCol), kind, inputCol,
        nameIndex, topK, batchSize, logitsCol != null, failFast, sessionThreads);
    return df.toDF().mapPartitions(fn, Encoders.row(out));
  }

  /** The fields appended to each row, in order; {@code ClassifyPartition} fills them so. */
  private StructField[] outputFields() {
    StructType top = new StructType()
        .add("label", DataTypes.StringType)
        .add("index", DataTypes.IntegerType, false)
        .add("score", DataTypes.FloatType, false);
    StructType s = new StructType()
        .add(labelCol, DataTypes.StringType)
        .add(scoreCol, DataTypes.FloatType)
        .add(topKCol, DataTypes.createArrayType(top, false));
    if (logitsCol != null) {
      s = s.add(logitsCol, DataTypes.createArrayType(DataTypes.FloatType, false));
    }
    return s.add(errorCol, DataTypes.StringType).fields();
  }

  private ClassifyPartition.InputKind inputKind(StructType in) {
    if (!Arrays.asList(in.fieldNames()).contains(inputCol)) {
      throw new IllegalArgumentException("no input column '" + inputCol + "'; the columns are "
          + Arrays.toString(in.fieldNames()));
    }
    DataType t = in.apply(inputCol).dataType();
    if (t.equals(DataTypes.BinaryType)) {
      return ClassifyPartition.InputKind.IMAGE_BYTES;
    }
    if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
      return ClassifyPartition.InputKind.FLOATS;
    }
    if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
      return ClassifyPartition.InputKind.DOUBLES;
    }
    throw new IllegalArgumentException("input column '" + inputCol + "' is " + t.simpleString()
        + ", expected binary (image bytes) or array<float> / array<double>");
  }

  /** Loads the model on the driver (a bad one fails here) and says how tasks find it. */
  private ModelRef modelRef(SparkContext sc) {
    if (modelPath != null) {
      LoadedModel.of(ModelRef.AtPath.read(modelPath));
      return new ModelRef.AtPath(modelPath);
    }
    String key = LoadedModel.sha256(modelBytes);
    LoadedModel.get(key, () -> modelBytes);
    if (broadcast == null || broadcastContext != sc || sc.isStopped()) {
      broadcast = JavaSparkContext.fromSparkContext(sc).broadcast(modelBytes);
      broadcastContext = sc;
    }
    return new ModelRef.Broadcasted(key, broadcast);
  }

  private static int positive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, found " + v);
    }
    return v;
  }
}
