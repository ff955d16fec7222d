package org.bnn4j.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README.md's table of supported ONNX operators is the one the registry generates. */
class SupportedOpsReadmeTest {
  @Test
  void readmeListsExactlyTheRegisteredOperators() throws IOException {
    String root = System.getProperty("bnn4j.root");
    Path readme = (root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent())
        .resolve("README.md");
    String text = Files.readString(readme);
    String expected = SupportedOpsTable.markdown(TranslatorRegistry.DEFAULT);
    int begin = text.indexOf(SupportedOpsTable.BEGIN);
    int end = text.indexOf(SupportedOpsTable.END);
    String hint = "README.md's supported-operator table differs from the registry; replace it"
        + " with (SupportedOpsTable prints it):\n" + expected;
    assertTrue(begin >= 0 && end > begin, "no generated table in " + readme + ". " + hint);
    String actual = text.substring(begin, end + SupportedOpsTable.END.length()) + "\n";
    if (!expected.equals(actual)) {
      System.out.println(hint);
    }
    assertEquals(expected, actual, hint);
  }

  @Test
  void tableHasOneRowPerFamilyAndRangeAndNamesEveryOperator() {
    String table = SupportedOpsTable.markdown(TranslatorRegistry.DEFAULT);
    for (String op : OnnxImporter.supportedOperators()) {
      assertTrue(table.matches("(?s).*[|,] " + op + "[ ,].*"), op + " missing from\n" + table);
    }
    assertTrue(table.contains("| QONNX | finn.custom_op.general, onnx.brevitas,"
        + " qonnx.custom_op.general | 6–25 | BipolarQuant, MultiThreshold, Quant |"), table);
  }
}
