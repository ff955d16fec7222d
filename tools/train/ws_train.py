#!/usr/bin/env python3
"""Widening-and-squeezing (W&S) binary neural networks on MNIST, exported to ONNX for bnn4j.

Run with the interpreter that has torch 1.13 and onnx 1.12 (CPU only):

    /usr/bin/python3 tools/train/ws_train.py fp        # full-precision baseline
    /usr/bin/python3 tools/train/ws_train.py bnn       # plain BNN, same base width
    /usr/bin/python3 tools/train/ws_train.py wide      # widened BNN (K thresholds per channel)
    /usr/bin/python3 tools/train/ws_train.py ws        # squeeze the wide model + fine-tune
    /usr/bin/python3 tools/train/ws_train.py --all     # all four, then a markdown table

Data: MNIST t10k (the only split available). Training uses images 0..7999, evaluation uses
images 8000..9999, which are never trained on (and never used to choose anything: every
reported number is the accuracy of the final model of a fixed schedule).

Architecture (base width C, stages of residual blocks on a float residual stream):

    input [1,1,28,28], (pixel/255 - 0.1307) / 0.3081
    stem:  Conv3x3(1->C) + BN                      (float)      28x28
    MaxPool2                                                     14x14
    stage 1: B blocks
    MaxPool2                                                     7x7
    stage 2: B blocks
    GlobalAvgPool -> Linear(C->10)                 (float)

    fp   block:  x = x + BN(Conv3x3(ReLU(x)))                       float convs
    bnn  block:  x = x + BN(BinConv3x3(Sign(x)))                    C -> C binary conv
    wide block:  b = Concat_k Sign(x - t_k), k = 1..K               K*C bits (widening)
                 h = Sign(BN1(BinConv1x1(b)))                       K*C -> H bits (binary expansion)
                 x = x + BN2(BinConv3x3(h))                         H -> C
    ws   block:  the wide block with the H hidden binary channels squeezed to H' <= H
                 (per block, odd widths), then fine-tuned.

Binarisation: training uses custom autograd Functions (sign with ties to +1 forward,
clipped straight-through estimator backward). For export every binariser switches to a plain
torch.sign(...) forward (ONNX Sign node) and every binary conv's latent weight is replaced by
its sign (ties to +1), so the default eval export (opset 13, constant folding) writes +-1
filters with the following BatchNorm folded in: each output channel's filter is {-a_c, +a_c}.

Squeezing criterion (see tools/train/WS_README.md): a hidden binary channel h_c is removed when
(a) it is near-constant: over all (training image, position) samples the same sign occurs in
    at least --const-thresh (default 99.5 %) of them. Its contribution to the consumer conv is
    then (almost) a constant s_c * sum(W[:, c]) which is folded into the consumer's BatchNorm
    mean (exact except where the 3x3 window touches the zero padding), or
(b) it duplicates a kept channel: it agrees (or anti-agrees) with one on at least
    --dup-thresh (default 99 %) of the samples.
During wide training an L1 "sparsity gate" on the BN1 scales (--gate-l1) pushes unneeded
hidden channels to gamma ~ 0, where Sign(BN1(.)) = sign(beta) is constant, i.e. criterion (a).
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
MODEL_DIR = os.path.join(REPO_ROOT, "tools", "src", "main", "resources", "models")
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
        self.calibrate = False
        self.zero_log = None  # export mode: per-threshold, per-channel counts of x - t == 0

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
            outs = []
            for i, t in enumerate(self.ts):
                d = x - t
                if self.zero_log is not None:
                    self.zero_log[i] += (d == 0).sum(dim=(0, 2, 3))
                outs.append(torch.sign(d))
            return torch.cat(outs, dim=1)
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
    def __init__(self, c, k=3, hidden=96, **_):
        super().__init__()
        self.widen = Widen(c, k)
        self.conv1 = BinConv2d(k * c, hidden, 1)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.act1 = SignAct()
        self.conv2 = BinConv2d(hidden, c, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        h = self.act1(self.bn1(self.conv1(self.widen(x))))
        return x + self.bn2(self.conv2(h))

    def hidden_bits(self, x):
        return sign_pm1(self.bn1(self.conv1(self.widen(x))))


BLOCKS = {"fp": FpBlock, "bnn": BnnBlock, "wide": WideBlock, "ws": WideBlock}


class Net(nn.Module):
    def __init__(self, kind, width=32, blocks=(2, 2), k=3, hidden=96):
        super().__init__()
        self.stem = nn.Conv2d(1, width, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(width)
        stages = []
        for nb in blocks:
            stages.append(nn.Sequential(*[BLOCKS[kind](width, k=k, hidden=hidden) for _ in range(nb)]))
        self.stages = nn.ModuleList(stages)
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        x = self.stem_bn(self.stem(x))
        for st in self.stages:
            x = st(self.pool(x))
        return self.fc(torch.flatten(self.gap(x), 1))


# ---------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------

def count(model):
    """Binary params = weights of BinConv2d layers (1 bit each). Float params = every other
    learnable parameter (stem conv, BN gamma/beta, widening thresholds, FC). MACs per image:
    binary = BinConv2d, float = float Conv2d and Linear (BN, Add, pooling, Sub/Sign not counted)."""
    res = {"binary_params": 0, "float_params": 0, "binary_macs": 0, "float_macs": 0}
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            key = "binary_params" if isinstance(m, BinConv2d) and name == "weight" else "float_params"
            res[key] += p.numel()
    hooks = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs = out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
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


def train(model, data, epochs, lr, seed, wd=0.0, gate=0.0, bs=128, label=""):
    """AdamW + linear warm-up (1 epoch) + cosine decay to 0, random-affine augmentation.
    gate > 0: sparsity gate (L1 of strength `gate`) on the BN1 scales of the wide blocks."""
    (xtr, ytr), (xev, yev) = data
    if epochs <= 0:
        return model
    gen = torch.Generator().manual_seed(seed)
    gates = [m.bn1.weight for m in model.modules() if isinstance(m, WideBlock)] if gate > 0 else []
    gate_ids = {id(g) for g in gates}
    decay, no_decay = [], []
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            if id(p) in gate_ids:
                continue
            (decay if (name == "weight" and type(m) in (nn.Conv2d, nn.Linear)) else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    steps_per_epoch = math.ceil(len(xtr) / bs)
    total = epochs * steps_per_epoch
    warm = min(steps_per_epoch, total // 10)

    def lr_factor(s):
        return (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    if gates:
        # Gated scales use plain SGD + proximal L1 (soft-threshold), so the gate compares the
        # raw loss gradient with `gate`: a scale whose loss gradient cannot hold it against a
        # constant pull of `gate` goes to exactly 0. Its learning rate is set so that the total
        # pull over the phase is 1.0 (enough to close any gate the loss does not defend).
        lr_g = 1.0 / (gate * sum(lr_factor(s) for s in range(total)))
        opt_g = torch.optim.SGD(gates, lr=lr_g)
        sched_g = torch.optim.lr_scheduler.LambdaLR(opt_g, lr_factor)
    bin_convs = [m for m in model.modules() if isinstance(m, BinConv2d)]
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
            if gates:
                opt_g.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            for m in bin_convs:
                m.weight.data.clamp_(-1, 1)
            if gates:
                shrink = opt_g.param_groups[0]["lr"] * gate
                opt_g.step()
                sched_g.step()
                with torch.no_grad():
                    for g in gates:
                        g.copy_(torch.sign(g) * (g.abs() - shrink).clamp_(min=0))
            tot_loss += loss.item() * len(idx)
            n_ok += (out.argmax(1) == ytr[idx]).sum().item()
        msg = f"[{label}] epoch {ep + 1}/{epochs} loss {tot_loss / len(xtr):.4f} train-acc {n_ok / len(xtr):.4f}"
        if gates:
            msg += f" gamma==0: {sum(int((g == 0).sum()) for g in gates)}/{sum(g.numel() for g in gates)}"
        print(msg + f" ({time.time() - t0:.0f}s)", flush=True)
    return model


# ---------------------------------------------------------------------------
# Squeezing
# ---------------------------------------------------------------------------

def squeeze(model, xtr01, const_thresh, dup_thresh, bs=500):
    """Physically remove redundant hidden binary channels of every WideBlock (criterion in
    the module docstring). Returns a per-block report."""
    model.eval()
    blocks = [m for m in model.modules() if isinstance(m, WideBlock)]
    bits = {id(b): [] for b in blocks}
    hooks = [b.register_forward_hook(lambda m, i, o: bits[id(m)].append(m.hidden_bits(i[0]).to(torch.int8)))
             for b in blocks]
    with torch.no_grad():
        for i in range(0, len(xtr01), bs):
            model(normalise(xtr01[i:i + bs]))
    for h in hooks:
        h.remove()
    report = []
    for bi, b in enumerate(blocks):
        s = torch.cat(bits[id(b)])  # [N,H,h,w] of +-1
        hdim = s.shape[1]
        flat = s.transpose(0, 1).reshape(hdim, -1).float()  # [H, samples]
        pos = (flat > 0).float().mean(1)
        const_frac = torch.maximum(pos, 1 - pos)
        const = const_frac >= const_thresh
        agree = (flat @ flat.t()) / flat.shape[1]  # in [-1,1]: 2*agreement-1
        agree_frac = (1 + agree.abs()) / 2
        keep = []
        dup_of = {}
        for c in range(hdim):  # greedy: keep the first of a duplicate group
            if const[c]:
                continue
            dups = [j for j in keep if agree_frac[c, j] >= dup_thresh]
            if dups:
                dup_of[c] = dups[0]
                continue
            keep.append(c)
        removed_const = [c for c in range(hdim) if const[c]]
        with torch.no_grad():
            w2 = sign_pm1(b.conv2.weight.data)  # [C,H,3,3]
            # fold constant channels into bn2's mean (interior-exact)
            for c in removed_const:
                sc = 1.0 if pos[c] >= 0.5 else -1.0
                b.bn2.running_mean -= sc * w2[:, c].sum(dim=(1, 2))
            kidx = torch.tensor(keep, dtype=torch.long)
            new1 = BinConv2d(b.conv1.in_channels, len(keep), 1)
            new1.weight.data.copy_(b.conv1.weight.data[kidx])
            nbn = nn.BatchNorm2d(len(keep))
            for name in ("weight", "bias", "running_mean", "running_var"):
                getattr(nbn, name).data.copy_(getattr(b.bn1, name).data[kidx])
            nbn.num_batches_tracked.copy_(b.bn1.num_batches_tracked)
            new2 = BinConv2d(len(keep), b.conv2.out_channels, 3, padding=1)
            new2.weight.data.copy_(b.conv2.weight.data[:, kidx])
        b.conv1, b.bn1, b.conv2 = new1, nbn, new2
        report.append({"block": bi, "hidden_before": hdim, "hidden_after": len(keep),
                       "removed_constant": len(removed_const), "removed_duplicate": len(dup_of)})
    return report


def widen_bit_stats(model, xtr01, thresh, bs=500):
    """Informational: how many widened bits sign(x_c - t_k[c]) are near-constant."""
    model.eval()
    ws = [m for m in model.modules() if isinstance(m, Widen)]
    acc = {id(w): None for w in ws}
    n = {id(w): 0 for w in ws}

    def hk(m, i, o):
        p = (o > 0).float().sum(dim=(0, 2, 3))
        acc[id(m)] = p if acc[id(m)] is None else acc[id(m)] + p
        n[id(m)] += o.shape[0] * o.shape[2] * o.shape[3]

    hooks = [w.register_forward_hook(hk) for w in ws]
    with torch.no_grad():
        for i in range(0, len(xtr01), bs):
            model(normalise(xtr01[i:i + bs]))
    for h in hooks:
        h.remove()
    out = []
    for w in ws:
        frac = acc[id(w)] / n[id(w)]
        out.append(int((torch.maximum(frac, 1 - frac) >= thresh).sum()))
    return out


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


def snap_hidden_thresholds(model):
    """Exact, output-preserving clean-up of the binary-to-binary thresholds.

    BinConv1x1 over n = K*C sign bits yields integers y with y = n (mod 2), and Sign(BN1(y))
    only depends on which side of tau = mean - beta / s (s = gamma / sqrt(var + eps)) y lies.
    Moving tau to the midpoint between the two attainable values around it (ties go to +1,
    bnn4j's sign(0) = +1) changes no output, but makes |BN1(y)| >= |s| for every y: no Sign
    input can be 0 or within rounding distance of 0 (in PyTorch, ONNX, or a converter that
    folds BN1 into an integer threshold). Returns how many channels were changed."""
    changed = 0
    with torch.no_grad():
        for b in model.modules():
            if not isinstance(b, WideBlock):
                continue
            n = b.conv1.in_channels * b.conv1.kernel_size[0] * b.conv1.kernel_size[1]
            assert b.conv1.padding in (0, (0, 0)), "parity argument needs an unpadded conv"
            bn = b.bn1
            s = (bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps))
            mu, beta = bn.running_mean.double(), bn.bias.double()
            par = n % 2
            new_beta = beta.clone()
            for c in range(len(s)):
                if s[c] == 0:
                    if beta[c] == 0:
                        new_beta[c] = 1e-3
                    continue
                tau = float(mu[c] - beta[c] / s[c])
                if s[c] > 0:
                    tau2 = par + 2 * math.ceil((tau - par) / 2) - 1
                else:
                    tau2 = par + 2 * math.floor((tau - par) / 2) + 1
                new_beta[c] = s[c] * (mu[c] - tau2)
            changed += int((new_beta.float() != bn.bias).sum())
            bn.bias.copy_(new_beta.float())
    return changed


def fix_widen_ties(model, datasets, max_rounds=20):
    """Where a widening Sign input x - t is exactly 0 on the given images (x == t in float32),
    lower that threshold by one ulp so the bit is +1 everywhere (bnn4j's x >= t, the training
    sign) instead of ONNX's sign(0) = 0. Returns the number of thresholds changed."""
    nudged = 0
    for _ in range(max_rounds):
        mexp = export_copy(model)
        ws_exp = [m for m in mexp.modules() if isinstance(m, Widen)]
        ws_orig = [m for m in model.modules() if isinstance(m, Widen)]
        for w in ws_exp:
            w.zero_log = [torch.zeros(w.c, dtype=torch.long) for _ in range(w.k)]
        with torch.no_grad():
            for x01 in datasets:
                for i in range(0, len(x01), 500):
                    mexp(normalise(x01[i:i + 500]))
        found = False
        with torch.no_grad():
            for we, wo in zip(ws_exp, ws_orig):
                for k in range(we.k):
                    for c in torch.nonzero(we.zero_log[k]).flatten().tolist():
                        t = wo.ts[k].data
                        t[0, c, 0, 0] = torch.nextafter(t[0, c, 0, 0], torch.tensor(-math.inf))
                        nudged += 1
                        found = True
        if not found:
            return nudged
    raise RuntimeError("could not remove all x == t ties")


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
# Driver
# ---------------------------------------------------------------------------

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def build(kind, args):
    return Net(kind, width=args.width, blocks=tuple(args.blocks), k=args.k, hidden=args.hidden)


def finish(kind, model, data, args, t_start, extra=None):
    (xtr, ytr), (xev, yev) = data
    recalibrate_bn(model, xtr)
    fixes = {}
    if kind in ("wide", "ws"):
        fixes["snapped_hidden_thresholds"] = snap_hidden_thresholds(model)
    if kind != "fp":
        fixes["sign_zero_eval_before_fix"] = sign_input_stats(export_copy(model), xev)["zero"]
    if kind in ("wide", "ws"):
        fixes["nudged_widen_thresholds"] = fix_widen_ties(model, [xtr, xev])
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
    torch.save({"state_dict": model.state_dict(), "args": vars(args), "kind": kind,
                "extra": extra or {}}, os.path.join(args.out, kind, "model.pt"))
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
    import shutil
    os.makedirs(MODEL_DIR, exist_ok=True)
    os.makedirs(REF_DIR, exist_ok=True)
    dst = os.path.join(MODEL_DIR, "mnist_ws.onnx")
    shutil.copyfile(onnx_path, dst)
    with open(os.path.join(MODEL_DIR, "mnist_ws.json"), "w") as f:
        json.dump({"mean": [MEAN], "std": [STD], "pixel_scale": 1.0 / 255.0, "color": "grayscale",
                   "input_shape": [1, 1, 28, 28], "labels": [str(i) for i in range(10)],
                   "invert": False}, f, indent=1)
        f.write("\n")
    logits.numpy().astype("<f4").tofile(os.path.join(REF_DIR, "ws_logits_eval2000.f32"))
    digest = sha256(dst)
    meta = {"model": "tools/src/main/resources/models/mnist_ws.onnx", "model_sha256": digest,
            "images": "t10k-images-idx3-ubyte.gz indices 8000..9999 (in order)",
            "logits_file": "ws_logits_eval2000.f32", "dtype": "float32 little-endian",
            "shape": [N_EVAL, 10],
            "preprocessing": "x = (pixel / 255 - 0.1307) / 0.3081, shape [1,1,28,28], no inversion",
            "pytorch_top1": res["top1_export"], "seed": res["seed"],
            "sign_inputs_exactly_zero": res["sign_inputs_eval"]["zero"]}
    with open(os.path.join(REF_DIR, "ws_logits_eval2000.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    res["resources"] = {"onnx": dst, "sha256": digest}


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
        before = count(model)
        acc_wide, _ = evaluate(model, *data[1])
        # 1) sparsity gate: proximal L1 on the hidden BN scales drives unneeded hidden channels
        #    to gamma == 0, i.e. to a constant sign(beta)
        torch.manual_seed(args.seed + 1)
        train(model, data, args.epochs_gate, args.lr_gate, args.seed + 1, gate=args.gate, label="ws-gate")
        recalibrate_bn(model, xtr)
        acc_gate, _ = evaluate(model, *data[1])
        # 2) squeeze: physically remove near-constant and duplicate hidden channels
        const_bits = widen_bit_stats(model, xtr, args.const_thresh)
        rep = squeeze(model, xtr, args.const_thresh, args.dup_thresh)
        acc0, _ = evaluate(model, *data[1])
        for r in rep:
            print(f"[ws] block {r['block']}: hidden {r['hidden_before']} -> {r['hidden_after']} "
                  f"(constant {r['removed_constant']}, duplicate {r['removed_duplicate']})")
        print(f"[ws] held-out accuracy: wide {acc_wide:.4f}, after gate {acc_gate:.4f}, right after squeezing "
              f"{acc0:.4f}; near-constant widened bits per block (kept: Binarize needs uniform K): {const_bits}")
        # 3) fine-tune the squeezed network
        torch.manual_seed(args.seed + 2)
        train(model, data, args.epochs_ft, args.lr_ft, args.seed + 2, label="ws-finetune")
        extra = {"squeeze": rep, "acc_wide_start": acc_wide, "acc_after_gate": acc_gate,
                 "acc_after_squeeze_before_ft": acc0, "params_before": before,
                 "near_constant_widened_bits": const_bits}
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
    ap.add_argument("--all", action="store_true", help="train fp, bnn, wide, ws and print the table")
    ap.add_argument("--data", default=DEFAULT_DATA, help="dir with t10k-images/labels .gz")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output dir (<out>/<variant>/model.onnx)")
    ap.add_argument("--seed", type=int, default=2002)
    ap.add_argument("--width", type=int, default=32, help="base width C")
    ap.add_argument("--blocks", type=int, nargs="+", default=[2, 2], help="blocks per stage")
    ap.add_argument("--k", type=int, default=3, help="widening thresholds per channel")
    ap.add_argument("--hidden", type=int, default=96, help="hidden binary width H of a wide block")
    ap.add_argument("--epochs-fp", type=int, default=15)
    ap.add_argument("--epochs-bnn", type=int, default=20)
    ap.add_argument("--epochs-wide", type=int, default=20)
    ap.add_argument("--epochs-ft", type=int, default=8)
    ap.add_argument("--lr-fp", type=float, default=3e-3)
    ap.add_argument("--lr-bin", type=float, default=3e-3)
    ap.add_argument("--lr-ft", type=float, default=1e-3)
    ap.add_argument("--wd-fp", type=float, default=5e-4)
    ap.add_argument("--epochs-gate", type=int, default=3, help="ws: epochs with the sparsity gate")
    ap.add_argument("--lr-gate", type=float, default=1e-3)
    ap.add_argument("--gate", type=float, default=3e-4,
                    help="ws: L1 strength of the sparsity gate on the hidden BN scales")
    ap.add_argument("--const-thresh", type=float, default=0.995)
    ap.add_argument("--dup-thresh", type=float, default=0.99)
    ap.add_argument("--retrain-wide", action="store_true", help="ws: ignore <out>/wide/model.pt")
    ap.add_argument("--no-resources", dest="write_resources", action="store_false",
                    help="ws: do not write the repo resources (ONNX, json, reference logits)")
    args = ap.parse_args()
    if not args.all and not args.variant:
        ap.error("give a variant or --all")
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
