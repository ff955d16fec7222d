package org.bnn4j.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import org.bnn4j.Bnn4jException;
import org.bnn4j.InvalidInputException;
import org.bnn4j.Session;
import org.bnn4j.Tensor;

/**
 * Classifies one partition: takes the cached model, leases one session for this task's thread,
 * and runs the rows in batches of {@code batchSize}. Output rows are the input row followed by
 * label, score, top_k, [logits,] error. A row whose input cannot be turned into the model's
 * input gets nulls and its error text, unless {@code failFast}, which fails the task (and so
 * the job) with that error instead. A record: Spark serializes it to each task as these
 * settings, nothing more.
 */
record ClassifyPartition(ModelRef modelRef, int inputIndex, ClassifyPartition.InputKind kind,
    String inputCol, int nameIndex, int topK, int batchSize, boolean withLogits, boolean failFast,
    int sessionThreads) implements MapPartitionsFunction<Row, Row> {
  /** What the input column holds. */
  enum InputKind { IMAGE_BYTES, FLOATS, DOUBLES }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    LoadedModel model = modelRef.load();
    Session session = model.lease(sessionThreads);
    TaskContext task = TaskContext.get();
    if (task != null) {
      // Runs on this task's thread once the task ends, successfully or not.
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> model.release(session));
    }
    return new Batches(rows, model, session);
  }

  /** Pulls {@code batchSize} rows at a time, so a partition is never held in memory whole. */
  private final class Batches implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final LoadedModel model;
    private final Session session;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();

    Batches(Iterator<Row> rows, LoadedModel model, Session session) {
      this.rows = rows;
      this.model = model;
      this.session = session;
    }

    @Override
    public boolean hasNext() {
      return !ready.isEmpty() || rows.hasNext();
    }

    @Override
    public Row next() {
      if (ready.isEmpty()) {
        if (!rows.hasNext()) {
          throw new NoSuchElementException();
        }
        classifyNextBatch();
      }
      return ready.poll();
    }

    private void classifyNextBatch() {
      List<Row> batch = new ArrayList<>(batchSize);
      while (batch.size() < batchSize && rows.hasNext()) {
        batch.add(rows.next());
      }
      int n = batch.size();
      Tensor[] inputs = new Tensor[n];
      String[] errors = new String[n];
      List<Tensor> valid = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        try {
          inputs[i] = toInput(batch.get(i));
          valid.add(inputs[i]);
        } catch (InvalidInputException e) {
          fail(e);
          errors[i] = e.getMessage();
        }
      }
      float[][] outputs = run(valid, inputs, errors);
      for (int i = 0, v = 0; i < n; i++) {
        float[] logits = inputs[i] != null && errors[i] == null ? outputs[v] : null;
        if (inputs[i] != null) {
          v++;
        }
        ready.add(output(batch.get(i), logits, errors[i]));
      }
    }

    /** One output row per valid input; a batch the engine refuses is retried row by row. */
    private float[][] run(List<Tensor> valid, Tensor[] inputs, String[] errors) {
      try {
        return EngineAdapter.runBatch(session, valid);
      } catch (Bnn4jException batchFailed) {
        float[][] out = new float[valid.size()][];
        for (int i = 0, v = 0; i < inputs.length; i++) {
          if (inputs[i] == null) {
            continue;
          }
          try {
            out[v] = EngineAdapter.runBatch(session, List.of(inputs[i]))[0];
          } catch (Bnn4jException e) {
            fail(e);
            errors[i] = e.getMessage();
          }
          v++;
        }
        return out;
      }
    }

    private Tensor toInput(Row row) {
      String name = nameIndex >= 0 && !row.isNullAt(nameIndex) ? row.get(nameIndex).toString()
          : "row";
      if (row.isNullAt(inputIndex)) {
        throw new InvalidInputException(name + ": column '" + inputCol + "' is null");
      }
      if (kind == InputKind.IMAGE_BYTES) {
        return model.imageDecoder.apply((byte[]) row.get(inputIndex), name);
      }
      List<Object> values = row.getList(inputIndex);
      if (values.size() != model.inputSize) {
        throw new InvalidInputException(name + ": column '" + inputCol + "' has "
            + values.size() + " values, expected " + model.inputSize + " for input '"
            + model.inputName + "' of shape " + Arrays.toString(model.inputShape));
      }
      float[] x = new float[values.size()];
      for (int i = 0; i < x.length; i++) {
        Object o = values.get(i);
        if (o == null) {
          throw new InvalidInputException(name + ": column '" + inputCol + "' has a null at "
              + i + ", expected " + model.inputSize + " numbers");
        }
        x[i] = ((Number) o).floatValue();
      }
      return Tensor.of(x, model.inputShape);
    }

    private Row output(Row in, float[] logits, String error) {
      int width = in.size();
      Object[] v = new Object[width + (withLogits ? 5 : 4)];
      for (int i = 0; i < width; i++) {
        v[i] = in.get(i);
      }
      if (logits != null) {
        float[] p = EngineAdapter.probabilities(logits);
        int[] best = EngineAdapter.topK(p, topK);
        // Java arrays, not lists: Spark's row encoder takes arrays or Scala sequences.
        Row[] tops = new Row[best.length];
        for (int j = 0; j < best.length; j++) {
          tops[j] = RowFactory.create(model.labels.get(best[j]), best[j], p[best[j]]);
        }
        v[width] = model.labels.get(best[0]);
        v[width + 1] = p[best[0]];
        v[width + 2] = tops;
        if (withLogits) {
          v[width + 3] = logits;
        }
      }
      v[v.length - 1] = error;
      return RowFactory.create(v);
    }

    private void fail(Bnn4jException e) {
      if (failFast) {
        throw e;
      }
    }
  }
}
