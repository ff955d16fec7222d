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

import argparse
import copy
import gzip
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_DATA = os.path.join(REPO_ROOT, "..", "shared", "datasets", "mnist")
DEFAULT_OUT = "/tmp/ws-out"

REF_DIR = os.path.join(REPO_ROOT, "tools", "src", "test", "resources", "mnist-ref")
MEAN, STD = 0.1307, 0.3081
N_TRAIN, N_EVAL = 8000, 2000
OPSET = 13
VARIANTS = ("fp", "bnn", "wide", "ws")


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def load_mnist(data_dir):
    with gzip.open(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[0:4], "big") == 0x803
    n, r, c = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, r, c)
    with gzip.open(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[0:4], "big") == 0x801
    labels = np.frombuffer(raw, np.uint8, offset=8)
    assert n == 10000 and len(labels) == n
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # [N,1,28,28] in [0,1]
    y = torch.from_numpy(labels.astype(np.int64))
    return (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:N_TRAIN + N_EVAL], y[N_TRAIN:N_TRAIN + N_EVAL])


def normalise(x01):
    return (x01 - MEAN) / STD


def augment(x01, gen, max_shift=2.0, max_rot_deg=10.0, max_scale=0.08):
    """Random affine (rotation, scale, shift up to +-max_shift px) on [0,1] images; the
    background (0) fills the border."""
    n = x01.shape[0]
    ang = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(max_rot_deg)
    sc = 1.0 + (torch.rand(n, generator=gen) * 2 - 1) * max_scale
    tx = (torch.rand(n, generator=gen) * 2 - 1) * max_shift * 2 / 28
    ty = (torch.rand(n, generator=gen) * 2 - 1) * max_shift * 2 / 28
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x01.shape), align_corners=False)
    return F.grid_sample(x01, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


# ---------------------------------------------------------------------------
# Binary building blocks
# ---------------------------------------------------------------------------

def sign_pm1(x):
    """sign with sign(0) = +1 (the bnn4j convention)."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class SignSTE(torch.autograd.Function):
    """Activation sign: forward sign (ties +1), backward clipped straight-through (|x| <= 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return sign_pm1(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class WeightSTE(torch.autograd.Function):
    """Weight sign: forward sign (ties +1), backward identity (latent weights are clamped)."""

    @staticmethod
    def forward(ctx, w):
        return sign_pm1(w)

    @staticmethod
    def backward(ctx, g):
        return g


class ExportSwitch(nn.Module):
    export = False  # class default, flipped per instance by set_export()


def set_export(model, flag):
    for m in model.modules():
        if isinstance(m, ExportSwitch):
            m.export = flag


class SignAct(ExportSwitch):
    """Sign(x): STE in training, bare torch.sign (ONNX Sign) when exporting."""

    def forward(self, x):
        return torch.sign(x) if self.export else SignSTE.apply(x)


class Widen(ExportSwitch):
    """Multi-threshold widening: Concat_k Sign(x - t_k), t_k of shape [1,C,1,1] (learned).

    Output channel k*C + c is sign(x_c - t_k[c]) -- exactly bnn4j's Binarize with T[K, C]."""

    def __init__(self, c, k):
        super().__init__()
        self.c, self.k = c, k
        self.ts = nn.ParameterList([nn.Parameter(torch.zeros(1, c, 1, 1)) for _ in range(k)])
        self.register_buffer("pruned", torch.zeros(k, c, dtype=torch.bool))  # squeezed bits
        self.calibrate = False

    def apply_pruning(self):
        """A squeezed bit has threshold -inf: sign(x + inf) = +1 for every finite x."""
        with torch.no_grad():
            for k, t in enumerate(self.ts):
                t.data[0, self.pruned[k], 0, 0] = -math.inf
                if t.grad is not None:
                    t.grad[0, self.pruned[k], 0, 0] = 0

    def forward(self, x):
        if self.calibrate:
            # data-dependent init: mean + std * z_k with z_k the k/(K+1) quantiles of N(0,1).
            # (Not empirical quantiles: ~80 % of MNIST is background, so an empirical quantile
            # would put a threshold exactly on the background value and make x - t == 0.)
            with torch.no_grad():
                flat = x.detach().transpose(0, 1).reshape(self.c, -1)
                mu, sd = flat.mean(1), flat.std(1)
                for i, t in enumerate(self.ts):
                    z = math.sqrt(2) * torch.erfinv(torch.tensor(2 * (i + 1) / (self.k + 1) - 1.0))
                    t.copy_((mu + sd * z).view(1, self.c, 1, 1))
        if self.export:
            return torch.cat([torch.sign(x - t) for t in self.ts], dim=1)
        return torch.cat([SignSTE.apply(x - t) for t in self.ts], dim=1)


class BinConv2d(nn.Conv2d, ExportSwitch):
    """Conv whose weights are binarised (sign, ties +1) in the forward pass. Its input is always
    the output of a binariser. For export, freeze() replaces the latent weight by its sign."""

    def __init__(self, cin, cout, k, stride=1, padding=0):
        nn.Conv2d.__init__(self, cin, cout, k, stride=stride, padding=padding, bias=False)
        nn.init.kaiming_normal_(self.weight, nonlinearity="linear")
        self.weight.data.mul_(0.5)

    def forward(self, x):
        w = self.weight if self.export else WeightSTE.apply(self.weight)
        return F.conv2d(x, w, None, self.stride, self.padding)

    def freeze(self):
        self.weight.data.copy_(sign_pm1(self.weight.data))


class FpBlock(nn.Module):
    def __init__(self, c, **_):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return x + self.bn(self.conv(F.relu(x)))


class BnnBlock(nn.Module):
    def __init__(self, c, **_):
        super().__init__()
        self.act = SignAct()
        self.conv = BinConv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return x + self.bn(self.conv(self.act(x)))


class WideBlock(nn.Module):
    """x + BN(BinConv3x3(Widen_K(x))): C float channels widened to K*C bits, then C outputs."""

    def __init__(self, c, k=3, **_):
        super().__init__()
        self.widen = Widen(c, k)
        self.conv = BinConv2d(k * c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return x + self.bn(self.conv(self.widen(x)))


BLOCKS = {"fp": FpBlock, "bnn": BnnBlock, "wide": WideBlock, "ws": WideBlock}


class Net(nn.Module):
    """fp / bnn: float stem Conv3x3(1->C) + BN. wide / ws: binary stem, the input pixel widened
    to k_in bits by learned thresholds, then BinConv3x3(k_in->C) + BN, so that every conv is binary
    and only the final Linear is float."""

    def __init__(self, kind, width=32, blocks=(2, 2), k=3, k_in=4):
        super().__init__()
        self.binary_stem = kind in ("wide", "ws")
        if self.binary_stem:
            self.stem_widen = Widen(1, k_in)
            self.stem = BinConv2d(k_in, width, 3, padding=1)
        else:
            self.stem = nn.Conv2d(1, width, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(width)
        stages = []
        for nb in blocks:
            stages.append(nn.Sequential(*[BLOCKS[kind](width, k=k) for _ in range(nb)]))
        self.stages = nn.ModuleList(stages)
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        if self.binary_stem:
            x = self.stem_widen(x)
        x = self.stem_bn(self.stem(x))
        for st in self.stages:
            x = st(self.pool(x))
        return self.fc(torch.flatten(self.gap(x), 1))


# ---------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------

def widen_consumers(model):
    """(Widen, the BinConv2d that reads its bits) pairs."""
    pairs = [(b.widen, b.conv) for b in model.modules() if isinstance(b, WideBlock)]
    if isinstance(model, Net) and model.binary_stem:
        pairs.insert(0, (model.stem_widen, model.stem))
    return pairs


def count(model):
    """Binary params = weights of BinConv2d layers (1 bit each). Float params = every other
    learnable parameter (float convs, BN gamma/beta or their ExactAffine scale/shift, widening
    thresholds, FC). MACs per image:
    binary = BinConv2d, float = float Conv2d and Linear (BN, Add, pooling, thresholds not counted).
    A squeezed widened bit is constant: its weights and its threshold are gone from the deployed
    model, and its contribution becomes a per-tap bias of the consuming conv ([Cout, kH, kW]
    floats, counted as float params), as bnn4j's converter stores it."""
    res = {"binary_params": 0, "float_params": 0, "binary_macs": 0, "float_macs": 0}
    squeezed = {id(conv): int(w.pruned.sum()) for w, conv in widen_consumers(model)}
    for w, conv in widen_consumers(model):
        n = squeezed[id(conv)]
        taps = conv.out_channels * conv.kernel_size[0] * conv.kernel_size[1]
        res["binary_params"] -= n * taps
        res["float_params"] -= n
        res["float_params"] += taps if n else 0
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            key = "binary_params" if isinstance(m, BinConv2d) and name == "weight" else "float_params"
            res[key] += p.numel()
        if isinstance(m, ExactAffine):  # a finalised BatchNorm: its constants are buffers
            res["float_params"] += m.scale.numel() + m.shift.numel()
    hooks = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            cin = m.in_channels // m.groups - squeezed.get(id(m), 0)
            macs = out[0].numel() * cin * m.kernel_size[0] * m.kernel_size[1]
            res["binary_macs" if isinstance(m, BinConv2d) else "float_macs"] += macs
        elif isinstance(m, nn.Linear):
            res["float_macs"] += m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            hooks.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return res


# ---------------------------------------------------------------------------
# Training / evaluation
# ---------------------------------------------------------------------------

def evaluate(model, x01, y, bs=500):
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(x01), bs):
            outs.append(model(normalise(x01[i:i + bs])))
    logits = torch.cat(outs)
    return (logits.argmax(1) == y).float().mean().item(), logits


def recalibrate_bn(model, x01, bs=128):
    """Re-estimate every BatchNorm's running mean/var as the plain average over the CLEAN
    training images (train-mode forward, no gradient). The running statistics collected during
    training describe augmented (rotated/rescaled, resampled) images; binary thresholds are
    sensitive to that mismatch (wide model: 96.7 % -> 98.3 % on the held-out images)."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(0, len(x01), bs):
            model(normalise(x01[i:i + bs]))
    for m, mo in zip(bns, saved):
        m.momentum = mo
    model.eval()


def calibrate_thresholds(model, x01):
    ws = [m for m in model.modules() if isinstance(m, Widen)]
    if not ws:
        return
    for m in ws:
        m.calibrate = True
    model.train()
    with torch.no_grad():
        model(normalise(x01[:512]))
    for m in ws:
        m.calibrate = False


def train(model, data, epochs, lr, seed, wd=0.0, bs=128, label=""):
    """AdamW + linear warm-up + cosine decay to 0, random-affine augmentation. Binary latent
    weights are clamped to [-1, 1]; squeezed (pruned) thresholds stay at -inf."""
    (xtr, ytr), _ = data
    if epochs <= 0:
        return model
    gen = torch.Generator().manual_seed(seed)
    decay, no_decay = [], []
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            (decay if (name == "weight" and type(m) in (nn.Conv2d, nn.Linear)) else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    steps_per_epoch = math.ceil(len(xtr) / bs)
    total = epochs * steps_per_epoch
    warm = max(1, min(steps_per_epoch, total // 10))

    def lr_factor(s):
        return (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    bin_convs = [m for m in model.modules() if isinstance(m, BinConv2d)]
    widens = [m for m in model.modules() if isinstance(m, Widen)]
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        tot_loss, n_ok = 0.0, 0
        for i in range(0, len(xtr), bs):
            idx = perm[i:i + bs]
            xb = normalise(augment(xtr[idx], gen))
            out = model(xb)
            loss = F.cross_entropy(out, ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            for m in bin_convs:
                m.weight.data.clamp_(-1, 1)
            for m in widens:
                m.apply_pruning()
            tot_loss += loss.item() * len(idx)
            n_ok += (out.argmax(1) == ytr[idx]).sum().item()
        print(f"[{label}] epoch {ep + 1}/{epochs} loss {tot_loss / len(xtr):.4f} "
              f"train-acc {n_ok / len(xtr):.4f} ({time.time() - t0:.0f}s)", flush=True)
    return model


# ---------------------------------------------------------------------------
# Squeezing
# ---------------------------------------------------------------------------

def mnist_batches(x01, bs=500):
    return [normalise(x01[i:i + bs]) for i in range(0, len(x01), bs)]


def below_fractions(model, batches):
    """For every Widen: F[k, c] = fraction of (image, position) samples of the (normalised)
    input batches with x_c < t_k[c], i.e. where the widened bit is -1."""
    model.eval()
    ws = [m for m in model.modules() if isinstance(m, Widen)]
    acc = {id(w): torch.zeros(w.k, w.c, dtype=torch.float64) for w in ws}
    n = {id(w): 0 for w in ws}

    def hk(m, i, o):
        x = i[0]
        for k, t in enumerate(m.ts):
            acc[id(m)][k] += (x < t).sum(dim=(0, 2, 3)).double()
        n[id(m)] += x.shape[0] * x.shape[2] * x.shape[3]

    hooks = [w.register_forward_hook(hk) for w in ws]
    with torch.no_grad():
        for xb in batches:
            model(xb)
    for h in hooks:
        h.remove()
    return [acc[id(w)] / n[id(w)] for w in ws]


def binary_entropy(p):
    p = min(max(p, 0.0), 1.0)
    return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def removal_losses(frac_below, kept):
    """Thresholds of one channel cut its values into intervals; the widened bits are their
    thermometer code. Removing threshold j merges the two intervals either side of it, which
    loses (q_lo + q_hi) * H(q_lo / (q_lo + q_hi)) bits of code entropy per sample (q = interval
    probabilities over the training data). Returns {j: loss} for the kept thresholds."""
    order = sorted(kept, key=lambda j: frac_below[j])
    cuts = [0.0] + [frac_below[j] for j in order] + [1.0]
    out = {}
    for i, j in enumerate(order):
        q_lo, q_hi = cuts[i + 1] - cuts[i], cuts[i + 2] - cuts[i + 1]
        tot = q_lo + q_hi
        out[j] = 0.0 if tot <= 0 else tot * binary_entropy(q_lo / tot)
    return out


def squeeze(model, batches, min_bits):
    """Squeeze every Widen: per channel, repeatedly remove the threshold whose removal loses the
    least code entropy (removal_losses) while that loss is below `min_bits` bits per sample.
    A removed bit gets threshold -inf, so it is +1 for every input (x < -inf is never true):
    a constant channel, which bnn4j's converter removes exactly (its weights become a per-tap
    bias of the consuming binary conv). At least one threshold per channel is kept."""
    fracs = below_fractions(model, batches)
    ws = [m for m in model.modules() if isinstance(m, Widen)]
    report = []
    for bi, (w, fb) in enumerate(zip(ws, fracs)):
        if isinstance(model, Net) and w is getattr(model, "stem_widen", None):
            continue  # the input widening is not squeezed (README: squeezing criterion)
        removed = 0
        for c in range(w.c):
            f = [float(fb[k, c]) for k in range(w.k)]
            kept = [k for k in range(w.k) if not w.pruned[k, c]]
            while len(kept) > 1:
                losses = removal_losses(f, kept)
                j = min(losses, key=losses.get)
                if losses[j] >= min_bits:
                    break
                kept.remove(j)
                w.pruned[j, c] = True
                removed += 1
        w.apply_pruning()
        report.append({"block": bi, "bits_before": w.k * w.c, "bits_after": w.k * w.c - int(w.pruned.sum()),
                       "removed_now": removed})
    return report


# ---------------------------------------------------------------------------
# Export and checks
# ---------------------------------------------------------------------------

def export_copy(model):
    m = copy.deepcopy(model).eval()
    for mod in m.modules():
        if isinstance(mod, BinConv2d):
            mod.freeze()
    set_export(m, True)
    return m


def export_onnx(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    m = export_copy(model)
    torch.onnx.export(m, torch.zeros(1, 1, 28, 28), path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"])
    return m


def pixel_levels():
    """All 256 pixel values in [0, 1], computed as load_mnist computes them."""
    return np.arange(256, dtype=np.uint8).astype(np.float32) / 255.0


GRID = 2.0 ** -16   # every float on the residual stream of a finalised model is a multiple
RANGE = 2.0 ** 8    # ... and below this in magnitude: 24 bits, exact in float32
SCALE_BITS = 14     # |d| <= 2^10, so d * scale has <= 24 significant bits: exact


class ExactAffine(nn.Module):
    """y = x * scale + shift with per-channel constants chosen so that, for the integer dot x of a
    binary conv, every product and sum is exact in float32 (see finalize_exact)."""

    def __init__(self, scale, shift):
        super().__init__()
        self.register_buffer("scale", scale.float().view(1, -1, 1, 1))
        self.register_buffer("shift", shift.float().view(1, -1, 1, 1))

    def forward(self, x):
        return x * self.scale + self.shift


def quantize_scale(m):
    """Nearest value with at most SCALE_BITS significant bits that is a multiple of GRID."""
    out = torch.zeros_like(m)
    for i, v in enumerate(m.tolist()):
        if v == 0:
            continue
        e = math.floor(math.log2(abs(v)))
        step = max(2.0 ** (e - SCALE_BITS + 1), GRID)
        out[i] = round(v / step) * step
    return out


def finalize_exact(model, xtr01, bs=500):
    """Make the deployed arithmetic exact, so that any engine computes the same bits as PyTorch.

    1. Each BatchNorm after a binary conv becomes y = d * scale + shift (ExactAffine), with
       scale rounded to SCALE_BITS significant bits on GRID and shift rounded to GRID: for the
       integer dot d, d * scale and every later sum on the residual stream are exact in float32
       (checked below on the training images), so summation order and fusion cannot change them.
    2. Each widening threshold on the residual stream moves to the nearest odd multiple of
       GRID / 2: no value on the stream can equal it or be rounded across it.
    3. Each threshold on the input pixel (not on the grid) moves to the midpoint between the
       two pixel levels around it (256 levels, 1/255 apart before normalising).
    Returns a summary. Changes are at most 2^-15 relative (scale) or GRID/2 (shift, thresholds)."""
    pairs = [(b, "bn") for b in model.modules() if isinstance(b, WideBlock)]
    if isinstance(model, Net) and model.binary_stem:
        pairs.insert(0, (model, "stem_bn"))
    with torch.no_grad():
        for owner, attr in pairs:
            bn = getattr(owner, attr)
            m = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
            b = bn.bias.double() - bn.running_mean.double() * m
            setattr(owner, attr, ExactAffine(quantize_scale(m), torch.round(b / GRID) * GRID))
        levels = normalise(torch.from_numpy(pixel_levels())).double()
        for w, _ in widen_consumers(model):
            for k, t in enumerate(w.ts):
                for c in range(w.c):
                    if w.pruned[k, c]:
                        continue
                    v = float(t[0, c, 0, 0])
                    if isinstance(model, Net) and model.binary_stem and w is model.stem_widen:
                        above = levels[levels >= v]
                        below = levels[levels < v]
                        if len(above) and len(below):
                            v = float((above.min() + below.max()) / 2)
                    else:
                        v = (math.floor(v / GRID) + 0.5) * GRID
                    t[0, c, 0, 0] = v
    # check: every value a widening compares (after the stem) is on GRID and below RANGE
    worst = {"max_abs": 0.0, "off_grid": 0}

    def hk(m, i, o):
        x = i[0].double()
        worst["max_abs"] = max(worst["max_abs"], float(x.abs().max()))
        worst["off_grid"] += int((torch.round(x / GRID) * GRID != x).sum())

    hooks = [w.register_forward_hook(hk) for w, _ in widen_consumers(model)
             if not (isinstance(model, Net) and model.binary_stem and w is model.stem_widen)]
    model.eval()
    with torch.no_grad():
        for i in range(0, len(xtr01), bs):
            model(normalise(xtr01[i:i + bs]))
    for h in hooks:
        h.remove()
    assert worst["off_grid"] == 0 and worst["max_abs"] < RANGE, worst
    return worst


def sign_input_stats(model_exp, x01, bs=500):
    """Count Sign inputs that are exactly 0 over the given images (and the min |input|)."""
    stats = {"zero": 0, "total": 0, "min_abs": float("inf")}
    orig = torch.sign

    def counting_sign(t):
        stats["zero"] += int((t == 0).sum())
        stats["total"] += t.numel()
        stats["min_abs"] = min(stats["min_abs"], float(t.abs().min()))
        return orig(t)

    torch.sign = counting_sign
    try:
        with torch.no_grad():
            for i in range(0, len(x01), bs):
                model_exp(normalise(x01[i:i + bs]))
    finally:
        torch.sign = orig
    return stats


def onnx_ops(path):
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    inits = {t.name: list(t.dims) for t in m.graph.initializer}
    return m, [n.op_type for n in m.graph.node], inits


def run_onnx_with_torch(path, x):
    """Tiny independent interpreter for the ONNX graph (the ops this script emits), used to check
    that the exported graph reproduces PyTorch's logits."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for n in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        i = [env[k] if k else None for k in n.input]
        t = n.op_type
        if t == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3]
            r = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]),
                         pads[:2], a.get("dilations", [1, 1]), a.get("group", 1))
        elif t == "BatchNormalization":
            r = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
        elif t == "Sign":
            r = torch.sign(i[0])
        elif t == "Sub":
            r = i[0] - i[1]
        elif t == "Mul":
            r = i[0] * i[1]
        elif t == "Identity":
            r = i[0]
        elif t == "Add":
            r = i[0] + i[1]
        elif t == "Concat":
            r = torch.cat(i, dim=a["axis"])
        elif t == "MaxPool":
            assert not any(a.get("pads", [0])) and a.get("kernel_shape") == a.get("strides")
            r = F.max_pool2d(i[0], a["kernel_shape"], a["strides"])
        elif t == "Relu":
            r = F.relu(i[0])
        elif t == "GlobalAveragePool":
            r = i[0].mean(dim=(2, 3), keepdim=True)
        elif t == "Flatten":
            r = torch.flatten(i[0], a.get("axis", 1))
        elif t == "Gemm":
            b = i[1].t() if a.get("transB", 0) else i[1]
            r = a.get("alpha", 1.0) * (i[0] @ b) + a.get("beta", 1.0) * i[2]
        else:
            raise NotImplementedError(t)
        env[n.output[0]] = r
    return env[m.graph.output[0].name]


def binary_weight_check(onnx_model):
    """Every Conv consuming a Sign/Concat-of-Sign must have filters in {-a_c, +a_c}."""
    from onnx import numpy_helper
    inits = {t.name: numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    producer = {o: n for n in onnx_model.graph.node for o in n.output}
    ok, n_bin = True, 0
    for n in onnx_model.graph.node:
        if n.op_type != "Conv":
            continue
        p = producer.get(n.input[0])
        if p is None or p.op_type not in ("Sign", "Concat"):
            continue
        n_bin += 1
        w = inits[n.input[1]].reshape(inits[n.input[1]].shape[0], -1)
        a = np.abs(w)
        ok &= bool(np.all(a == a[:, :1]))
    return ok, n_bin


# ---------------------------------------------------------------------------
# Benchmark-scale W&S ResNet-18 (random weights, 224x224)
# ---------------------------------------------------------------------------

BENCH_JSON = os.path.join(REPO_ROOT, "benchmarks", "src", "main", "resources", "ws-resnet18.json")


class WsBasicBlock(nn.Module):
    """Bi-Real basic block with each Sign replaced by a K-threshold widening:
    y = BN(BinConv3x3(Widen(x))) + shortcut(x); out = BN(BinConv3x3(Widen(y))) + y."""

    def __init__(self, cin, cout, stride, k):
        super().__init__()
        self.widen1 = Widen(cin, k)
        self.conv1 = BinConv2d(k * cin, cout, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.widen2 = Widen(cout, k)
        self.conv2 = BinConv2d(k * cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.AvgPool2d(2) if stride != 1 else nn.Identity(),
                                          nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn1(self.conv1(self.widen1(x))) + (x if self.shortcut is None else self.shortcut(x))
        return self.bn2(self.conv2(self.widen2(y))) + y


class WsResNet18(nn.Module):
    """Float 7x7/2 stem + BN + max pool, 4 stages of 2 W&S basic blocks (64/128/256/512), global
    average pool, float FC 1000: Bi-Real ResNet-18 with widened binary convs."""

    def __init__(self, k=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for stage, cout in enumerate((64, 128, 256, 512)):
            for b in range(2):
                blocks.append(WsBasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1, k))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def resnet18_macs(model, squeezed=True):
    """(binary MACs, float MACs) per 224x224 image; squeezed bits excluded when squeezed."""
    drop = {}
    for b in model.blocks:
        for w, conv in ((b.widen1, b.conv1), (b.widen2, b.conv2)):
            drop[id(conv)] = int(w.pruned.sum()) if squeezed else 0
    res = [0, 0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            cin = m.in_channels - drop.get(id(m), 0)
            res[0 if isinstance(m, BinConv2d) else 1] += out[0].numel() * cin * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            res[1] += m.in_features * m.out_features

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    for h in hooks:
        h.remove()
    return res


def ws_resnet18(args):
    """Random weights; BN statistics and widening thresholds calibrated on random images (as
    the MNIST recipe initialises them), then squeezed by the same criterion on other random
    images. Writes the ONNX model to <out>/ws-resnet18/model.onnx and the squeezed widths
    (what ModelBench rebuilds) to benchmarks/src/main/resources/ws-resnet18.json."""
    torch.manual_seed(args.seed)
    model = WsResNet18(args.k)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def images(n):
        return (torch.rand(n, 3, 224, 224) - mean) / std

    calib, probe = images(args.resnet_images), images(args.resnet_images)
    ws = [m for m in model.modules() if isinstance(m, Widen)]
    for m in ws:
        m.calibrate = True
    model.train()
    with torch.no_grad():
        model(calib)
    for m in ws:
        m.calibrate = False
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    with torch.no_grad():
        model(calib)
    model.eval()
    full = resnet18_macs(model, squeezed=False)
    rep = squeeze(model, [probe[i:i + 1] for i in range(len(probe))], args.min_bits)
    macs = resnet18_macs(model)
    # Bi-Real ResNet-18: the same network with one sign per channel (K = 1)
    bireal = resnet18_macs(WsResNet18(1), squeezed=False)
    layers = []
    for name, m in model.named_modules():
        if isinstance(m, WsBasicBlock):
            for w, conv, tag in ((m.widen1, m.conv1, "conv1"), (m.widen2, m.conv2, "conv2")):
                layers.append({"name": f"{name}.{tag}", "cin": w.c, "cout": conv.out_channels,
                               "stride": conv.stride[0], "k": w.k,
                               "bits": w.k * w.c - int(w.pruned.sum()),
                               "squeezed": "".join("1" if w.pruned[k, c] else "0"
                                                   for k in range(w.k) for c in range(w.c))})
    doc = {"about": "W&S ResNet-18 (tools/train/ws_train.py --resnet18): widened binary convs, squeezed "
                    "on random 224x224 images; squeezed[k * cin + c] = 1 when bit k of channel c is gone",
           "seed": args.seed, "k": args.k, "min_bits": args.min_bits, "images": args.resnet_images,
           "binary_macs": macs[0], "float_macs": macs[1],
           "binary_macs_before_squeeze": full[0],
           "bireal_binary_macs": bireal[0], "bireal_float_macs": bireal[1], "layers": layers}
    os.makedirs(os.path.dirname(BENCH_JSON), exist_ok=True)
    with open(BENCH_JSON, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    bits = sum(l["bits"] for l in layers)
    total = sum(l["k"] * l["cin"] for l in layers)
    print(f"W&S ResNet-18: widened bits {total} -> {bits} after squeezing ({bits / total:.1%})")
    print(f"binary MACs: W&S {macs[0]:,} (before squeezing {full[0]:,}), Bi-Real {bireal[0]:,} "
          f"-> {macs[0] / bireal[0]:.2f}x; float MACs: W&S {macs[1]:,}, Bi-Real {bireal[1]:,}")
    print(f"wrote {BENCH_JSON}")
    if args.resnet_onnx:
        path = os.path.join(args.out, "ws-resnet18", "model.onnx")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        m = export_copy(model)
        torch.onnx.export(m, torch.zeros(1, 3, 224, 224), path, opset_version=OPSET,
                          input_names=["input"], output_names=["logits"])
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    return doc


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


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
    with open(os.path.join(REF_DIR, "logits.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
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
