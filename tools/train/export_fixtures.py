#!/usr/bin/env python3
"""Export the bnn4j ONNX test fixtures from a zoo of small PyTorch BNN modules.

Run with the interpreter that has torch (1.13) and onnx (1.12):

    /usr/bin/python3 tools/train/export_fixtures.py            # all fixtures
    /usr/bin/python3 tools/train/export_fixtures.py --only sign_conv bin_to_bin
    /usr/bin/python3 tools/train/export_fixtures.py --list
    /usr/bin/python3 tools/train/export_fixtures.py --resnet18 /tmp/r18   # big model, not committed

Default output directory: engine/src/test/resources/bnn-fixtures (relative to the
repository root, located from this file's path).

Layout per fixture (see engine/src/test/resources/bnn-fixtures/README.md):

    <fixture>/fixture.json
    <fixture>/<mode>/model.onnx                      mode in {folded, preserve}
    <fixture>/<mode>/test_data_set_0/input_0.pb      onnx TensorProto, float32
    <fixture>/<mode>/test_data_set_0/output_<j>.pb   PyTorch's own outputs
    <fixture>/<mode>/test_data_set_0/sign_input_<k>.pb   input of the k-th activation sign
    <fixture>/<mode>/test_data_set_0/sign_inputs.txt     description of the sign inputs
    <fixture>/boundary.json   (fixtures with boundary=...) sign(BN(conv)) at every reachable integer
                              dot product of the first binary conv; see write_boundary

Modes:
    folded   : torch.onnx.export(m, x, path, opset_version=13)   (eval, constant folding on)
    preserve : torch.onnx.export(m, x, path, opset_version=13,
                                 training=TrainingMode.PRESERVE, do_constant_folding=False)

Everything is deterministic: every fixture is seeded from a CRC32 of its name.
"""

# The code is split by what it is (each module's docstring says more):
#
#     fixture_layers.py      recording signs, binary conv / dense layers, BatchNorm and affine helpers
#     fixture_blocks.py      zoo modules built from them (sign -> conv, Bi-Real units, ...)
#     fixture_registry.py    @fixture, the registry, seeds
#     fixtures_patterns.py   fixtures of patterns 1-10
#     fixtures_published.py  published architectures (issue 11)
#     fixtures_sign0.py      activations that reach Sign exactly at 0 (issue 11)
#     fixture_export.py      reference pass, input draw, ONNX export, test data, fixture.json, ResNet-18
#     fixture_boundary.py    boundary.json

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The fixture modules register their fixtures on import, in this order: the order of export and
# of fixtures.txt.
import fixtures_patterns  # noqa: E402,F401
import fixtures_published  # noqa: E402,F401
import fixtures_sign0  # noqa: E402,F401
from fixture_export import MODES, export_fixture, export_resnet18  # noqa: E402
from fixture_registry import FIXTURES  # noqa: E402
from train_common import FIXTURES_DIR  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

DEFAULT_OUT = FIXTURES_DIR


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="export only these fixtures")
    ap.add_argument("--list", action="store_true", help="list fixtures and exit")
    ap.add_argument("--resnet18", metavar="OUT_DIR",
                    help="export only the Bi-Real ResNet-18 (1x3x224x224, random weights) to OUT_DIR")
    ap.add_argument("--stem-relu", action="store_true",
                    help="with --resnet18: keep a ReLU in the stem (exact zeros then reach the"
                         " first Sign, where torch's sign(0)=0 differs from bnn4j's +1)")
    args = ap.parse_args(argv)

    if args.list:
        for fx in FIXTURES:
            print("%-26s patterns=%-10s %s" % (fx["name"], fx["patterns"], fx["description"]))
        return 0
    if args.resnet18:
        export_resnet18(args.resnet18, stem_relu=args.stem_relu)
        return 0

    names = {fx["name"] for fx in FIXTURES}
    if args.only:
        unknown = set(args.only) - names
        if unknown:
            ap.error("unknown fixtures: %s" % sorted(unknown))
    selected = [fx for fx in FIXTURES if not args.only or fx["name"] in args.only]
    os.makedirs(args.out, exist_ok=True)
    index = []
    for fx in selected:
        meta = export_fixture(fx, args.out)
        print("%-26s convs=%d dense=%d signs=%d" % (fx["name"], meta["num_binary_convs"], meta["num_binary_dense"],
                                                    len(meta["sign_inputs"])))
        for mode in MODES:
            print("    %-8s %s" % (mode, meta["onnx_ops"][mode]))
        bt = meta.get("boundary")
        if bt:
            print("    boundary %s: K=%d M=%d pairs=%d module/folded disagreements=%d module/exact=%d "
                  "min|pre-sign|=%.3g (folded %.3g) ref positions=%d" % (
                      bt["layer"], bt["K"], bt["channels"], bt["num_pairs"], len(bt["disagreements_module_folded"]),
                      len(bt["disagreements_module_exact"]), bt["pre_sign_min_abs"], bt["pre_sign_min_abs_folded"],
                      bt["reference_positions_checked"]))
        index.append(fx["name"])
    if not args.only:
        with open(os.path.join(args.out, "fixtures.txt"), "w") as f:
            f.write("\n".join(index) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
