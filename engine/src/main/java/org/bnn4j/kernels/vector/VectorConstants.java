package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/** Species and block sizes as static finals, so the JIT folds them into constants. */
final class VectorConstants {
  private VectorConstants() {}

  static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
  static final int LONG_LANES = LONGS.length();
  static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  static final int FLOAT_LANES = FLOATS.length();
}
