#!/usr/bin/env python3
"""Widening and squeezing (W&S) on Fashion-MNIST: the full comparison behind the bundled
`fashion-ws.bnn` model. It reuses the networks, the squeezing criterion and the exact-export
tricks of ws_train.py (the MNIST recipe) and changes only the data, the augmentation and the
way choices are made.

Run with the interpreter that has torch 1.13 and onnx 1.12 (CPU only):

    nice -n 10 /usr/bin/python3 tools/train/ws_fashion.py --all      # whole comparison, 5 workers
    /usr/bin/python3 tools/train/ws_fashion.py --only fp bnn          # some networks (1 thread)
    /usr/bin/python3 tools/train/ws_fashion.py --table                # collect results, write table

Data: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist). Training uses the
60,000 training images only: a seeded permutation puts 5,000 of them aside as the validation
split, which makes every choice (squeezing threshold, best K; the epoch counts are a CPU
budget, not a choice made on it). The 10,000 test images are evaluated once per network, at the end of its
run, and never used for a choice.

Networks (base width 32, ws_net.Net): fp (float), bnn (plain BNN, same width), wide<K> (every
block's sign replaced by a K-threshold widening, K = 2, 3, 4; binary stem with 4 thresholds on
the pixel), ws<K> (wide<K> squeezed by the entropy criterion, then fine-tuned).

Determinism: every network is trained in a process of its own with one intra-op thread
(--threads-wide sets it for wide<K>/ws<K>; the bundled run used 1), seeded from --seed alone, so
the split of the work over processes does not change any result; the same command should write
the same ONNX bytes again (sha256 in fashion-ref/logits.json).

Budget: the defaults are the bundled run's: 10 epochs for fp, bnn and wide<K>, then 3 epochs of
fine-tuning on all training images for ws<K>. That is an estimated 110 CPU-minutes in all (from single-
thread epoch times measured on an idle core: fp 66 s, wide4 165 s per 55,000 images), so about 55
minutes on an idle 2-core machine (an estimate, not measured); the bundled run took 103 minutes of wall time because other
builds shared the two cores.
"""

import argparse
import copy
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the MNIST recipe's modules: networks, training loop, squeezing, exact export
import ws_data  # noqa: E402
import ws_exact  # noqa: E402
import ws_training  # noqa: E402
from train_common import IDX_IMAGES, IDX_LABELS, REPO_ROOT, read_idx, sha256, write_json  # noqa: E402
from ws_data import mnist_batches, normalise  # noqa: E402
from ws_exact import finalize_exact  # noqa: E402
from ws_export import (binary_weight_check, export_onnx, onnx_ops, run_onnx_with_torch,  # noqa: E402
                       sign_input_stats)
from ws_net import Net, count  # noqa: E402
from ws_squeeze import squeeze  # noqa: E402
from ws_training import calibrate_thresholds, evaluate, recalibrate_bn  # noqa: E402

torch.set_num_threads(1)  # fp/bnn workers; wide/ws workers use --threads-wide (see main)

DATA_DIR = "/usr/share/datasets/fashion-mnist"
DEFAULT_OUT = "/tmp/ws-fashion"
REF_DIR = os.path.join(REPO_ROOT, "tools", "src", "test", "resources", "fashion-ref")
# Fashion-MNIST training-set statistics of pixel / 255 (all 60,000 images)
ws_data.MEAN, ws_data.STD = 0.2860, 0.3530
# |d| can reach 4 * 32 * 9 = 1152 > 2^10 for K = 4: 13 significant bits keep d * scale exact
ws_exact.SCALE_BITS = 13
N_VAL = 5000
KS = (2, 3, 4)
VARIANTS = ("fp", "bnn") + tuple(f"wide{k}" for k in KS) + tuple(f"ws{k}" for k in KS)
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"]
MIN_BITS_CANDIDATES = (0.15, 0.3, 0.45)
SQUEEZE_TOLERANCE = 0.005  # largest min-bits whose validation top-1 right after squeezing
#                            is within 0.5 points of the unsqueezed network's


def load_fashion(data_dir, seed):
    """(train, val, test) as ([N,1,28,28] float in [0,1], int64 labels). val = N_VAL training
    images picked by a permutation seeded with `seed`."""
    def pair(split):
        x = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"), IDX_IMAGES)
        y = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"), IDX_LABELS)
        assert len(x) == len(y)
        return (torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1),
                torch.from_numpy(y.astype(np.int64)))

    (x, y), test = pair("train"), pair("t10k")
    assert len(x) == 60000 and len(test[0]) == 10000
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    val_idx, tr_idx = perm[:N_VAL].sort().values, perm[N_VAL:].sort().values
    return (x[tr_idx], y[tr_idx]), (x[val_idx], y[val_idx]), test


def fashion_augment(x01, gen, max_shift=2):
    """Random horizontal flip and an integer shift of up to +-max_shift px (garments are
    left-right symmetric classes; rotations and rescaling, as used for digits, are not)."""
    n = x01.shape[0]
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    tx = torch.randint(-max_shift, max_shift + 1, (n,), generator=gen).float() * 2 / 28
    ty = torch.randint(-max_shift, max_shift + 1, (n,), generator=gen).float() * 2 / 28
    zero = torch.zeros(n)
    theta = torch.stack([torch.stack([flip, zero, tx], 1), torch.stack([zero, torch.ones(n), ty], 1)], 1)
    grid = F.affine_grid(theta, list(x01.shape), align_corners=False)
    return F.grid_sample(x01, grid, mode="nearest", padding_mode="zeros", align_corners=False)


ws_training.augment = fashion_augment  # ws_training.train() draws its augmentation through this name


def kind_of(variant):
    """ws_net.Net kind and K of a variant name."""
    if variant in ("fp", "bnn"):
        return variant, 1
    return ("wide" if variant.startswith("wide") else "ws"), int(variant[-1])


def build(variant, args):
    kind, k = kind_of(variant)
    return Net(kind, width=args.width, blocks=tuple(args.blocks), k=max(k, 1), k_in=args.k_input)


def train(model, xtr, ytr, xval, yval, epochs, lr, seed, wd, args, label):
    """ws_training.train one epoch at a time (same optimiser, schedule and clamping, via a single
    call whose epoch loop we observe), logging validation top-1 after every epoch."""
    log = []
    orig_print = print

    def hook(*a, **k):
        orig_print(*a, **k)
        msg = " ".join(str(x) for x in a)
        if msg.startswith(f"[{label}] epoch"):
            acc = evaluate(model, xval, yval)[0]
            model.train()
            log.append(acc)
            orig_print(f"[{label}]   val top-1 {acc:.4f}", flush=True)

    ws_training.print = hook  # ws_training.train prints once per epoch; evaluating there does not touch the RNG
    try:
        ws_training.train(model, ((xtr, ytr), None), epochs, lr, seed, wd=wd, bs=args.bs, label=label)
    finally:
        del ws_training.print
    return log


def export_and_measure(variant, model, data, args, extra):
    (xtr, ytr), (xval, yval), (xte, yte) = data
    kind, k = kind_of(variant)
    out = os.path.join(args.out, variant)
    os.makedirs(out, exist_ok=True)
    recalibrate_bn(model, xtr[:args.stats_images])
    res = {"variant": variant, "k": k, "seed": args.seed}
    if kind in ("wide", "ws"):
        res["val_top1_before_finalize"] = evaluate(model, xval, yval)[0]
        res["finalize_exact"] = finalize_exact(model, xtr[:args.stats_images])
    torch.save({"state_dict": model.state_dict(), "args": vars(args), "variant": variant},
               os.path.join(out, "model.pt"))
    res["val_top1"] = evaluate(model, xval, yval)[0]
    path = os.path.join(out, "model.onnx")
    mexp = export_onnx(model, path)
    res["onnx"], res["onnx_bytes"], res["onnx_sha256"] = path, os.path.getsize(path), sha256(path)
    # the ONE evaluation on the test images (never used for a choice)
    top1, logits = evaluate(mexp, xte, yte)
    res["test_top1"] = top1
    logits.numpy().astype("<f4").tofile(os.path.join(out, "test-logits.f32"))
    onnx_model, ops, _ = onnx_ops(path)
    lo = run_onnx_with_torch(path, normalise(xte[:500]))
    res["max_abs_diff_torch_vs_onnx_500"] = float((lo - logits[:500]).abs().max())
    res["onnx_ops"] = sorted(set(ops))
    res.update(count(model))
    if kind != "fp":
        res["sign_inputs_test_2000"] = sign_input_stats(mexp, xte[:2000])
        res["binary_weights_ok"], res["binary_convs_in_onnx"] = binary_weight_check(onnx_model)
    res.update(extra)
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(f"== {variant}: val {res['val_top1'] * 100:.2f}%, test {top1 * 100:.2f}%, "
          f"binary params {res['binary_params']}, float params {res['float_params']}, "
          f"binary MACs {res['binary_macs']}, float MACs {res['float_macs']}, wall {extra['wall_s']:.0f}s",
          flush=True)
    return res


def squeeze_choice(model, xtr, xval, yval, args):
    """Pick min-bits on the validation split: the largest candidate whose top-1 right after
    squeezing (BN re-estimated on 5,000 clean training images) stays within
    SQUEEZE_TOLERANCE of the unsqueezed network's."""
    calib = xtr[:5000]
    batches = mnist_batches(xtr[:args.stats_images])
    base = evaluate(model, xval, yval)[0]
    trials = []
    for mb in MIN_BITS_CANDIDATES:
        m = copy.deepcopy(model)
        rep = squeeze(m, batches, mb)
        recalibrate_bn(m, calib)
        acc = evaluate(m, xval, yval)[0]
        kept = sum(r["bits_after"] for r in rep)
        total = sum(r["bits_before"] for r in rep)
        trials.append({"min_bits": mb, "val_top1": acc, "bits_kept": kept, "bits_total": total})
        print(f"[squeeze] min-bits {mb}: bits {total} -> {kept}, val top-1 {acc:.4f} (unsqueezed {base:.4f})",
              flush=True)
    ok = [t for t in trials if t["val_top1"] >= base - SQUEEZE_TOLERANCE]
    chosen = max(ok, key=lambda t: t["min_bits"])["min_bits"] if ok else min(MIN_BITS_CANDIDATES)
    return chosen, base, trials


def run_variant(variant, data, args):
    t0 = time.time()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    (xtr, ytr), (xval, yval), _ = data
    kind, k = kind_of(variant)
    extra = {}
    if kind == "ws":
        ck = os.path.join(args.out, f"wide{k}", "model.pt")
        # the wide checkpoint is saved after finalize_exact (ExactAffine): rebuild it that way
        model = Net("wide", width=args.width, blocks=tuple(args.blocks), k=k, k_in=args.k_input)
        wide_state = torch.load(os.path.join(args.out, f"wide{k}", "pre-finalize.pt"))
        model.load_state_dict(wide_state)
        print(f"[{variant}] starting from {ck} (before finalize)", flush=True)
        chosen, base, trials = squeeze_choice(model, xtr, xval, yval, args)
        rep = squeeze(model, mnist_batches(xtr[:args.stats_images]), chosen)
        recalibrate_bn(model, xtr[:args.stats_images])
        acc0 = evaluate(model, xval, yval)[0]
        for r in rep:
            print(f"[{variant}] block {r['block']}: widened bits {r['bits_before']} -> {r['bits_after']}")
        torch.manual_seed(args.seed + 2)
        # fine-tune on a seeded random part of the training images (--ft-fraction)
        part = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(args.seed + 3))
        part = part[:int(len(xtr) * args.ft_fraction)].sort().values
        log = train(model, xtr[part], ytr[part], xval, yval, args.epochs_ft, args.lr_ft, args.seed + 2, 0.0,
                    args, f"{variant}-finetune")
        extra = {"squeeze": rep, "min_bits": chosen, "squeeze_trials": trials, "val_top1_wide": base,
                 "val_top1_after_squeeze_before_ft": acc0, "val_log": log, "epochs": args.epochs_ft}
    else:
        model = build(variant, args)
        if kind == "wide":
            calibrate_thresholds(model, xtr)
        epochs = {"fp": args.epochs_fp, "bnn": args.epochs_bnn, "wide": args.epochs_wide}[kind]
        lr = args.lr_fp if kind == "fp" else args.lr_bin
        log = train(model, xtr, ytr, xval, yval, epochs, lr, args.seed, args.wd_fp if kind == "fp" else 0.0,
                    args, variant)
        extra = {"val_log": log, "epochs": epochs}
        if kind == "wide":
            recalibrate_bn(model, xtr[:args.stats_images])
            os.makedirs(os.path.join(args.out, variant), exist_ok=True)
            torch.save(model.state_dict(), os.path.join(args.out, variant, "pre-finalize.pt"))
    extra["wall_s"] = time.time() - t0
    return export_and_measure(variant, model, data, args, extra)


def groups(jobs):
    """Work split over processes, balanced by rough cost (wide<K> costs about K/2 of fp)."""
    if jobs <= 1:
        return [list(VARIANTS[:2]) + [v for k in KS for v in (f"wide{k}", f"ws{k}")]]
    return [["wide4", "ws4"], ["wide3", "ws3"], ["wide2", "ws2"], ["fp"], ["bnn"]]


def write_references(best, args):
    """PyTorch's logits of the bundled network on the 10,000 test images (float32 LE, gzip),
    which FashionModelTest compares bnn4j against."""
    src = os.path.join(args.out, best["variant"], "test-logits.f32")
    os.makedirs(REF_DIR, exist_ok=True)
    with open(src, "rb") as f, gzip.GzipFile(os.path.join(REF_DIR, "logits.f32.gz"), "wb", mtime=0) as g:
        g.write(f.read())
    meta = {"variant": best["variant"], "model_onnx_sha256": best["onnx_sha256"],
            "images": "Fashion-MNIST t10k-images-idx3-ubyte.gz, all 10,000 in order",
            "logits_file": "logits.f32.gz", "dtype": "float32 little-endian, gzip", "shape": [10000, 10],
            "preprocessing": f"x = (pixel / 255 - {ws_data.MEAN}) / {ws_data.STD}, shape [1,1,28,28]",
            "pytorch_top1": best["test_top1"], "seed": best["seed"],
            "sign_inputs_exactly_zero_first_2000": best["sign_inputs_test_2000"]["zero"]}
    write_json(os.path.join(REF_DIR, "logits.json"), meta)


def print_table(lines, path):
    """Prints a Markdown table and writes it to path."""
    text = "\n".join(lines)
    print(text)
    with open(path, "w") as f:
        f.write(text + "\n")


def collect(args):
    res = {}
    for v in VARIANTS:
        p = os.path.join(args.out, v, "result.json")
        if os.path.exists(p):
            with open(p) as f:
                res[v] = json.load(f)
    ws = [res[f"ws{k}"] for k in KS if f"ws{k}" in res]
    best = max(ws, key=lambda r: r["val_top1"]) if ws else None  # chosen on validation only
    lines = ["| network | val top-1 | test top-1 | binary params | float params | binary MACs | float MACs "
             "| ONNX | train wall |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for v in VARIANTS:
        if v in res:
            r = res[v]
            lines.append(f"| {v}{' (best K)' if best and r is best else ''} | {r['val_top1'] * 100:.2f}% "
                         f"| {r['test_top1'] * 100:.2f}% | {r['binary_params']:,} | {r['float_params']:,} "
                         f"| {r['binary_macs']:,} | {r['float_macs']:,} | {r['onnx_bytes']:,} B | {r['wall_s']:.0f} s |")
    print_table(lines, os.path.join(args.out, "table.md"))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"results": res, "best": best and best["variant"]}, f, indent=1)
    if best and args.write_resources:
        write_references(best, args)
        print(f"best K on validation: {best['variant']}; wrote {REF_DIR}")
    return res, best


LABELS_FILE = os.path.join(REPO_ROOT, "tools", "train", "fashion-labels.txt")
BNN4J = os.path.join(REPO_ROOT, "bnn4j")
PLOT = os.path.join(REPO_ROOT, "tools", "train", "ws-fashion.png")
NAMES = {"fp": "full precision", "bnn": "plain BNN, same width"}
NAMES.update({f"wide{k}": f"widened BNN, K = {k}" for k in KS})
NAMES.update({f"ws{k}": f"W&S, K = {k}" for k in KS})


def convert_command(onnx, out, final=False):
    """The bnn4j convert command for a network. final=True adds the preprocessing flags of
    CONTRACTS C2 (--background dark --fit pad), which exist once branch lib2 is merged."""
    cmd = [BNN4J, "convert", onnx, "-o", out, "--name", "fashion-ws", "--labels", LABELS_FILE,
           "--mean", str(ws_data.MEAN), "--std", str(ws_data.STD), "--color", "GRAYSCALE"]
    return cmd + (["--background", "dark", "--fit", "pad"] if final else [])


def report(args):
    """Convert every network with bnn4j, time it with `bnn4j bench` (1 thread), write the
    table (<out>/report.md) and the plot (tools/train/ws-fashion.png)."""
    res, best = collect(args)
    rows, cpu = [], {}
    for v in VARIANTS:
        if v not in res:
            continue
        r = res[v]
        bnn = os.path.join(args.out, v, "model.bnn")
        subprocess.run(convert_command(r["onnx"], bnn), check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([BNN4J, "bench", "--model", bnn, "--threads", "1", "--warmup",
                              str(args.bench_warmup), "--runs", str(args.bench_runs)],
                             check=True, capture_output=True, text=True).stdout
        lat = {}
        for line in out.splitlines():
            key, _, val = line.partition(" ")
            if key in ("cpu", "isa", "kernels"):
                cpu[key] = val.strip()
            if key == "latency":
                for part in val.split(","):
                    name, num = part.split()[:2]
                    lat[name] = float(num)
        rows.append(dict(r, bnn_bytes=os.path.getsize(bnn), latency_ms=lat))
    lines = [f"bench: {cpu.get('cpu')}; {cpu.get('isa')}; kernels {cpu.get('kernels')}; 1 thread, "
             f"{args.bench_runs} timed runs after {args.bench_warmup}; shared machine (noisy)", "",
             "| network | top-1 (10,000 test) | binary params | float params | binary MACs | float MACs "
             "| `.bnn` | latency p50 (min) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        bold = "**" if best and r["variant"] == best["variant"] else ""
        lines.append(f"| {bold}{NAMES[r['variant']]}{bold} | {bold}{r['test_top1'] * 100:.2f}%{bold} "
                     f"| {r['binary_params']:,} | {r['float_params']:,} | {r['binary_macs']:,} "
                     f"| {r['float_macs']:,} | {r['bnn_bytes']:,} B | {r['latency_ms'].get('p50', 0) * 1000:.0f} us "
                     f"({r['latency_ms'].get('min', 0) * 1000:.0f} us) |")
    print_table(lines, os.path.join(args.out, "report.md"))
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump({"rows": rows, "bench": cpu, "best": best and best["variant"]}, f, indent=1)
    plot(rows, best)


def plot(rows, best):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    fp = [r for r in rows if r["variant"] == "fp"]
    if fp:
        ax.axhline(fp[0]["test_top1"] * 100, color="grey", ls="--",
                   label=f"full precision ({fp[0]['test_top1'] * 100:.2f}%, {fp[0]['float_macs'] / 1e6:.1f} M float MACs)")
    styles = {"bnn": ("s", "tab:red"), "wide": ("o", "tab:blue"), "ws": ("D", "tab:green")}
    for fam, (marker, color) in styles.items():
        pts = [r for r in rows if r["variant"].startswith(fam) and not (fam == "wide" and r["variant"].startswith("ws"))]
        pts = [r for r in pts if kind_of(r["variant"])[0] == fam]
        if not pts:
            continue
        ax.plot([r["binary_macs"] / 1e6 for r in pts], [r["test_top1"] * 100 for r in pts], marker=marker,
                color=color, ls="-" if len(pts) > 1 else "none",
                label={"bnn": "plain BNN", "wide": "widened (K = 2, 3, 4)", "ws": "W&S (K = 2, 3, 4)"}[fam])
        for r in pts:
            ax.annotate(r["variant"], (r["binary_macs"] / 1e6, r["test_top1"] * 100), textcoords="offset points",
                        xytext=(5, -10), fontsize=8)
    ax.set_xlabel("binary MACs per image (millions)")
    ax.set_ylabel("top-1 on the 10,000 Fashion-MNIST test images (%)")
    ax.set_title("Fashion-MNIST: widening and squeezing, base width 32")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(PLOT)
    print(f"wrote {PLOT}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all", action="store_true", help="every network in --jobs processes, then --table")
    ap.add_argument("--only", nargs="+", choices=VARIANTS, help="train these networks, in order")
    ap.add_argument("--table", action="store_true", help="collect <out>/*/result.json into the table")
    ap.add_argument("--report", action="store_true",
                    help="--table, then bnn4j convert + bench every network, report.md and the plot")
    ap.add_argument("--bench-warmup", type=int, default=300)
    ap.add_argument("--bench-runs", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=5, help="worker processes (1 thread each); 1 or 5")
    ap.add_argument("--data", default=DATA_DIR)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--blocks", type=int, nargs="+", default=[2, 2])
    ap.add_argument("--k-input", type=int, default=4)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--epochs-fp", type=int, default=10)
    ap.add_argument("--epochs-bnn", type=int, default=10)
    ap.add_argument("--epochs-wide", type=int, default=10)
    ap.add_argument("--epochs-ft", type=int, default=3)
    ap.add_argument("--ft-fraction", type=float, default=1.0,
                    help="ws: fine-tune on this fraction of the training images (seeded)")
    ap.add_argument("--threads-wide", type=int, default=1,
                    help="torch threads of the wide/ws workers (fp and bnn use 1)")
    ap.add_argument("--lr-fp", type=float, default=3e-3)
    ap.add_argument("--lr-bin", type=float, default=3e-3)
    ap.add_argument("--lr-ft", type=float, default=1e-3)
    ap.add_argument("--wd-fp", type=float, default=5e-4)
    ap.add_argument("--stats-images", type=int, default=10000,
                    help="clean training images for BN re-estimation, squeezing statistics and the "
                         "exactness check")
    ap.add_argument("--subset", type=int, default=0, help="smoke test: first N training images only")
    ap.add_argument("--no-resources", dest="write_resources", action="store_false")
    args = ap.parse_args()
    if args.all:
        t0 = time.time()
        base = [a for a in sys.argv[1:] if a != "--all"]
        procs = []
        for i, g in enumerate(groups(args.jobs)):
            os.makedirs(args.out, exist_ok=True)
            log = open(os.path.join(args.out, f"worker{i}.log"), "w")
            procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--only", *g, *base],
                                          stdout=log, stderr=subprocess.STDOUT))
        codes = [p.wait() for p in procs]
        print(f"workers exited {codes}; wall {time.time() - t0:.0f}s", flush=True)
        if any(codes):
            sys.exit(1)
        collect(args)
        return
    if args.table:
        collect(args)
        return
    if args.report:
        report(args)
        return
    if not args.only:
        ap.error("give --all, --only VARIANT... or --table")
    if any(v.startswith(("wide", "ws")) for v in args.only):
        torch.set_num_threads(args.threads_wide)
    data = load_fashion(args.data, args.seed)
    if args.subset:
        (x, y) = data[0]
        data = ((x[:args.subset], y[:args.subset]), data[1], data[2])
    print(f"seed {args.seed}; train {len(data[0][0])}, val {len(data[1][0])}, test {len(data[2][0])}; "
          f"torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    for v in args.only:
        run_variant(v, data, args)


if __name__ == "__main__":
    main()
