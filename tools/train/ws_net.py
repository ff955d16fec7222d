"""The W&S comparison networks (fp, bnn, wide, ws: README "Architecture") and their parameter
and MAC counts."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from ws_layers import BinConv2d, ExactAffine, SignAct, Widen

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
