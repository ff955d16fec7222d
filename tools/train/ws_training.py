"""Training and evaluation for the W&S recipe: the training loop (AdamW, warm-up and cosine
decay, augmentation, clamped latent weights, squeezed thresholds held at -inf), held-out
evaluation, BatchNorm re-estimation on clean images and the data-dependent threshold init.

ws_fashion.py swaps `augment` here for its own and wraps `print` to log validation accuracy per
epoch, so train() looks both up in this module at call time."""

import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from ws_data import augment, normalise
from ws_layers import BinConv2d, Widen

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


def calibrate_widenings(model, x):
    """Data-dependent init of every Widen's thresholds (Widen.forward with calibrate set) from one
    train-mode forward pass over the normalised input x; BatchNorm running statistics move too."""
    ws = [m for m in model.modules() if isinstance(m, Widen)]
    if not ws:
        return
    for m in ws:
        m.calibrate = True
    model.train()
    with torch.no_grad():
        model(x)
    for m in ws:
        m.calibrate = False


def calibrate_thresholds(model, x01):
    calibrate_widenings(model, normalise(x01[:512]))


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
