"""Squeezing (README "Squeezing criterion"): per channel, remove the widening thresholds whose
bits carry the least code entropy on the training images."""

import math

import torch

from ws_layers import Widen
from ws_net import Net

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
