package org.bnn4j.format.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which ONNX operators the importer reads, declared as data: each registration names the op
 * type, its domain(s), the range of default-domain opsets it is read at, and the translator that
 * turns one such node into engine nodes, constants or aliases. The families register in {@link
 * #DEFAULT}; the README's list of supported operators is generated from it and a test keeps the
 * two equal.
 *
 * <p>The opset range is that of the default domain ({@code ai.onnx}) the model imports, also for
 * QONNX ops, whose own domain carries no version bnn4j reads. A translator whose op changed
 * between opsets either branches on {@link NodeContext#opset()} or is registered once per range.
 */
final class TranslatorRegistry {
  /** The default ONNX domain; {@code ai.onnx} is read as the same. */
  static final String DEFAULT_DOMAIN = "";

  /** Translates one node; throws the importer's exceptions when it cannot. */
  @FunctionalInterface
  interface Translator {
    void translate(NodeContext c);
  }

  /** One registration: {@code opType} in {@code domains}, read at opsets first..last. */
  record Entry(String family, List<String> domains, String opType, int firstOpset,
      int lastOpset, Translator translator) {
    boolean covers(int opset) {
      return opset >= firstOpset && opset <= lastOpset;
    }
  }

  /** Registers the ops of one family, all in the same domain(s). */
  final class Family {
    private final String name;
    private final List<String> domains;

    private Family(String name, List<String> domains) {
      this.name = name;
      this.domains = domains;
    }

    /** Reads {@code opType} at default-domain opsets {@code first} to {@code last}. */
    Family register(String opType, int first, int last, Translator t) {
      add(new Entry(name, domains, opType, first, last, t));
      return this;
    }
  }

  /** Every translator of the importer. */
  static final TranslatorRegistry DEFAULT = new TranslatorRegistry();

  static {
    ConvPoolTranslators.register(DEFAULT.family("convolution and pooling"));
    MatMulTranslators.register(DEFAULT.family("matrix products"));
    ElementwiseTranslators.register(DEFAULT.family("element-wise"));
    LayoutTranslators.register(DEFAULT.family("layout and reshaping"));
    ShapeTranslators.register(DEFAULT.family("constants and shape arithmetic"));
    MathTranslators.register(DEFAULT.family("math, comparisons and reductions"));
    QonnxTranslators.register(DEFAULT.family("QONNX",
        QonnxTranslators.DOMAINS.toArray(String[]::new)));
  }

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, List<Entry>> byKey = new HashMap<>();
  private final Set<String> domains = new TreeSet<>();

  /** A family in the default domain, or in the given domains. */
  Family family(String name, String... domainNames) {
    List<String> d = domainNames.length == 0 ? List.of(DEFAULT_DOMAIN)
        : List.of(new TreeSet<>(List.of(domainNames)).toArray(String[]::new));
    return new Family(name, d);
  }

  private void add(Entry e) {
    if (e.firstOpset() > e.lastOpset()) {
      throw new IllegalStateException(e.opType() + ": empty opset range");
    }
    for (String d : e.domains()) {
      List<Entry> same = byKey.computeIfAbsent(key(d, e.opType()), k -> new ArrayList<>());
      for (Entry o : same) {
        if (o.firstOpset() <= e.lastOpset() && e.firstOpset() <= o.lastOpset()) {
          throw new IllegalStateException(e.opType() + " is registered twice for opsets "
              + Math.max(o.firstOpset(), e.firstOpset()) + " of domain '" + d + "'");
        }
      }
      same.add(e);
      domains.add(d);
    }
    entries.add(e);
  }

  private static String key(String domain, String opType) {
    return domain + '\u0000' + opType;
  }

  /** {@code ai.onnx} and the empty string both name the default domain. */
  static String normalise(String domain) {
    return domain.equals("ai.onnx") ? DEFAULT_DOMAIN : domain;
  }

  /** True when some op is registered in this domain. */
  boolean readsDomain(String domain) {
    return domains.contains(normalise(domain));
  }

  /** Every registration of {@code opType} in {@code domain}, any opset; empty when none. */
  List<Entry> lookup(String domain, String opType) {
    return byKey.getOrDefault(key(normalise(domain), opType), List.of());
  }

  /** Every registration, in registration order (family by family). */
  List<Entry> entries() {
    return Collections.unmodifiableList(entries);
  }

  /** The op types registered in {@code domain}, sorted. */
  Set<String> opTypes(String domain) {
    Set<String> s = new TreeSet<>();
    for (Entry e : entries) {
      if (e.domains().contains(normalise(domain))) {
        s.add(e.opType());
      }
    }
    return Collections.unmodifiableSet(s);
  }
}
