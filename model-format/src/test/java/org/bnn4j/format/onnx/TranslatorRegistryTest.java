package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TranslatorRegistryTest {
  private static final TranslatorRegistry.Translator NOTHING = c -> { };

  @Test
  void anOpMayBeRegisteredPerOpsetRangeButNotTwiceForOneOpset() {
    TranslatorRegistry r = new TranslatorRegistry();
    TranslatorRegistry.Family f = r.family("test");
    f.register("Pad", 6, 10, NOTHING).register("Pad", 11, 25, NOTHING);
    assertEquals(2, r.lookup("ai.onnx", "Pad").size());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> f.register("Pad", 10, 12, NOTHING));
    assertTrue(e.getMessage().contains("Pad is registered twice for opsets 10"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> f.register("Conv", 9, 8, NOTHING));
  }

  @Test
  void theDefaultDomainAnswersToBothItsNames() {
    TranslatorRegistry r = TranslatorRegistry.DEFAULT;
    assertTrue(r.readsDomain("") && r.readsDomain("ai.onnx") && r.readsDomain("onnx.brevitas"));
    assertTrue(!r.readsDomain("com.microsoft"));
    assertEquals(r.lookup("", "Conv"), r.lookup("ai.onnx", "Conv"));
    assertEquals(1, r.lookup("finn.custom_op.general", "MultiThreshold").size());
    assertTrue(r.lookup("", "MultiThreshold").isEmpty());
  }
}
