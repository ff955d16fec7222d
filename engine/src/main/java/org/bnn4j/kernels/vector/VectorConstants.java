package org.bnn4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Species and block sizes as static finals, so the JIT folds them into constants. */
final class VectorConstants {
  private VectorConstants() {}

  static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
  static final int LONG_LANES = LONGS.length();
  static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  static final int FLOAT_LANES = FLOATS.length();

  /**
   * Deinterleaving two vectors {@code a, b} (2 * lanes consecutive floats): the even elements are
   * {@code a.rearrange(EVENS_LOW).blend(b.rearrange(EVENS_HIGH), HIGH_HALF)}, the odd ones the
   * same with {@code ODDS_*}. Written out at each use: a helper returning a vector may not be
   * inlined, and then the vector is boxed.
   */
  static final VectorShuffle<Float> EVENS_LOW = VectorShuffle.fromOp(FLOATS,
      i -> i < FLOAT_LANES / 2 ? 2 * i : 0);
  static final VectorShuffle<Float> EVENS_HIGH = VectorShuffle.fromOp(FLOATS,
      i -> i >= FLOAT_LANES / 2 ? 2 * i - FLOAT_LANES : 0);
  static final VectorShuffle<Float> ODDS_LOW = VectorShuffle.fromOp(FLOATS,
      i -> i < FLOAT_LANES / 2 ? 2 * i + 1 : 0);
  static final VectorShuffle<Float> ODDS_HIGH = VectorShuffle.fromOp(FLOATS,
      i -> i >= FLOAT_LANES / 2 ? 2 * i - FLOAT_LANES + 1 : 0);
  static final VectorMask<Float> HIGH_HALF = FLOATS.indexInRange(-FLOAT_LANES / 2,
      FLOAT_LANES / 2);
}
