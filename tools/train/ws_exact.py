"""Bit-exact export (README "Bit-exact export"): finalize_exact() puts every BatchNorm after a
binary conv and every threshold where float32 arithmetic is exact, so any engine computes the
same bits as PyTorch. ws_fashion.py lowers SCALE_BITS here to 13 for K = 4."""

import math

import torch

from ws_data import normalise, pixel_levels
from ws_layers import ExactAffine
from ws_net import Net, WideBlock, widen_consumers

GRID = 2.0 ** -16   # every float on the residual stream of a finalised model is a multiple
RANGE = 2.0 ** 8    # ... and below this in magnitude: 24 bits, exact in float32
SCALE_BITS = 14     # |d| <= 2^10, so d * scale has <= 24 significant bits: exact


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
