"""The fixture registry: each fixture module declares its fixtures with @fixture, in the order
they are exported and listed in fixtures.txt; each fixture is seeded from the CRC32 of its name."""

import zlib

FIXTURES = []


def fixture(name, patterns, description, input_shape, notes=None, boundary=None, input_fn=None):
    """boundary=(conv_attr, bn_attr): also write <fixture>/boundary.json for the binary conv
    model.<conv_attr> followed by model.<bn_attr> and an activation sign (see write_boundary).
    input_fn(shape, generator): draws the input instead of randn; such fixtures WANT exact zeros
    at some activation Sign (see draw_input_with_zeros)."""
    def deco(builder):
        FIXTURES.append(dict(name=name, patterns=patterns, description=description,
                             input_shape=list(input_shape), builder=builder, notes=notes,
                             boundary=boundary, input_fn=input_fn))
        return builder
    return deco


# Fixtures sharing weights: seed from this name instead of their own.
SEED_ALIAS = {"bireal_resnet_b4": "bireal_resnet"}


def seed_of(name):
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF
