#!/usr/bin/env python3
"""Widening-and-squeezing (W&S) binary neural networks on MNIST, exported to ONNX for bnn4j.

Run with the interpreter that has torch 1.13 and onnx 1.12 (CPU only):

    /usr/bin/python3 tools/train/ws_train.py --all     # fp, bnn, wide, ws and the table (~14 min)
    /usr/bin/python3 tools/train/ws_train.py fp        # full-precision baseline
    /usr/bin/python3 tools/train/ws_train.py bnn       # plain BNN, same base width
    /usr/bin/python3 tools/train/ws_train.py wide      # widened BNN (K thresholds per channel)
    /usr/bin/python3 tools/train/ws_train.py ws        # squeeze <out>/wide + fine-tune
    /usr/bin/python3 tools/train/ws_train.py --resnet18  # benchmark-scale W&S ResNet-18 (random)

Data: MNIST t10k (the only split available). Training uses images 0..7999, evaluation uses
images 8000..9999, which are never trained on and never used to choose anything.

Architecture (base width C = 32, two stages of two residual blocks on a float residual stream):

    input [1,1,28,28], (pixel/255 - 0.1307) / 0.3081
    stem   fp/bnn:  Conv3x3(1->C) + BN                       (float)          28x28
           wide/ws: Widen_4(pixel) -> BinConv3x3(4->C) + BN  (binary)
    MaxPool2, stage 1 (2 blocks), MaxPool2, stage 2 (2 blocks)                14x14, 7x7
    GlobalAvgPool -> Linear(C->10)                           (float)

    fp   block:  x = x + BN(Conv3x3(ReLU(x)))
    bnn  block:  x = x + BN(BinConv3x3(Sign(x)))                  C bits in
    wide block:  x = x + BN(BinConv3x3(Widen_K(x)))               K*C bits in (widening)
    ws   block:  the wide block with its redundant widened bits squeezed, then fine-tuned

Widen_K(x) = Concat_k Sign(x - t_k) with learned thresholds t_k[c]: each float channel becomes a
K-bit thermometer code (bnn4j's multi-threshold Binarize). Binarisers train with a clipped
straight-through estimator; binary weights are sign(latent) with ties to +1.

Squeezing (squeeze()): K thresholds cut a channel's values into K+1 intervals. Removing one
merges the two intervals beside it and loses (q_lo + q_hi) * H(q_lo / (q_lo + q_hi)) bits of
code entropy per sample (q = interval probabilities on the training images). Per channel, the
cheapest threshold is removed while that loss is below --min-bits (0.25); near-constant bits
and near-duplicate bits are the extreme cases. A removed bit gets threshold -inf (constant +1),
which bnn4j's converter removes exactly. The input widening is not squeezed.

Exactness (finalize_exact()): after training, each BatchNorm after a binary conv becomes
d * scale + shift with constants on a 2^-16 grid, and thresholds move off the grid, so that
PyTorch and any other engine compute the same bits and logits within float rounding of the FC.
"""

# The recipe is split by what it is (each module's docstring says more); this file is the driver:
#
#     ws_data.py       MNIST t10k, normalisation, augmentation
#     ws_layers.py     sign / straight-through estimators, Widen, BinConv2d, ExactAffine
#     ws_net.py        the fp / bnn / wide / ws networks, parameter and MAC counts
#     ws_training.py   training loop, evaluation, BatchNorm re-estimation, threshold init
#     ws_squeeze.py    the squeezing criterion
#     ws_exact.py      finalize_exact (bit-exact export)
#     ws_export.py     ONNX export and the checks on the exported graph
#     ws_resnet18.py   the benchmark-scale W&S ResNet-18 (--resnet18)

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_common import REPO_ROOT, SHARED_MNIST, sha256, write_json  # noqa: E402
from ws_data import N_EVAL, N_TRAIN, load_mnist, mnist_batches, normalise  # noqa: E402
from ws_exact import finalize_exact  # noqa: E402
from ws_export import (binary_weight_check, export_onnx, onnx_ops, run_onnx_with_torch,  # noqa: E402
                       sign_input_stats)
from ws_net import Net, count  # noqa: E402
from ws_resnet18 import ws_resnet18  # noqa: E402
from ws_squeeze import squeeze  # noqa: E402
from ws_training import calibrate_thresholds, evaluate, recalibrate_bn, train  # noqa: E402

torch.set_num_threads(2)

DEFAULT_DATA = SHARED_MNIST
DEFAULT_OUT = "/tmp/ws-out"

REF_DIR = os.path.join(REPO_ROOT, "tools", "src", "test", "resources", "mnist-ref")
VARIANTS = ("fp", "bnn", "wide", "ws")


def build(kind, args):
    return Net(kind, width=args.width, blocks=tuple(args.blocks), k=args.k, k_in=args.k_input)


def finish(kind, model, data, args, t_start, extra=None):
    (xtr, ytr), (xev, yev) = data
    recalibrate_bn(model, xtr)
    os.makedirs(os.path.join(args.out, kind), exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "args": vars(args), "kind": kind,
                "extra": extra or {}}, os.path.join(args.out, kind, "model.pt"))
    fixes = {}
    if kind in ("wide", "ws"):
        fixes["top1_before_finalize"] = evaluate(model, xev, yev)[0]
        fixes["finalize_exact"] = finalize_exact(model, xtr)
    acc, logits = evaluate(model, xev, yev)
    path = os.path.join(args.out, kind, "model.onnx")
    mexp = export_onnx(model, path)
    acc_exp, logits_exp = evaluate(mexp, xev, yev)
    onnx_model, ops, inits = onnx_ops(path)
    logits_onnx = run_onnx_with_torch(path, normalise(xev))
    res = dict(count(model))
    res.update({"variant": kind, "top1": acc, "top1_export": acc_exp, "onnx": path,
                "onnx_bytes": os.path.getsize(path),
                "max_abs_diff_export_vs_onnx": float((logits_onnx - logits_exp).abs().max()),
                "argmax_agree_onnx": float((logits_onnx.argmax(1) == logits_exp.argmax(1)).float().mean()),
                "onnx_ops": ops, "seed": args.seed})
    res.update(fixes)
    if kind != "fp":
        res["sign_inputs_eval"] = sign_input_stats(mexp, xev)
        if kind == "ws":
            res["sign_inputs_train"] = sign_input_stats(mexp, xtr)
        res["binary_weights_ok"], res["binary_convs_in_onnx"] = binary_weight_check(onnx_model)
    if extra:
        res.update(extra)
    if kind == "ws" and args.write_resources:
        write_resources(path, logits_exp, res)
    res["wall_s"] = time.time() - t_start
    with open(os.path.join(args.out, kind, "result.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(f"== {kind}: top-1 {acc * 100:.2f}% (export graph {acc_exp * 100:.2f}%), "
          f"binary params {res['binary_params']}, float params {res['float_params']}, "
          f"binary MACs {res['binary_macs']}, float MACs {res['float_macs']}, "
          f"ONNX {res['onnx_bytes']} B -> {path}, wall {res['wall_s']:.0f}s", flush=True)
    print(f"   ONNX ops: {' '.join(ops)}")
    print(f"   ONNX-vs-PyTorch max |logit diff| {res['max_abs_diff_export_vs_onnx']:.2e}, "
          f"argmax agreement {res['argmax_agree_onnx']:.4f}")
    if kind != "fp":
        print(f"   Sign inputs exactly 0: eval {res['sign_inputs_eval']['zero']} of "
              f"{res['sign_inputs_eval']['total']} (min |x| {res['sign_inputs_eval']['min_abs']:.3g}); "
              f"train {res.get('sign_inputs_train', {}).get('zero')}; "
              f"binary filters {{-a_c,+a_c}}: {res['binary_weights_ok']} ({res['binary_convs_in_onnx']} convs); "
              f"fixes {fixes}")
    return res


def write_resources(onnx_path, logits, res):
    """Reference logits for MnistModelTest: PyTorch's logits of the exported (frozen) graph on
    the 2,000 held-out images. The .bnn model itself is made by `bnn4j convert` (README)."""
    os.makedirs(REF_DIR, exist_ok=True)
    logits.numpy().astype("<f4").tofile(os.path.join(REF_DIR, "logits.f32"))
    meta = {"model_onnx_sha256": sha256(onnx_path),
            "images": "t10k-images-idx3-ubyte.gz indices 8000..9999 (in order)",
            "logits_file": "logits.f32", "dtype": "float32 little-endian", "shape": [N_EVAL, 10],
            "preprocessing": "x = (pixel / 255 - 0.1307) / 0.3081, shape [1,1,28,28]",
            "pytorch_top1": res["top1_export"], "seed": res["seed"],
            "sign_inputs_exactly_zero": res["sign_inputs_eval"]["zero"]}
    write_json(os.path.join(REF_DIR, "logits.json"), meta)
    res["reference_logits"] = os.path.join(REF_DIR, "logits.f32")


def run_variant(kind, data, args):
    t0 = time.time()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    (xtr, ytr), _ = data
    if kind == "ws":
        ck = os.path.join(args.out, "wide", "model.pt")
        if os.path.exists(ck) and not args.retrain_wide:
            saved = torch.load(ck)
            model = build("wide", args)
            model.load_state_dict(saved["state_dict"])
            print(f"[ws] starting from {ck}")
        else:
            print("[ws] no wide checkpoint; training the wide model first")
            model = build("wide", args)
            calibrate_thresholds(model, xtr)
            train(model, data, args.epochs_wide, args.lr_bin, args.seed, label="wide")
        recalibrate_bn(model, xtr)
        acc_wide, _ = evaluate(model, *data[1])
        # 1) squeeze: drop the widened bits that carry the least code entropy
        rep = squeeze(model, mnist_batches(xtr), args.min_bits)
        recalibrate_bn(model, xtr)
        acc0, _ = evaluate(model, *data[1])
        for r in rep:
            print(f"[ws] block {r['block']}: widened bits {r['bits_before']} -> {r['bits_after']}")
        print(f"[ws] held-out accuracy: wide {acc_wide:.4f}, right after squeezing {acc0:.4f}")
        # 2) fine-tune the squeezed network (squeezed thresholds stay at -inf)
        torch.manual_seed(args.seed + 2)
        train(model, data, args.epochs_ft, args.lr_ft, args.seed + 2, label="ws-finetune")
        extra = {"squeeze": rep, "acc_wide_start": acc_wide, "acc_after_squeeze_before_ft": acc0}
        return finish(kind, model, data, args, t0, extra)
    model = build(kind, args)
    if kind == "wide":
        calibrate_thresholds(model, xtr)
    epochs = {"fp": args.epochs_fp, "bnn": args.epochs_bnn, "wide": args.epochs_wide}[kind]
    lr = args.lr_fp if kind == "fp" else args.lr_bin
    train(model, data, epochs, lr, args.seed, wd=args.wd_fp if kind == "fp" else 0.0, label=kind)
    return finish(kind, model, data, args, t0)


def table(results):
    lines = ["| variant | top-1 (2,000 held-out) | binary params | float params | binary MACs | float MACs "
             "| ONNX size | wall time |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['variant']} | {r['top1'] * 100:.2f}% | {r['binary_params']:,} | {r['float_params']:,} "
                     f"| {r['binary_macs']:,} | {r['float_macs']:,} | {r['onnx_bytes'] / 1024:.1f} KiB "
                     f"| {r['wall_s']:.0f} s |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variant", nargs="?", choices=VARIANTS)
    ap.add_argument("--resnet18", action="store_true",
                    help="instead of MNIST: the benchmark-scale W&S ResNet-18 (random weights)")
    ap.add_argument("--resnet-images", type=int, default=4,
                    help="--resnet18: random images for calibration and for the squeeze criterion")
    ap.add_argument("--no-onnx", dest="resnet_onnx", action="store_false",
                    help="--resnet18: only write the widths JSON, not the (large) ONNX model")
    ap.add_argument("--all", action="store_true", help="train fp, bnn, wide, ws and print the table")
    ap.add_argument("--data", default=DEFAULT_DATA, help="dir with t10k-images/labels .gz")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output dir (<out>/<variant>/model.onnx)")
    ap.add_argument("--seed", type=int, default=2002)
    ap.add_argument("--width", type=int, default=32, help="base width C")
    ap.add_argument("--blocks", type=int, nargs="+", default=[2, 2], help="blocks per stage")
    ap.add_argument("--k", type=int, default=3, help="widening thresholds per channel")
    ap.add_argument("--k-input", type=int, default=4, help="wide/ws: thresholds on the input pixel")
    ap.add_argument("--epochs-fp", type=int, default=15)
    ap.add_argument("--epochs-bnn", type=int, default=20)
    ap.add_argument("--epochs-wide", type=int, default=20)
    ap.add_argument("--epochs-ft", type=int, default=8)
    ap.add_argument("--lr-fp", type=float, default=3e-3)
    ap.add_argument("--lr-bin", type=float, default=3e-3)
    ap.add_argument("--lr-ft", type=float, default=1e-3)
    ap.add_argument("--wd-fp", type=float, default=5e-4)
    ap.add_argument("--min-bits", type=float, default=0.25,
                    help="ws: squeeze a widened bit whose removal loses fewer bits of code entropy")
    ap.add_argument("--retrain-wide", action="store_true", help="ws: ignore <out>/wide/model.pt")
    ap.add_argument("--no-resources", dest="write_resources", action="store_false",
                    help="ws: do not write the repo resources (ONNX, json, reference logits)")
    args = ap.parse_args()
    if args.resnet18:
        ws_resnet18(args)
        return
    if not args.all and not args.variant:
        ap.error("give a variant, --all or --resnet18")
    data = load_mnist(args.data)
    print(f"seed {args.seed}; train images 0..{N_TRAIN - 1}, eval images {N_TRAIN}..{N_TRAIN + N_EVAL - 1}; "
          f"torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    t0 = time.time()
    kinds = VARIANTS if args.all else (args.variant,)
    results = [run_variant(k, data, args) for k in kinds]
    print()
    print(table(results))
    print(f"\ntotal wall time {time.time() - t0:.0f}s")
    if args.all:
        with open(os.path.join(args.out, "table.md"), "w") as f:
            f.write(table(results) + "\n")


if __name__ == "__main__":
    main()
