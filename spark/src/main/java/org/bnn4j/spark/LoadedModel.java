package org.bnn4j.spark;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.bnn4j.Model;
import org.bnn4j.Session;
import org.bnn4j.SessionOptions;
import org.bnn4j.Tensor;

/**
 * A model loaded once per JVM (driver or executor) and everything the classifier derives from
 * it, plus a pool of idle sessions. Models are cached by the SHA-256 of their bytes, so every
 * task of every job that uses the same model shares one {@link Model}; each task thread leases
 * its own {@link Session} for the length of a partition and gives it back, so sessions (and
 * their scratch memory) are reused across tasks without tying them to Spark's pooled threads.
 *
 * <p>The cache keeps models for the life of the JVM: they are kilobytes to a few megabytes, and
 * a Spark application uses few of them.
 */
final class LoadedModel {
  private static final Map<String, LoadedModel> CACHE = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  final Model model;
  final String inputName;
  final int[] inputShape;
  final int inputSize;
  final int classes;
  final List<String> labels;
  final BiFunction<byte[], String, Tensor> imageDecoder;
  private final ConcurrentLinkedQueue<Session> idle = new ConcurrentLinkedQueue<>();

  private LoadedModel(Model model) {
    this.model = model;
    this.classes = EngineAdapter.classes(model);
    this.inputName = model.inputNames().get(0);
    this.inputShape = model.inputShape(inputName);
    long size = 1;
    for (int d : inputShape) {
      size *= d;
    }
    this.inputSize = (int) size;
    this.labels = EngineAdapter.labels(model, classes);
    this.imageDecoder = EngineAdapter.imageDecoder(model);
  }

  /**
   * The cached model for {@code key} (the hex SHA-256 of its bytes), loading it from {@code
   * bytes} on first use in this JVM.
   *
   * @throws org.bnn4j.Bnn4jException when the bytes are not a model, or not a classifier
   */
  static LoadedModel get(String key, Supplier<byte[]> bytes) {
    return CACHE.computeIfAbsent(key, k -> {
      LoadedModel m = new LoadedModel(Model.load(bytes.get()));
      LOADS.incrementAndGet();
      return m;
    });
  }

  /** The cached model for these bytes. */
  static LoadedModel of(byte[] bytes) {
    return get(sha256(bytes), () -> bytes);
  }

  /** How many models this JVM has loaded: one per distinct valid model, however many tasks ran. */
  static int loads() {
    return LOADS.get();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** An idle session of this model, or a new one with {@code threads} intra-op threads. */
  Session lease(int threads) {
    Session s = idle.poll();
    if (s != null && s.options().threads() != threads) {
      s.close();
      s = null;
    }
    return s != null ? s : model.newSession(SessionOptions.defaults().withThreads(threads));
  }

  /** Gives a session back for the next task on this JVM. */
  void release(Session s) {
    idle.offer(s);
  }
}
