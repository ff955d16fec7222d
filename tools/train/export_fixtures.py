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

import argparse
import contextlib
import copy
import io
import json
import os
import re
import shutil
from fractions import Fraction
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_numpy_ref  # noqa: E402  (numpy re-execution of the exported graphs)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

OPSET = 13
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "engine", "src", "test", "resources", "bnn-fixtures")
MODES = ("folded", "preserve")

# ---------------------------------------------------------------------------
# Sign recording
# ---------------------------------------------------------------------------

_SIGN_LOG = None  # list of (label, tensor) while recording, else None


@contextlib.contextmanager
def record_signs():
    global _SIGN_LOG
    _SIGN_LOG = []
    try:
        yield _SIGN_LOG
    finally:
        _SIGN_LOG = None


def act_sign(x, label):
    """torch.sign on an ACTIVATION; records its input during the reference pass."""
    if _SIGN_LOG is not None:
        _SIGN_LOG.append((label, x.detach().clone()))
    return torch.sign(x)


class Named(nn.Module):
    """Base class giving modules their qualified name (set by name_modules)."""
    qualname = "?"


def name_modules(model):
    for name, mod in model.named_modules():
        mod.qualname = name if name else "<root>"


class SignAct(Named):
    """y = sign(x). Exports as ONNX Sign."""

    def forward(self, x):
        return act_sign(x, "%s (SignAct: sign(x))" % self.qualname)


class RSign(Named):
    """ReActNet-style sign with learnable per-channel shift.

    op='sub': y = sign(x - t)   (t shape [1,C,1,1])
    op='add': y = sign(x + b)   (b shape [1,C,1,1])
    """

    def __init__(self, c, op="sub"):
        super().__init__()
        self.op = op
        self.t = nn.Parameter(torch.randn(1, c, 1, 1) * 0.5)

    def forward(self, x):
        if self.op == "sub":
            return act_sign(x - self.t, "%s (RSign: sign(x - t))" % self.qualname)
        return act_sign(x + self.t, "%s (RSign: sign(x + b))" % self.qualname)


class Widen(Named):
    """Thermometer widening: cat([sign(x - t_k) for k], dim=1); t_k shape [1,C,1,1]."""

    def __init__(self, c, k, spread=1.0):
        super().__init__()
        self.ts = nn.ParameterList(
            [nn.Parameter((torch.randn(1, c, 1, 1) * 0.3 + (i - (k - 1) / 2.0) * spread)) for i in range(k)])

    def forward(self, x):
        outs = []
        for i, t in enumerate(self.ts):
            outs.append(act_sign(x - t, "%s (Widen: sign(x - t_%d))" % (self.qualname, i)))
        return torch.cat(outs, dim=1)


# ---------------------------------------------------------------------------
# Binary layers
# ---------------------------------------------------------------------------

BINARY_TRACE = None  # list filled by forward pre-hooks during the reference pass


class BinConv2d(Named):
    """Binary conv. weight_form:
       'sign'    : w = sign(W_latent)                                  (values +-1)
       'alpha'   : w = sign(W_latent) * alpha, alpha param [Cout,1,1,1] > 0   (XNOR-Net)
       'meanabs' : w = sign(W_latent) * mean(|W_latent|, dims 1,2,3)     (XNOR-Net, computed)
       'frozen'  : w is a parameter that already holds +-1 (pre-binarised); no Sign in the graph
       'frozen_alpha' : w is a parameter that already holds +-alpha_c (pre-binarised XNOR weights)
    """
    kind = "conv"

    def __init__(self, cin, cout, k, stride=1, padding=0, groups=1, weight_form="sign"):
        super().__init__()
        kh, kw = (k, k) if isinstance(k, int) else k
        self.cin, self.cout, self.kh, self.kw = cin, cout, kh, kw
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.weight_form = weight_form
        w = torch.randn(cout, cin // groups, kh, kw)
        # float32 randn yields an exact 0 now and then; sign(0) = 0 is not a binary weight.
        w[w == 0] = 1e-3
        if weight_form == "frozen":
            w = torch.sign(w)
        elif weight_form == "frozen_alpha":
            w = torch.sign(w) * (torch.rand(cout, 1, 1, 1) * 1.5 + 0.25)
        self.weight = nn.Parameter(w)
        if weight_form == "alpha":
            self.alpha = nn.Parameter(torch.rand(cout, 1, 1, 1) * 1.5 + 0.25)

    def binary_weight(self):
        if self.weight_form in ("frozen", "frozen_alpha"):
            return self.weight
        w = torch.sign(self.weight)
        if self.weight_form == "alpha":
            w = w * self.alpha
        elif self.weight_form == "meanabs":
            w = w * self.weight.abs().mean(dim=(1, 2, 3), keepdim=True)
        return w

    def forward(self, x):
        return F.conv2d(x, self.binary_weight(), None, self.stride, self.padding, 1, self.groups)

    def describe(self):
        pad = self.padding
        if isinstance(pad, int):
            pad = (pad, pad)
        st = self.stride if isinstance(self.stride, tuple) else (self.stride, self.stride)
        return {
            "name": self.qualname, "kind": "conv", "weight_form": self.weight_form,
            "in_channels": self.cin, "out_channels": self.cout, "groups": self.groups,
            "kernel": [self.kh, self.kw], "stride": list(st),
            "padding_hw": list(pad),
            "K": (self.cin // self.groups) * self.kh * self.kw,
        }


class BinLinear(Named):
    """Binary dense: y = x @ sign(W)^T (+ bias)."""
    kind = "dense"

    def __init__(self, fin, fout, bias=True, weight_form="sign"):
        super().__init__()
        self.fin, self.fout = fin, fout
        self.weight_form = weight_form
        w = torch.randn(fout, fin)
        self.weight = nn.Parameter(torch.sign(w) if weight_form == "frozen" else w)
        self.bias = nn.Parameter(torch.randn(fout)) if bias else None

    def forward(self, x):
        w = self.weight if self.weight_form == "frozen" else torch.sign(self.weight)
        return F.linear(x, w, self.bias)

    def describe(self):
        return {"name": self.qualname, "kind": "dense", "weight_form": self.weight_form,
                "in_features": self.fin, "out_features": self.fout,
                "bias": self.bias is not None, "K": self.fin}


class BinMatMul(Named):
    """Binary dense as torch.matmul(x, W.t()) with a constant (+-1 buffer) weight."""
    kind = "dense"

    def __init__(self, fin, fout):
        super().__init__()
        self.fin, self.fout = fin, fout
        self.register_buffer("weight", torch.sign(torch.randn(fout, fin)))

    def forward(self, x):
        return torch.matmul(x, self.weight.t())

    def describe(self):
        return {"name": self.qualname, "kind": "matmul", "weight_form": "frozen",
                "in_features": self.fin, "out_features": self.fout, "bias": False, "K": self.fin}


BINARY_TYPES = (BinConv2d, BinLinear, BinMatMul)


# ---------------------------------------------------------------------------
# Float helpers
# ---------------------------------------------------------------------------

def rand_bn(bn, neg_frac=0.35, zero_gamma=(), const_pos=(), const_neg=(), gamma_scale=1.0):
    """Randomise BN stats: running_var in [0.5,2], some negative gammas.

    zero_gamma: channels with gamma exactly 0 (beta kept clearly non-zero).
    const_pos / const_neg: channels whose output is pushed to a huge positive / negative
    constant-ish value (tiny gamma, huge beta) so a following sign is constant.
    """
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c) * 2.0)
        bn.running_var.copy_(torch.rand(c) * 1.5 + 0.5)
        g = (torch.rand(c) * 1.5 + 0.25) * gamma_scale
        neg = torch.rand(c) < neg_frac
        if c >= 3:  # guarantee at least one negative and one positive slope
            neg[0] = False
            neg[1] = True
        g[neg] = -g[neg]
        b = torch.randn(c) * 0.5
        for i in zero_gamma:
            g[i] = 0.0
            b[i] = 0.75 if i % 2 == 0 else -0.6
        for i in const_pos:
            g[i] = 0.01
            b[i] = 1.0e4
        for i in const_neg:
            g[i] = 0.01
            b[i] = -1.0e4
        bn.weight.copy_(g)
        bn.bias.copy_(b)
    return bn


def BN2(c, **kw):
    return rand_bn(nn.BatchNorm2d(c), **kw)


class ScaleBias(nn.Module):
    """y = x * s + b with per-channel constants s, b (buffers of shape [1,C,1,1])."""

    def __init__(self, c):
        super().__init__()
        s = torch.rand(1, c, 1, 1) * 1.5 + 0.25
        s[0, 1::3] *= -1.0  # some negative scales
        self.register_buffer("s", s)
        self.register_buffer("b", torch.randn(1, c, 1, 1))

    def forward(self, x):
        return x * self.s + self.b


class RPReLU(nn.Module):
    """ReActNet RPReLU: PReLU(x - a) + b, per-channel a, b of shape [1,C,1,1]."""

    def __init__(self, c):
        super().__init__()
        self.a = nn.Parameter(torch.randn(1, c, 1, 1) * 0.3)
        self.prelu = nn.PReLU(c)
        with torch.no_grad():
            self.prelu.weight.copy_(torch.rand(c) * 0.5 - 0.1)
        self.b = nn.Parameter(torch.randn(1, c, 1, 1) * 0.3)

    def forward(self, x):
        return self.prelu(x - self.a) + self.b


# ---------------------------------------------------------------------------
# Zoo modules
# ---------------------------------------------------------------------------

class SignConv(nn.Module):
    """sign -> [pre] -> binconv -> [post]"""

    def __init__(self, sign, conv, pre=None, post=None):
        super().__init__()
        self.sign = sign
        self.pre = pre if pre is not None else nn.Identity()
        self.conv = conv
        self.post = post if post is not None else nn.Identity()

    def forward(self, x):
        return self.post(self.conv(self.pre(self.sign(x))))


class BiRealUnit(nn.Module):
    """out = BN(BinConv3x3(sign(x))) + shortcut(x).

    Downsampling / widening unit: shortcut = BN(Conv1x1_float(AvgPool2d(2)(x))).
    """

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.sign = SignAct()
        self.conv = BinConv2d(cin, cout, 3, stride=stride, padding=1)
        self.bn = BN2(cout)
        if stride != 1 or cin != cout:
            layers = []
            if stride != 1:
                layers.append(nn.AvgPool2d(2))
            conv = nn.Conv2d(cin, cout, 1, bias=False)
            layers += [conv, BN2(cout, neg_frac=0.0)]
            self.shortcut = nn.Sequential(*layers)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        return self.bn(self.conv(self.sign(x))) + self.shortcut(x)


class BiRealBasicBlock(nn.Module):
    """Two Bi-Real units (each 3x3 binary conv has its own real shortcut)."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.u1 = BiRealUnit(cin, cout, stride)
        self.u2 = BiRealUnit(cout, cout, 1)

    def forward(self, x):
        return self.u2(self.u1(x))


class BiRealResNet(nn.Module):
    def __init__(self, widths, blocks_per_stage, num_classes=10, imagenet_stem=False, stem_relu=True):
        super().__init__()
        c0 = widths[0]
        if imagenet_stem:
            layers = [nn.Conv2d(3, c0, 7, 2, 3, bias=False), BN2(c0, neg_frac=0.0)]
            if stem_relu:
                layers.append(nn.ReLU(inplace=False))
            layers.append(nn.MaxPool2d(3, 2, 1))
            self.stem = nn.Sequential(*layers)
        else:
            self.stem = nn.Sequential(nn.Conv2d(3, c0, 3, 1, 1, bias=False), BN2(c0, neg_frac=0.0))
        stages = []
        cin = c0
        for i, (w, n) in enumerate(zip(widths, blocks_per_stage)):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BiRealBasicBlock(cin, w, stride))
                cin = w
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class BinToBin(nn.Module):
    """sign -> binconv1 -> BN1 -> sign -> binconv2 [-> BN2]"""

    def __init__(self, cin, cmid, cout, form="sign", bn_kw=None, k1=3, k2=3, post_bn=True):
        super().__init__()
        self.sign1 = SignAct()
        self.conv1 = BinConv2d(cin, cmid, k1, padding=k1 // 2, weight_form=form)
        self.bn1 = BN2(cmid, **(bn_kw or {}))
        self.sign2 = SignAct()
        self.conv2 = BinConv2d(cmid, cout, k2, padding=k2 // 2, weight_form=form)
        self.bn2 = BN2(cout) if post_bn else nn.Identity()

    def forward(self, x):
        return self.bn2(self.conv2(self.sign2(self.bn1(self.conv1(self.sign1(x))))))


class AvgPoolPad(nn.Module):
    """Two branches on sign(x):
       out0: AvgPool2d(3,1,1,count_include_pad=True)  -> BN -> sign -> binconv1x1
       out1: AvgPool2d(3,1,1,count_include_pad=False) -> BN -> sign -> binconv1x1
    """

    def __init__(self, c, cout):
        super().__init__()
        self.sign = SignAct()
        self.pool_incl = nn.AvgPool2d(3, 1, 1, count_include_pad=True)
        self.pool_excl = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        self.bn_a = BN2(c)
        self.bn_b = BN2(c)
        self.sign_a = SignAct()
        self.sign_b = SignAct()
        self.conv_a = BinConv2d(c, cout, 1)
        self.conv_b = BinConv2d(c, cout, 1)

    def forward(self, x):
        s = self.sign(x)
        a = self.conv_a(self.sign_a(self.bn_a(self.pool_incl(s))))
        b = self.conv_b(self.sign_b(self.bn_b(self.pool_excl(s))))
        return a, b


class SignDense(nn.Module):
    def __init__(self, dense, post=None):
        super().__init__()
        self.sign = SignAct()
        self.dense = dense
        self.post = post if post is not None else nn.Identity()

    def forward(self, x):
        return self.post(self.dense(self.sign(x)))


class ReActBlock(nn.Module):
    """ReActNet-style: RPReLU(BN(BinConv3x3(RSign(x))) + x)"""

    def __init__(self, c):
        super().__init__()
        self.rsign = RSign(c, "sub")
        self.conv = BinConv2d(c, c, 3, padding=1)
        self.bn = BN2(c)
        self.act = RPReLU(c)

    def forward(self, x):
        return self.act(self.bn(self.conv(self.rsign(x))) + x)


class SqueezeConst(nn.Module):
    """sign -> binconv1 -> BN (some channels constant via huge beta / gamma 0) -> sign -> binconv2"""

    def __init__(self, cin, cmid, cout):
        super().__init__()
        self.sign1 = SignAct()
        self.conv1 = BinConv2d(cin, cmid, 3, padding=1)
        self.bn1 = BN2(cmid, const_pos=(2, 7), const_neg=(4,), zero_gamma=(9,))
        self.sign2 = SignAct()
        self.conv2 = BinConv2d(cmid, cout, 3, padding=1)

    def forward(self, x):
        return self.conv2(self.sign2(self.bn1(self.conv1(self.sign1(x)))))


class WidenConv(nn.Module):
    def __init__(self, c, k, cout, const_thresholds=None):
        super().__init__()
        self.widen = Widen(c, k)
        if const_thresholds:
            with torch.no_grad():
                for (ki, ch, val) in const_thresholds:
                    self.widen.ts[ki][0, ch, 0, 0] = val
        self.conv = BinConv2d(c * k, cout, 3, padding=1)

    def forward(self, x):
        return self.conv(self.widen(x))


# ---------------------------------------------------------------------------
# Fixture registry
# ---------------------------------------------------------------------------

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


# ---- pattern 1: sign -> binconv -------------------------------------------------

@fixture("sign_conv", [1, 2], "sign(x) -> BinConv2d 3x3 pad 1 (weights sign(W), +-1, no bias); Cin=37 (odd), Cout=5",
         [1, 37, 9, 7])
def _():
    return SignConv(SignAct(), BinConv2d(37, 5, 3, padding=1))


@fixture("sign_conv_frozen", [1, 2], "sign(x) -> Conv2d 3x3 pad 1 whose weight initializer already holds +-1 (no Sign on weights)",
         [1, 21, 7, 8])
def _():
    return SignConv(SignAct(), BinConv2d(21, 5, 3, padding=1, weight_form="frozen"))


@fixture("sign_conv_c1", [1, 5], "sign(x) -> BinConv2d 3x3 pad 1, single input channel (K=9)", [1, 1, 8, 8])
def _():
    return SignConv(SignAct(), BinConv2d(1, 3, 3, padding=1))


@fixture("sign_maxpool_conv", [1, 7], "sign(x) -> MaxPool2d(2) (odd 9x7 -> 4x3) -> BinConv2d 3x3 pad 1", [1, 13, 9, 7])
def _():
    return SignConv(SignAct(), BinConv2d(13, 7, 3, padding=1), pre=nn.MaxPool2d(2))


@fixture("rsign_conv", [1], "sign(x - t) with learnable t [1,C,1,1] -> BinConv2d 3x3 pad 1", [1, 17, 8, 8])
def _():
    return SignConv(RSign(17, "sub"), BinConv2d(17, 5, 3, padding=1))


@fixture("rsign_add_conv", [1, 5], "sign(x + b) with learnable b [1,C,1,1] -> BinConv2d 1x1 (Cin=65 crosses a 64-bit word)",
         [1, 65, 5, 7])
def _():
    return SignConv(RSign(65, "add"), BinConv2d(65, 7, 1))


# ---- pattern 2: weight forms -----------------------------------------------------

@fixture("xnor_conv_alpha", [2], "sign(x) -> conv with weights sign(W) * alpha_c (alpha learnable, [Cout,1,1,1], > 0); Cin=63",
         [1, 63, 7, 5])
def _():
    return SignConv(SignAct(), BinConv2d(63, 5, 3, padding=1, weight_form="alpha"))


@fixture("xnor_conv_meanabs", [2], "sign(x) -> conv with weights sign(W) * mean(|W|) per out channel (computed); Cin=64",
         [1, 64, 5, 7])
def _():
    return SignConv(SignAct(), BinConv2d(64, 5, 3, padding=1, weight_form="meanabs"))


@fixture("xnor_conv_frozen", [2], "sign(x) -> Conv2d 3x3 pad 1 whose weight initializer holds +-alpha_c (pre-binarised XNOR)",
         [1, 23, 6, 7])
def _():
    return SignConv(SignAct(), BinConv2d(23, 5, 3, padding=1, weight_form="frozen_alpha"))


@fixture("binconv_bn", [2, 3], "sign(x) -> BinConv2d(sign(W)) -> BatchNorm2d (negative gammas)", [1, 11, 7, 9],
         notes="latent weights: conv weight is Sign(W) (a graph value, not an initializer) during the eval "
               "peephole pass, so the Conv+BN fusion does not apply; see onnx_ops")
def _():
    return SignConv(SignAct(), BinConv2d(11, 9, 3, padding=1), post=BN2(9))


@fixture("binconv_bn_frozen", [2, 3], "sign(x) -> Conv2d with pre-binarised +-1 weight parameter -> BatchNorm2d (negative gammas)",
         [1, 11, 7, 9],
         notes="weights are an initializer, so folded mode fuses BN into the Conv: weights become +-|s_c| with "
               "per-output-channel sign of s_c = gamma_c/sqrt(var_c+eps), plus a Conv bias")
def _():
    return SignConv(SignAct(), BinConv2d(11, 9, 3, padding=1, weight_form="frozen"), post=BN2(9))


@fixture("xnor_conv_alpha_bn_frozen", [2, 3], "sign(x) -> Conv2d(pre-binarised +-1 weights) -> x*s+b (per-channel, some s<0) -> BatchNorm2d",
         [1, 9, 6, 7])
def _():
    return SignConv(SignAct(), BinConv2d(9, 7, 3, padding=1, weight_form="frozen"),
                    post=nn.Sequential(ScaleBias(7), BN2(7)))


# ---- pattern 3: output transforms ------------------------------------------------

@fixture("binconv_scale_bias", [3], "sign(x) -> BinConv2d -> x * s + b (per-channel constant buffers [1,C,1,1], some s < 0)",
         [1, 15, 7, 7])
def _():
    return SignConv(SignAct(), BinConv2d(15, 7, 3, padding=1), post=ScaleBias(7))


@fixture("binconv_prelu", [3], "sign(x) -> BinConv2d -> PReLU(C) (per-channel slope)", [1, 15, 6, 9])
def _():
    pre = nn.PReLU(7)
    with torch.no_grad():
        pre.weight.copy_(torch.rand(7) * 0.6 - 0.2)
    return SignConv(SignAct(), BinConv2d(15, 7, 3, padding=1), post=pre)


@fixture("binconv_rprelu", [3], "sign(x) -> BinConv2d -> RPReLU: PReLU(x - a_c) + b_c", [1, 15, 7, 6])
def _():
    return SignConv(SignAct(), BinConv2d(15, 7, 3, padding=1), post=RPReLU(7))


@fixture("bireal_block", [3], "Bi-Real unit: out = BN(BinConv3x3(sign(x))) + x (real-valued residual)", [1, 19, 7, 9])
def _():
    return BiRealUnit(19, 19)


@fixture("bireal_block_frozen", [3, 2], "Bi-Real unit with pre-binarised +-1 weight initializer (folded mode fuses BN into the conv)",
         [1, 19, 8, 7])
def _():
    m = BiRealUnit(19, 19)
    with torch.no_grad():
        m.conv.weight.copy_(torch.sign(m.conv.weight))
    m.conv.weight_form = "frozen"
    return m


@fixture("reactnet_block", [1, 3], "ReActNet unit: RPReLU(BN(BinConv3x3(sign(x - t))) + x)", [1, 13, 8, 7])
def _():
    return ReActBlock(13)


# ---- pattern 4: binary -> binary -------------------------------------------------

@fixture("bin_to_bin", [4], "sign -> BinConv(9->15) -> BN (neg gammas, gamma[3]=0 constant channel) -> sign -> BinConv(15->7) -> BN",
         [1, 9, 8, 7], boundary=("conv1", "bn1"))
def _():
    return BinToBin(9, 15, 7, bn_kw=dict(zero_gamma=(3,)))


@fixture("bin_to_bin_frozen", [4, 2], "as bin_to_bin but with pre-binarised +-1 weight initializers (folded mode fuses BN into conv)",
         [1, 9, 7, 8], boundary=("conv1", "bn1"))
def _():
    return BinToBin(9, 15, 7, form="frozen", bn_kw=dict(zero_gamma=(3,)))


# bn1 of bin_to_bin_edge: (gamma, beta, running_var, running_mean), all exactly representable in
# float32 (hex literals). The means sit 1-2 float32 ulps away from the point where BN(d) = 0 for a
# reachable d (K = 63, so d odd), on the side where BN(d0) is tiny but NOT 0; the step was the
# smallest for which PyTorch's BN (CPU, eval), the ONNX formula (x-mean)/sqrt(var+eps)*gamma+beta
# in float32 and exact real arithmetic all give the same non-zero sign at every integer d in
# [-63, 63] (checked again at build time by check_edge_bn).
_V1 = float.fromhex("0x1.fffeb0p-1")  # float32(1 - 1e-5): var + eps == 1.0 exactly in float32
EDGE_BN1 = [
    # ch0: gamma +1, mean = 5 + 1 ulp            -> BN(5)  = -2^-21
    (1.0, 0.0, _V1, float.fromhex("0x1.400002p+2")),
    # ch1: gamma -1, mean = -3 - 1 ulp           -> BN(-3) = -2^-22
    (-1.0, 0.0, _V1, float.fromhex("-0x1.800002p+1")),
    # ch2: gamma 0, tiny beta = 2^-24            -> BN(d)  = +2^-24 for all d (constant channel)
    (0.0, float.fromhex("0x1p-24"), _V1, 0.75),
    # ch3: gamma 0.7, var 0.6, mean = 1 + 1 ulp  -> BN(1) ~ -1.2e-7
    (float.fromhex("0x1.666666p-1"), 0.0, float.fromhex("0x1.333334p-1"), float.fromhex("0x1.000002p+0")),
    # ch4: gamma -1.3, var 2.3, mean = 11 - 1 ulp -> BN(11) ~ -1.2e-6
    (float.fromhex("-0x1.4cccccp+0"), 0.0, float.fromhex("0x1.266666p+1"), float.fromhex("0x1.5ffffep+3")),
    # ch5: gamma 0.9, beta 0.45, mean = 9.5 + 1 ulp (root of BN at mean - 0.5) -> BN(9) ~ -6e-7
    (float.fromhex("0x1.ccccccp-1"), float.fromhex("0x1.ccccccp-2"), _V1, float.fromhex("0x1.300002p+3")),
    # ch6: gamma -0.35, beta -0.2, var 0.8, root of BN 2 ulps from d = -1 -> BN(-1) ~ +3e-8
    (float.fromhex("-0x1.666666p-2"), float.fromhex("-0x1.99999ap-3"), float.fromhex("0x1.99999ap-1"),
     float.fromhex("-0x1.f4a104p-2")),
    # ch7: gamma 1.7, mean = 63 - 1 ulp (largest reachable d = K)   -> BN(63) ~ +4.5e-6
    (float.fromhex("0x1.b33334p+0"), 0.0, _V1, float.fromhex("0x1.f7fffep+5")),
    # ch8: gamma -0.6, var 1.4, mean = -63 + 1 ulp (smallest d = -K) -> BN(-63) ~ +2.7e-6
    (float.fromhex("-0x1.333334p-1"), 0.0, float.fromhex("0x1.666666p+0"), float.fromhex("-0x1.f7fffep+5")),
]


def check_edge_bn(bn, k):
    """Every integer d in [-k, k]: PyTorch's BN(d), the ONNX-formula BN(d) in float32 and the exact
    value must have the same sign, and none may be 0. Returns min |PyTorch BN(d)| over odd d."""
    d = torch.arange(-k, k + 1, dtype=torch.float32)
    c = bn.num_features
    with torch.no_grad():
        y = bn(d.view(-1, 1, 1, 1).expand(-1, c, 1, 1).contiguous())[:, :, 0, 0].t().numpy()
    g, b, m, v = (t.detach().numpy() for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var))
    x = d.numpy()[None, :]
    sh = (-1, 1)
    o = ((x - m.reshape(sh)) / np.sqrt(v.reshape(sh) + np.float32(bn.eps)) * g.reshape(sh) + b.reshape(sh))
    o = o.astype(np.float32)
    ex = np.array([[exact_bn_sign(int(dd), g[ch], b[ch], m[ch], v[ch], bn.eps) for dd in range(-k, k + 1)]
                   for ch in range(c)])
    assert np.all(ex != 0) and np.all(y != 0), "BN(d) exactly 0"
    assert np.array_equal(np.sign(y), ex) and np.array_equal(np.sign(o), ex), "sign disagreement"
    return float(np.abs(y[:, (np.arange(-k, k + 1) - k) % 2 == 0]).min())


@fixture("bin_to_bin_edge", [4], "as bin_to_bin: sign -> BinConv(7->9, K=63) -> BN chosen so that BN(d) is within a few float32 "
         "ulps of 0 (never exactly 0) at a reachable d for 8 of 9 channels (neg gammas, gamma[2]=0 with beta=2^-24, "
         "d = +-K) -> sign -> BinConv(9->5) -> BN", [1, 7, 8, 8], boundary=("conv1", "bn1"),
         notes="bn1 parameters: EDGE_BN1 in export_fixtures.py; see boundary.json for the sign of BN at every reachable d")
def _():
    m = BinToBin(7, 9, 5)
    with torch.no_grad():
        for ch, (g, b, v, mu) in enumerate(EDGE_BN1):
            m.bn1.weight[ch] = g
            m.bn1.bias[ch] = b
            m.bn1.running_var[ch] = v
            m.bn1.running_mean[ch] = mu
    m.bn1.eval()
    check_edge_bn(m.bn1, m.conv1.describe()["K"])
    return m


# ---- pattern 5: padding / kernels / stride ---------------------------------------

@fixture("pad_k1_stride2", [5, 6], "sign -> BinConv 1x1 stride 2 (Cin=130)", [1, 130, 5, 7])
def _():
    return SignConv(SignAct(), BinConv2d(130, 3, 1, stride=2))


@fixture("pad_k5", [5], "sign -> BinConv 5x5 pad 2", [1, 7, 9, 11])
def _():
    return SignConv(SignAct(), BinConv2d(7, 5, 5, padding=2))


@fixture("pad_zeropad_asym", [5], "sign -> ZeroPad2d((left=1,right=2,top=0,bottom=3)) -> BinConv 3x3 pad 0 (pads the SIGN OUTPUT with 0)",
         [1, 9, 7, 8])
def _():
    return SignConv(SignAct(), BinConv2d(9, 5, 3), pre=nn.ZeroPad2d((1, 2, 0, 3)))


@fixture("pad_conv_hw_stride2", [5], "sign -> BinConv 3x3 padding=(1,2) (H pad 1, W pad 2) stride 2", [1, 9, 9, 8])
def _():
    return SignConv(SignAct(), BinConv2d(9, 5, 3, stride=2, padding=(1, 2)))


@fixture("sign_avgpool_pad", [5], "sign -> {AvgPool2d(3,1,1,count_include_pad=True) | AvgPool2d(3,1,1,count_include_pad=False)} "
         "-> BN -> sign -> BinConv 1x1; two outputs", [1, 7, 7, 9])
def _():
    return AvgPoolPad(7, 5)


# ---- pattern 6: grouped / dense ---------------------------------------------------

@fixture("group2_conv", [6], "sign -> BinConv 3x3 pad 1 groups=2 (Cin=38, Cout=6, K=19*9)", [1, 38, 7, 7])
def _():
    return SignConv(SignAct(), BinConv2d(38, 6, 3, padding=1, groups=2))


@fixture("depthwise_conv", [6], "sign -> BinConv 3x3 pad 1 groups=C=37 (depthwise, K=9)", [1, 37, 7, 9])
def _():
    return SignConv(SignAct(), BinConv2d(37, 37, 3, padding=1, groups=37))


@fixture("sign_linear", [6], "sign -> Linear(130->10, bias) with sign(W) on 2-D input", [3, 130])
def _():
    return SignDense(BinLinear(130, 10, bias=True))


@fixture("sign_linear_frozen", [6], "sign -> Linear(37->5, bias) whose weight initializer already holds +-1", [2, 37])
def _():
    return SignDense(BinLinear(37, 5, bias=True, weight_form="frozen"))


@fixture("sign_linear_nobias", [6], "sign -> Linear(65->7, no bias) with sign(W) on 2-D input", [2, 65])
def _():
    return SignDense(BinLinear(65, 7, bias=False))


@fixture("sign_linear_bn1d", [6], "sign -> Linear(64->9, no bias) -> BatchNorm1d(9) on 2-D input", [4, 64])
def _():
    return SignDense(BinLinear(64, 9, bias=False), post=rand_bn(nn.BatchNorm1d(9)))


@fixture("sign_matmul", [6], "sign -> torch.matmul(x, W.t()) with a constant +-1 buffer W [7,63]", [2, 63])
def _():
    return SignDense(BinMatMul(63, 7))


# ---- pattern 8 / 9: widening and squeezing ---------------------------------------

@fixture("widen3_conv", [8], "cat([sign(x - t_k) for k in 0..2], dim=1) with t_k [1,5,1,1] -> BinConv 3x3 (15->7)", [1, 5, 8, 9])
def _():
    return WidenConv(5, 3, 7)


@fixture("widen_squeezed", [8, 9], "widening K=3 with four thresholds at -inf (the W&S recipe's squeezed bits: always +1) -> BinConv 3x3 (15->6)",
         [1, 5, 7, 8])
def _():
    ninf = float("-inf")
    return WidenConv(5, 3, 6, const_thresholds=[(0, 1, ninf), (1, 1, ninf), (2, 0, ninf), (0, 4, ninf)])


@fixture("widen_const_threshold", [8, 9], "widening K=3 where t_0[ch 1]=+1000 (always -1) and t_2[ch 3]=-1000 (always +1) -> BinConv 3x3",
         [1, 5, 7, 8])
def _():
    return WidenConv(5, 3, 6, const_thresholds=[(0, 1, 1000.0), (2, 3, -1000.0)])


@fixture("squeeze_const_channels", [9, 4], "sign -> BinConv(7->11) -> BN with channels 2,7 huge +beta (always +1), 4 huge -beta "
         "(always -1), 9 gamma=0 -> sign -> BinConv(11->5)", [1, 7, 8, 8], boundary=("conv1", "bn1"))
def _():
    return SqueezeConst(7, 11, 5)


# ---- pattern 10: Bi-Real ResNet --------------------------------------------------

RESNET_WIDTHS = (17, 29, 37)


@fixture("bireal_resnet", [10, 3, 5], "Bi-Real ResNet: float stem conv3x3(3->17)+BN, 3 stages x 1 basic block (2 units each) widths "
         "17/29/37, downsample shortcut AvgPool2d(2)->Conv1x1->BN, GAP, Linear(37->10)", [1, 3, 32, 32])
def _():
    return BiRealResNet(RESNET_WIDTHS, (1, 1, 1))


@fixture("bireal_resnet_b4", [10, 3, 5], "same architecture and weights as bireal_resnet, batch 4 at 12x12", [4, 3, 12, 12])
def _():
    return BiRealResNet(RESNET_WIDTHS, (1, 1, 1))


# ---- published architectures (issue 11): modules written from the papers' formulas ----------

class ApproxSign(Named):
    """Bi-Real Net's ApproxSign (also ReActNet's BinaryActivation), as its authors write the forward:
    out = sign(x).detach() - F(x).detach() + F(x), F the piecewise polynomial
    F = -1 (x < -1), x^2 + 2x (-1 <= x < 0), -x^2 + 2x (0 <= x < 1), 1 (x >= 1), built from
    Less masks cast to float. The straight-through estimator survives export as Add(Sub(s, F), F)."""

    def forward(self, x):
        out_forward = act_sign(x, "%s (ApproxSign: sign(x) - F(x) + F(x))" % self.qualname)
        mask1 = x < -1
        mask2 = x < 0
        mask3 = x < 1
        out1 = (-1) * mask1.type(torch.float32) + (x * x + 2 * x) * (1 - mask1.type(torch.float32))
        out2 = out1 * mask2.type(torch.float32) + (-x * x + 2 * x) * (1 - mask2.type(torch.float32))
        out3 = out2 * mask3.type(torch.float32) + 1 * (1 - mask3.type(torch.float32))
        return out_forward.detach() - out3.detach() + out3


class LearnableBias(nn.Module):
    """ReActNet's LearnableBias: x + b.expand_as(x), b of shape [1, C, 1, 1]."""

    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(1, c, 1, 1) * 0.3)

    def forward(self, x):
        return x + self.bias.expand_as(x)


class HardBinaryConv(BinConv2d):
    """Bi-Real / ReActNet HardBinaryConv: scale = mean|W| per output channel,
    w = (scale * sign(W)).detach() - clamp(W, -1, 1).detach() + clamp(W, -1, 1).
    The exported weight is scale*sign(W) only up to rounding (a few ulp)."""

    def __init__(self, cin, cout, k, stride=1, padding=0):
        super().__init__(cin, cout, k, stride=stride, padding=padding, weight_form="hard_ste")

    def binary_weight(self):
        w = self.weight
        scale = torch.mean(torch.mean(torch.mean(abs(w), dim=3, keepdim=True), dim=2, keepdim=True),
                           dim=1, keepdim=True).detach()
        bw_no_grad = scale * torch.sign(w)
        clipped = torch.clamp(w, -1.0, 1.0)
        return bw_no_grad.detach() - clipped.detach() + clipped


class IrConv(BinConv2d):
    """IR-Net's IRConv2d: balanced, standardised weights scaled by a power of two,
    bw = (w - mean_c(w)) / std_c(w - mean_c(w)); sw = 2 ** round(log2(mean_c|bw|));
    weight = sign(bw) * sw, all computed in forward; the activation is sign(x) (EDE is backward only)."""

    def __init__(self, cin, cout, k, stride=1, padding=0):
        super().__init__(cin, cout, k, stride=stride, padding=padding, weight_form="irnet")

    def binary_weight(self):
        w = self.weight
        bw = w - w.view(w.size(0), -1).mean(-1).view(w.size(0), 1, 1, 1)
        bw = bw / bw.view(bw.size(0), -1).std(-1).view(bw.size(0), 1, 1, 1)
        sw = torch.pow(torch.tensor([2] * bw.size(0)).float(),
                       (torch.log(bw.abs().view(bw.size(0), -1).mean(-1)) / float(np.log(2.0))).round().float()
                       ).view(bw.size(0), 1, 1, 1).detach()
        return torch.sign(bw) * sw


class BiRealNetBlock(nn.Module):
    """Bi-Real Net-18 basic block (Liu et al. 2018), with ReActNet's learnable bias in front:
    out = BN(HardBinaryConv3x3(ApproxSign(x + b))) + x."""

    def __init__(self, c):
        super().__init__()
        self.move = LearnableBias(c)
        self.act = ApproxSign()
        self.conv = HardBinaryConv(c, c, 3, padding=1)
        self.bn = BN2(c)

    def forward(self, x):
        return self.bn(self.conv(self.act(self.move(x)))) + x


class ReActNetABlock(nn.Module):
    """ReActNet-A basic block (Liu et al. 2020), inplanes == planes, stride 1: RSign (learnable
    bias + ApproxSign), HardBinaryConv, BN, residual, RPReLU (bias, PReLU, bias), twice
    (3x3 then 1x1)."""

    def __init__(self, c):
        super().__init__()
        self.move11 = LearnableBias(c)
        self.act1 = ApproxSign()
        self.binary_3x3 = HardBinaryConv(c, c, 3, padding=1)
        self.bn1 = BN2(c)
        self.move12 = LearnableBias(c)
        self.prelu1 = nn.PReLU(c)
        self.move13 = LearnableBias(c)
        self.move21 = LearnableBias(c)
        self.act2 = ApproxSign()
        self.binary_pw = HardBinaryConv(c, c, 1)
        self.bn2 = BN2(c)
        self.move22 = LearnableBias(c)
        self.prelu2 = nn.PReLU(c)
        self.move23 = LearnableBias(c)
        with torch.no_grad():
            self.prelu1.weight.copy_(torch.rand(c) * 0.5 - 0.1)
            self.prelu2.weight.copy_(torch.rand(c) * 0.5 - 0.1)

    def forward(self, x):
        out1 = self.bn1(self.binary_3x3(self.act1(self.move11(x))))
        out1 = x + out1
        out1 = self.move13(self.prelu1(self.move12(out1)))
        out2 = self.bn2(self.binary_pw(self.act2(self.move21(out1))))
        out2 = out2 + out1
        return self.move23(self.prelu2(self.move22(out2)))


class IrNetBlock(nn.Module):
    """IR-Net ResNet-20 BasicBlock_1w1a (Qin et al. 2020) with the option-A shortcut
    F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)):
    out = hardtanh(BN(IRConv(x)) + shortcut(x)); out = hardtanh(BN(IRConv(out)) + out)."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.sign1 = SignAct()
        self.conv1 = IrConv(cin, planes, 3, stride=stride, padding=1)
        self.bn1 = BN2(planes)
        self.sign2 = SignAct()
        self.conv2 = IrConv(planes, planes, 3, padding=1)
        self.bn2 = BN2(planes)
        self.pad = planes // 4

    def forward(self, x):
        short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)
        out = F.hardtanh(self.bn1(self.conv1(self.sign1(x))) + short)
        x1 = out
        out = F.hardtanh(self.bn2(self.conv2(self.sign2(out))) + x1)
        return out


class BinaryNetBlock(nn.Module):
    """BinaryNet (Hubara et al. 2016) ResNet block and head as in its resnet_binary: inputs and
    weights binarised with sign, Hardtanh activations, then GAP, BinarizeLinear, BN1d, LogSoftmax."""

    def __init__(self, c, classes):
        super().__init__()
        self.sign1 = SignAct()
        self.conv1 = BinConv2d(c, c, 3, padding=1)
        self.bn1 = BN2(c)
        self.sign2 = SignAct()
        self.conv2 = BinConv2d(c, c, 3, padding=1)
        self.bn2 = BN2(c)
        self.sign3 = SignAct()
        self.fc = BinLinear(c, classes, bias=False)
        self.bn3 = rand_bn(nn.BatchNorm1d(classes))
        self.logsoftmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        out = F.hardtanh(self.bn1(self.conv1(self.sign1(x))))
        out = F.hardtanh(self.bn2(self.conv2(self.sign2(out))) + x)
        out = torch.flatten(F.adaptive_avg_pool2d(out, 1), 1)
        return self.logsoftmax(self.bn3(self.fc(self.sign3(out))))


class XnorNinBlock(nn.Module):
    """XNOR-Net NIN block (Rastegari et al. 2016): BN -> sign -> conv with sign(W) * mean|W| per
    output channel -> ReLU, then BN -> sign -> 1x1 conv -> ReLU."""

    def __init__(self, cin, cmid, cout):
        super().__init__()
        self.bn1 = BN2(cin)
        self.sign1 = SignAct()
        self.conv1 = BinConv2d(cin, cmid, 3, padding=1, weight_form="meanabs")
        self.bn2 = BN2(cmid)
        self.sign2 = SignAct()
        self.conv2 = BinConv2d(cmid, cout, 1, weight_form="meanabs")

    def forward(self, x):
        out = F.relu(self.conv1(self.sign1(self.bn1(x))))
        return F.relu(self.conv2(self.sign2(self.bn2(out))))


@fixture("pub_bireal_block", [11], "Bi-Real Net-18 block: BN(HardBinaryConv3x3(ApproxSign(x + b))) + x, STE sign and "
         "STE weights (scale*sign(W) - clip(W) + clip(W)), learnable bias via expand_as", [1, 16, 8, 8])
def _():
    return BiRealNetBlock(16)


@fixture("pub_reactnet_block", [11], "ReActNet-A block: RSign (bias + ApproxSign), HardBinaryConv 3x3 and 1x1, BN, residuals, "
         "RPReLU (bias, PReLU, bias), all biases via expand_as", [1, 16, 8, 8])
def _():
    return ReActNetABlock(16)


@fixture("pub_irnet_block", [11], "IR-Net ResNet-20 block, stride 2 with option-A shortcut x[:, :, ::2, ::2] padded on "
         "channels; weights standardised and scaled by 2**round(log2(mean|bw|)) in forward; Hardtanh", [1, 8, 8, 8])
def _():
    return IrNetBlock(8, 16, 2)


@fixture("pub_binarynet_block", [11], "BinaryNet ResNet block and head: sign/sign(W) convs, BN, Hardtanh, residual, GAP, "
         "binary Linear, BN1d, LogSoftmax", [1, 16, 6, 6])
def _():
    return BinaryNetBlock(16, 10)


@fixture("pub_xnor_nin_block", [11], "XNOR-Net NIN block: BN -> sign -> conv3x3 with sign(W)*mean|W| -> ReLU -> BN -> sign "
         "-> conv1x1 -> ReLU", [1, 12, 7, 7])
def _():
    return XnorNinBlock(12, 16, 10)


@fixture("pub_reactnet_block_small_w", [11], "ReActNet-A block with trained-like latent weights N(0, 0.03^2): the STE weights "
         "(scale*sign(W)).detach() - clip(W).detach() + clip(W) land up to a few ulp off +-scale per channel", [1, 16, 8, 8])
def _():
    block = ReActNetABlock(16)
    with torch.no_grad():
        for conv in (block.binary_3x3, block.binary_pw):
            w = torch.randn(conv.weight.shape) * 0.03
            w[w == 0] = 1e-3
            conv.weight.copy_(w)
    return block


class AdaBinConv(BinConv2d):
    """AdaBin (Tang et al. 2022) conv: activations binarised asymmetrically,
    z = (x - beta) / alpha -> ApproxSign -> + beta -> * alpha (values alpha*(beta -+ 1)), and
    weights w_b = sign((W - mu_c) / sigma_c) * sigma_c + mu_c (values mu_c -+ sigma_c)."""

    def __init__(self, cin, cout, k, stride=1, padding=0):
        super().__init__(cin, cout, k, stride=stride, padding=padding, weight_form="adabin")
        self.alpha = nn.Parameter(torch.tensor(0.8))
        self.beta = nn.Parameter(torch.tensor(0.15))
        self.act = ApproxSign()

    def binary_weight(self):
        w = self.weight
        mu = w.mean(dim=(1, 2, 3), keepdim=True)
        sigma = w.std(dim=(1, 2, 3), keepdim=True)
        return torch.sign((w - mu) / sigma) * sigma + mu

    def forward(self, x):
        xb = (self.act((x - self.beta) / self.alpha) + self.beta) * self.alpha
        return F.conv2d(xb, self.binary_weight(), None, self.stride, self.padding, 1, self.groups)


class AdaBinBlock(nn.Module):
    """AdaBin ResNet-20 style block: out = BN(AdaBinConv3x3(x)) + x, twice."""
    expected_lowered_binary_layers = 4  # each AdaBin conv: a binary dot and a window sum

    def __init__(self, c):
        super().__init__()
        self.conv1 = AdaBinConv(c, c, 3, padding=1)
        self.bn1 = BN2(c)
        self.conv2 = AdaBinConv(c, c, 3, padding=1)
        self.bn2 = BN2(c)

    def forward(self, x):
        out = self.bn1(self.conv1(x)) + x
        return self.bn2(self.conv2(out)) + out


@fixture("pub_adabin_block", [11], "AdaBin block: asymmetric activations (x - b)/a -> ApproxSign -> + b -> * a and weights "
         "mu_c +- sigma_c; lowered as a binary dot plus a window sum of the bits plus a constant map", [1, 16, 8, 8])
def _():
    return AdaBinBlock(16)


# Fixtures sharing weights: seed from this name instead of their own.
SEED_ALIAS = {"bireal_resnet_b4": "bireal_resnet"}


# ---- exact sign(0): activations that reach Sign exactly at 0 (issue 11) --------------
# torch.sign(0) = 0 and ONNX Sign(0) = 0: bnn4j carries that third state exactly. Each fixture
# draws inputs that really produce exact zeros at some Sign (draw_input_with_zeros asserts it).

def shifted_normal(shift):
    def draw(shape, gen):
        return torch.randn(*shape, generator=gen) + shift
    return draw


def quantised_normal(step):
    """randn rounded to multiples of step (a power of two, so every value is exact in float32)."""
    def draw(shape, gen):
        return torch.round(torch.randn(*shape, generator=gen) / step) * step
    return draw


class PreSign(nn.Module):
    """layer(sign(pre(x)))"""

    def __init__(self, pre, layer):
        super().__init__()
        self.pre = pre
        self.sign = SignAct()
        self.layer = layer

    def forward(self, x):
        return self.layer(self.sign(self.pre(x)))


class MaxPoolZeros(nn.Module):
    """out0 = conv_a(sign(maxpool2(relu(x))))           float max pool, then Sign
       out1 = conv_b(maxpool3s1p1(sign(relu(x))))       Sign, then max pool over {0, +1}"""

    def __init__(self, c, cout):
        super().__init__()
        self.sign_a = SignAct()
        self.sign_b = SignAct()
        self.conv_a = BinConv2d(c, cout, 3, padding=1)
        self.conv_b = BinConv2d(c, cout, 3, padding=1)

    def forward(self, x):
        r = torch.relu(x)
        a = self.conv_a(self.sign_a(F.max_pool2d(r, 2)))
        b = self.conv_b(F.max_pool2d(self.sign_b(r), 3, stride=1, padding=1))
        return a, b


@fixture("sign0_relu_conv", [1, 11], "relu -> sign ({0,+1}, half the inputs exactly 0) -> BinConv 3x3 pad 1 (Cin=70, two words)",
         [1, 70, 7, 6], input_fn=shifted_normal(0.0))
def _():
    return PreSign(nn.ReLU(), BinConv2d(70, 5, 3, padding=1))


@fixture("sign0_hardtanh_conv", [1, 11], "Hardtanh(0,1) (ONNX Clip 0..1) -> sign -> BinConv 3x3 pad 1 stride 2 (Cin=65)",
         [1, 65, 9, 8], input_fn=shifted_normal(0.0))
def _():
    return PreSign(nn.Hardtanh(0.0, 1.0), BinConv2d(65, 6, 3, stride=2, padding=1))


@fixture("sign0_maxpool_relu", [1, 3, 11], "relu -> {maxpool 2 -> sign | sign -> maxpool 3 s1 p1 (three-state max)} -> BinConv 3x3 pad 1; "
         "input randn - 1 so whole windows are <= 0", [1, 20, 8, 8], input_fn=shifted_normal(-1.0))
def _():
    return MaxPoolZeros(20, 6)


@fixture("sign0_widen_quantised", [8, 11], "input quantised to multiples of 1/4; widening K=3 with thresholds on that grid "
         "(hit exactly: sign(x - t) = 0) -> BinConv 3x3 pad 1 (15->7)", [1, 5, 8, 9], input_fn=quantised_normal(0.25))
def _():
    m = WidenConv(5, 3, 7)
    with torch.no_grad():
        for k, t in enumerate(m.widen.ts):
            t.copy_(torch.round(t / 0.25) * 0.25)
    return m


# bn1 of sign0_bin_bn_bin: gamma +-1, beta 0, var + eps == 1 exactly, integer means, so that
# BN(d) = +-(d - mean) is exactly 0 at the reachable dot d = mean (in PyTorch, ONNX and exact
# arithmetic alike). K = 27 in the interior (odd d), 18 or 12 at the border (even d).
ZERO_BN1_MEANS = [1.0, -1.0, 3.0, 0.0, 2.0, -3.0, 1.0, 5.0, -2.0]
ZERO_BN1_GAMMAS = [1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0]


@fixture("sign0_bin_bn_bin", [4, 11], "sign -> BinConv(3->9, K=27) -> BN with BN(d) exactly 0 at a reachable d "
         "(integer means, gamma +-1, var+eps=1) -> sign -> BinConv(9->5) -> BN", [1, 3, 8, 8],
         input_fn=shifted_normal(0.0))
def _():
    m = BinToBin(3, 9, 5)
    v1 = float.fromhex("0x1.fffeb0p-1")  # float32(1 - 1e-5): var + eps == 1.0 exactly in float32
    with torch.no_grad():
        for ch, (mu, g) in enumerate(zip(ZERO_BN1_MEANS, ZERO_BN1_GAMMAS)):
            m.bn1.weight[ch] = g
            m.bn1.bias[ch] = 0.0
            m.bn1.running_var[ch] = v1
            m.bn1.running_mean[ch] = mu
    m.bn1.eval()
    return m


@fixture("sign0_relu_linear", [6, 11], "relu -> sign -> Linear(130->10, bias) with sign(W) on 2-D input",
         [3, 130], input_fn=shifted_normal(0.0))
def _():
    return PreSign(nn.ReLU(), BinLinear(130, 10))


def draw_input_with_zeros(shape, seed, model, input_fn, attempts=64):
    """An input from input_fn for which some activation Sign sees an exact 0 (the point of the
    fixture) and every Sign's zeros are exact zeros of the graph, not rounding accidents."""
    gen = torch.Generator().manual_seed(seed ^ 0x5EED)
    for _ in range(attempts):
        x = input_fn(shape, gen)
        _, signs, _ = reference_forward(model, x)
        if any(bool((t == 0).any()) for _, t in signs):
            return x
    raise AssertionError("could not draw an input that feeds an exact 0 to a sign")


# ---------------------------------------------------------------------------
# Export machinery
# ---------------------------------------------------------------------------

def seed_of(name):
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def reference_forward(model, x):
    """Runs model(x) recording sign inputs and the binary layers in execution order."""
    trace = []
    hooks = []
    for mod in model.modules():
        if isinstance(mod, BINARY_TYPES):
            hooks.append(mod.register_forward_pre_hook(lambda m, inp: trace.append(m.describe())))
    try:
        with torch.no_grad(), record_signs() as signs:
            out = model(x)
    finally:
        for h in hooks:
            h.remove()
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return outs, list(signs), trace


def draw_input(shape, seed, model, attempts=64):
    """Random normal input; re-drawn until no activation sign sees an exact 0.

    Among valid draws the one with the largest minimum |sign input| of the first few attempts
    is kept (a larger margin makes engine-vs-torch comparisons less fragile)."""
    gen = torch.Generator().manual_seed(seed ^ 0x5EED)
    best = None
    for attempt in range(attempts):
        x = torch.randn(*shape, generator=gen)
        outs, signs, _ = reference_forward(model, x)
        if any(bool((t == 0).any()) for _, t in signs):
            continue
        margin = min(float(t.abs().min()) for _, t in signs) if signs else float("inf")
        if best is None or margin > best[1]:
            best = (x, margin)
        if attempt >= 7 and best is not None:
            break
    if best is None:
        raise AssertionError("could not draw an input with no exact zero fed to sign")
    return best[0]


def onnx_ops(path):
    m = onnx.load(path)
    return [n.op_type for n in m.graph.node]


def onnx_summary(path):
    """Node list and initializer shapes of an exported model."""
    m = onnx.load(path)
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        d = {"op": n.op_type, "inputs": list(n.input), "outputs": list(n.output)}
        attrs = {}
        for a in n.attribute:
            v = onnx.helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode()
            if isinstance(v, onnx.TensorProto):
                v = "tensor%s" % list(v.dims)
            attrs[a.name] = v
        if attrs:
            d["attrs"] = attrs
        nodes.append(d)
    return {"nodes": nodes, "initializers": inits}


def export_onnx(model, x, path, mode, output_names):
    kwargs = dict(opset_version=OPSET, input_names=["input"], output_names=output_names)
    if mode == "preserve":
        kwargs.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    with torch.no_grad():
        torch.onnx.export(model, x, path, **kwargs)
    onnx.checker.check_model(onnx.load(path))


def save_tensor(arr, path, name):
    t = numpy_helper.from_array(np.ascontiguousarray(arr.astype(np.float32)), name=name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def write_test_data(dirpath, x, outs, signs, output_names, with_signs=True):
    os.makedirs(dirpath, exist_ok=True)
    save_tensor(x.numpy(), os.path.join(dirpath, "input_0.pb"), "input")
    for j, o in enumerate(outs):
        save_tensor(o.numpy(), os.path.join(dirpath, "output_%d.pb" % j), output_names[j])
    if not with_signs:
        return
    lines = ["# k\tshape\tmin|v|\tproducer",
             "# sign_input_<k>.pb = INPUT of the k-th torch.sign applied to an activation, in execution order",
             "# (weight signs are not listed). Reference forward in PyTorch float32."]
    for k, (label, t) in enumerate(signs):
        save_tensor(t.numpy(), os.path.join(dirpath, "sign_input_%d.pb" % k), "sign_input_%d" % k)
        lines.append("%d\t%s\t%.3g\t%s" % (k, list(t.shape), float(t.abs().min()), label))
    with open(os.path.join(dirpath, "sign_inputs.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------
# Boundary tables: sign(BN(conv)) at every reachable integer dot product
# ---------------------------------------------------------------------------

BOUNDARY_NOTE = (
    "For output channel m and each d in [-K, K] with d = K (mod 2) (the values reachable without padding), "
    "a +-1 patch x[Cin, kh, kw] is built with x = s_m on the first (K+d)/2 taps and x = -s_m on the other "
    "taps (flattened C,H,W order), s_m = sign(w[m]), so sum(x * s_m) = d. All patches form one batch. "
    "sign_module[m][i] = torch.sign(bn(F.conv2d(patches, w, None, stride=1, padding=0, groups)))[patch(m, d[i]), m] "
    "with w = the conv module's own forward weight and its BatchNorm module in eval mode (PyTorch 1.13, CPU, "
    "float32, 1 thread). sign_folded: the same patches through F.conv2d(patches, W_fold, b_fold, ...) with the "
    "BN-fused Conv weight and bias of PyTorch's folded ONNX export (see folded_source), then torch.sign. "
    "sign_exact: sign of gamma*(d - mean)/sqrt(var + eps) + beta in exact real arithmetic on the float32 "
    "parameters (eps as float32). 0 would mean an exact zero (torch.sign(0) = 0; bnn4j uses +1). "
    "pre_sign_min_abs: smallest |bn(conv)| over the table (module evaluation). "
    "reference_positions_checked: positions of the fixture's own test input where conv1 gives a d of the table; "
    "there bn's output in the full forward pass equals the table's module value bit for bit.")


def exact_bn_sign(d, g, b, m, v, eps):
    """Sign of g*(d - m)/sqrt(v + eps) + b in exact real arithmetic (float32 parameters, float32 eps)."""
    def sgn(q):
        return (q > 0) - (q < 0)
    a = Fraction(float(np.float32(g))) * (Fraction(int(d)) - Fraction(float(np.float32(m))))
    bb = Fraction(float(np.float32(b)))
    s2 = Fraction(float(np.float32(v))) + Fraction(float(np.float32(eps)))
    sa, sb = sgn(a), sgn(bb)
    if sa == 0:
        return sb
    if sb == 0 or sa == sb:
        return sa
    c = a * a - bb * bb * s2  # sign(a + bb*sqrt(s2)) with a, bb of opposite signs
    return sa if c > 0 else (sb if c < 0 else 0)


class _FoldProbe(nn.Module):
    """conv (weight as an initializer) -> BN; exported in folded mode to get PyTorch's own BN fusion."""

    def __init__(self, weight, groups, bn):
        super().__init__()
        self.weight = nn.Parameter(weight.detach().clone())
        self.groups = groups
        self.bn = copy.deepcopy(bn)

    def forward(self, x):
        return self.bn(F.conv2d(x, self.weight, None, 1, 0, 1, self.groups))


def exporter_fold(weight, groups, bn):
    """(W_fold, b_fold) as PyTorch's ONNX exporter (folded mode) fuses bn into a conv with this weight."""
    probe = _FoldProbe(weight, groups, bn).eval()
    x = torch.zeros(1, weight.shape[1] * groups, weight.shape[2], weight.shape[3])
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(probe, x, buf, opset_version=OPSET, input_names=["input"], output_names=["output_0"])
    m = onnx.load_from_string(buf.getvalue())
    ops = [n.op_type for n in m.graph.node]
    assert ops == ["Conv"], "exporter did not fuse BN into the conv: %s" % ops
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    node = m.graph.node[0]
    return inits[node.input[1]], inits[node.input[2]]


def folded_graph_conv(path, w_shape):
    """BN-fused (weight, bias) of the first Conv of a folded ONNX graph, or None when that Conv's
    weight is not an initializer or its output still feeds a BatchNormalization."""
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    for n in m.graph.node:
        if n.op_type != "Conv":
            continue
        if n.input[1] not in inits or len(n.input) < 3 or n.input[2] not in inits:
            return None
        consumers = [c.op_type for c in m.graph.node if n.output[0] in c.input]
        if "BatchNormalization" in consumers:
            return None
        w = inits[n.input[1]]
        assert list(w.shape) == list(w_shape), (path, w.shape, w_shape)
        return w, inits[n.input[2]]
    return None


def write_boundary(fx, model, x, fdir):
    conv_attr, bn_attr = fx["boundary"]
    conv = getattr(model, conv_attr)
    bn = getattr(model, bn_attr)
    assert isinstance(conv, BinConv2d) and isinstance(bn, nn.BatchNorm2d) and not bn.training
    info = conv.describe()
    k, groups, cin, m_out = info["K"], conv.groups, conv.cin, conv.cout
    with torch.no_grad():
        w = conv.binary_weight().detach().clone()  # exactly what conv.forward uses (its bias is None)
    assert bool((w.abs() == 1).all()), "boundary tables assume +-1 weights"
    ds = list(range(-k, k + 1, 2))
    nd = len(ds)
    cpg, opg = cin // groups, m_out // groups
    patches = torch.ones(m_out * nd, cin, conv.kh, conv.kw)
    for mm in range(m_out):
        s = torch.sign(w[mm]).reshape(-1)
        c0 = (mm // opg) * cpg
        for i, d in enumerate(ds):
            n_pos = (k + d) // 2
            p = torch.cat([s[:n_pos], -s[n_pos:]])
            assert int((p * s).sum()) == d
            patches[mm * nd + i, c0:c0 + cpg] = p.reshape(cpg, conv.kh, conv.kw)
    rows = torch.arange(m_out * nd)
    cols = rows // nd
    with torch.no_grad():
        z = F.conv2d(patches, w, None, 1, 0, 1, groups)
        assert z.shape[2:] == (1, 1)
        zd = z[rows, cols, 0, 0]
        assert torch.equal(zd, torch.tensor(ds, dtype=torch.float32).repeat(m_out)), "conv did not give d"
        pre_mod = bn(z)[rows, cols, 0, 0].reshape(m_out, nd)

    # folded: the initializers of this fixture's folded ONNX when BN is fused there, else the exporter's
    # fusion of a stand-in module (weight as an initializer); both paths must agree.
    fw, fb = exporter_fold(w, groups, bn)
    got = folded_graph_conv(os.path.join(fdir, "folded", "model.onnx"), list(w.shape))
    if got is not None:
        assert np.array_equal(got[0], fw) and np.array_equal(got[1], fb), "exporter fold mismatch"
        fw, fb = got
        source = "initializers of the first Conv in folded/model.onnx"
    else:
        source = ("this fixture's folded/model.onnx keeps BatchNormalization (the conv weight is Sign(W), not an "
                  "initializer); W_fold, b_fold come from torch.onnx.export (folded mode, opset 13) of "
                  "BN(conv2d(x, w)) with w as an initializer, i.e. PyTorch's own fusion of these values")
    with torch.no_grad():
        pre_fold = F.conv2d(patches, torch.tensor(np.array(fw)), torch.tensor(np.array(fb)), 1, 0, 1, groups)
        pre_fold = pre_fold[rows, cols, 0, 0].reshape(m_out, nd)
    sign_mod = torch.sign(pre_mod).to(torch.int64).tolist()
    sign_fold = torch.sign(pre_fold).to(torch.int64).tolist()
    g, b, mu, v = (t.detach().numpy() for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var))
    sign_ex = [[exact_bn_sign(d, g[mm], b[mm], mu[mm], v[mm], bn.eps) for d in ds] for mm in range(m_out)]

    def f32(t):
        return float("%.9g" % float(t))
    dis_fold, dis_exact = [], []
    for mm in range(m_out):
        for i, d in enumerate(ds):
            if sign_mod[mm][i] != sign_fold[mm][i]:
                dis_fold.append({"m": mm, "d": d, "module": sign_mod[mm][i], "folded": sign_fold[mm][i],
                                 "pre_module": f32(pre_mod[mm, i]), "pre_folded": f32(pre_fold[mm, i])})
            if sign_mod[mm][i] != sign_ex[mm][i]:
                dis_exact.append({"m": mm, "d": d, "module": sign_mod[mm][i], "exact": sign_ex[mm][i],
                                  "pre_module": f32(pre_mod[mm, i])})

    # The table must describe the real forward pass: wherever conv gives a table d on the fixture's own
    # input, bn's output there equals the table value bit for bit.
    cap = {}
    hooks = [conv.register_forward_hook(lambda mod, i, o: cap.__setitem__("conv", o.detach().clone())),
             bn.register_forward_hook(lambda mod, i, o: cap.__setitem__("bn", o.detach().clone()))]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    checked = 0
    zc, zb = cap["conv"], cap["bn"]
    for mm in range(m_out):
        zm, bm = zc[:, mm].reshape(-1), zb[:, mm].reshape(-1)
        for i, d in enumerate(ds):
            sel = zm == d
            n = int(sel.sum())
            if n:
                assert bool((bm[sel] == pre_mod[mm, i]).all()), (fx["name"], mm, d)
                checked += n

    table = {
        "layer": info["name"], "bn": bn_attr, "K": k, "channels": m_out,
        "in_channels": cin, "groups": groups, "kernel": info["kernel"], "weight_form": info["weight_form"],
        "d": ds,
        "sign_module": sign_mod,
        "sign_folded": sign_fold,
        "sign_exact": sign_ex,
        "pre_sign_min_abs": f32(pre_mod.abs().min()),
        "pre_sign_min_abs_folded": f32(pre_fold.abs().min()),
        "pre_sign_min_abs_per_channel": [f32(t) for t in pre_mod.abs().min(dim=1).values],
        "num_pairs": m_out * nd,
        "disagreements_module_folded": dis_fold,
        "disagreements_module_exact": dis_exact,
        "reference_positions_checked": checked,
        "folded_source": source,
        "note": BOUNDARY_NOTE,
    }
    with open(os.path.join(fdir, "boundary.json"), "w") as f:
        f.write(dump_json(table))
    return table


def build(fx):
    seed = seed_of(SEED_ALIAS.get(fx["name"], fx["name"]))
    torch.manual_seed(seed)
    model = fx["builder"]()
    model.eval()
    name_modules(model)
    for mod in model.modules():
        if isinstance(mod, BINARY_TYPES) and not getattr(mod, "weight_form", "sign").startswith("frozen"):
            # a latent weight of exactly 0 would binarise to 0 in torch: refuse
            assert not bool((mod.weight == 0).any()), "latent weight with an exact 0"
    return model, seed


def export_fixture(fx, out_root):
    name = fx["name"]
    model, seed = build(fx)
    if fx.get("input_fn"):
        x = draw_input_with_zeros(fx["input_shape"], seed_of(name), model, fx["input_fn"])
    else:
        x = draw_input(fx["input_shape"], seed_of(name), model)
    outs, signs, trace = reference_forward(model, x)
    for label, t in signs:
        assert fx.get("input_fn") or not bool((t == 0).any()), "exact zero fed to sign in %s: %s" % (name, label)
    # The export trace must give the same numbers as the reference pass
    output_names = ["output_%d" % j for j in range(len(outs))]
    fdir = os.path.join(out_root, name)
    if os.path.isdir(fdir):
        shutil.rmtree(fdir)
    ops = {}
    summaries = {}
    for mode in MODES:
        mdir = os.path.join(fdir, mode)
        os.makedirs(mdir)
        path = os.path.join(mdir, "model.onnx")
        export_onnx(model, x, path, mode, output_names)
        ops[mode] = onnx_ops(path)
        summaries[mode] = onnx_summary(path)
    # test data is identical for both modes: stored once, next to the mode directories
    data_dir = os.path.join(fdir, "test_data_set_0")
    write_test_data(data_dir, x, outs, signs, output_names)
    # Re-run each exported graph in numpy: outputs must match PyTorch's, and the k-th activation
    # Sign node (graph order) must see sign_input_k.
    sign_tensors = {}
    for mode in MODES:
        r = onnx_numpy_ref.check_model(os.path.join(fdir, mode, "model.onnx"), data_dir)
        assert r["sign_mismatches"] == 0, (name, mode, r)
        sign_tensors[mode] = r["sign_input_tensors"]
    # re-check the model is unchanged by export (eval mode preserved, same outputs)
    assert not model.training
    outs2, _, _ = reference_forward(model, x)
    for a, b in zip(outs, outs2):
        assert torch.equal(a, b)

    convs = [b for b in trace if b["kind"] == "conv"]
    dense = [b for b in trace if b["kind"] != "conv"]
    meta = {
        "name": name,
        "description": fx["description"],
        "patterns": fx["patterns"],
        "seed": seed,
        "input": {"name": "input", "shape": fx["input_shape"], "dtype": "float32"},
        "outputs": [{"name": output_names[j], "shape": list(o.shape)} for j, o in enumerate(outs)],
        "num_binary_convs": len(convs),
        "num_binary_dense": len(dense),
        "binary_layers": trace,
        "sign_inputs": [{"k": k, "shape": list(t.shape), "producer": label,
                         "min_abs": float("%.6g" % float(t.abs().min()))} for k, (label, t) in enumerate(signs)],
        "onnx_ops": {m: " ".join(ops[m]) for m in MODES},
        "onnx_sign_input_tensors": sign_tensors,
        "onnx_initializers": {m: summaries[m]["initializers"] for m in MODES},
    }
    if fx.get("notes"):
        meta["notes"] = fx["notes"]
    if fx.get("input_fn"):
        meta["exact_zeros_at_signs"] = sum(int((t == 0).sum()) for _, t in signs)
    if hasattr(model, "expected_lowered_binary_layers"):
        meta["expected_lowered_binary_layers"] = model.expected_lowered_binary_layers
    squeezed = sum(int(torch.isneginf(t).sum()) for m in model.modules() if isinstance(m, Widen) for t in m.ts)
    if squeezed:
        meta["squeezed_bits"] = squeezed
    with open(os.path.join(fdir, "fixture.json"), "w") as f:
        f.write(dump_json(meta))
    if fx.get("boundary"):
        meta["boundary"] = write_boundary(fx, model, x, fdir)
    return meta


def dump_json(obj):
    """Indented JSON with short lists of numbers kept on one line."""
    text = json.dumps(obj, indent=1)
    text = re.sub(r"\[\s*([-+0-9.eE,\s]*?)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",") if v.strip()) + "]", text)
    return text + "\n"


def export_resnet18(out_dir, modes=MODES, stem_relu=False):
    """Bi-Real style binary ResNet-18 at 1x3x224x224 with random weights (NOT committed).

    stem: Conv7x7/2 (float) -> BN -> ReLU -> MaxPool3x3/2. With the ReLU, the first unit's sign
    sees many exact zeros (torch/ONNX sign(0)=0); stem_relu=False drops the ReLU to avoid that."""
    torch.manual_seed(seed_of("bireal_resnet18"))
    model = BiRealResNet((64, 128, 256, 512), (2, 2, 2, 2), num_classes=1000, imagenet_stem=True,
                         stem_relu=stem_relu)
    model.eval()
    name_modules(model)
    gen = torch.Generator().manual_seed(seed_of("bireal_resnet18_input"))
    x = torch.randn(1, 3, 224, 224, generator=gen)
    outs, signs, trace = reference_forward(model, x)
    zeros = [[label, int((t == 0).sum()), t.numel()] for label, t in signs]
    os.makedirs(out_dir, exist_ok=True)
    report = {"input_shape": [1, 3, 224, 224], "stem_relu": stem_relu, "num_binary_convs": len(trace),
              "binary_layers": trace, "exact_zero_sign_inputs": zeros, "files": {}}
    for mode in modes:
        mdir = os.path.join(out_dir, mode)
        os.makedirs(mdir, exist_ok=True)
        path = os.path.join(mdir, "model.onnx")
        export_onnx(model, x, path, mode, ["output_0"])
        write_test_data(os.path.join(mdir, "test_data_set_0"), x, outs, signs, ["output_0"], with_signs=False)
        report["files"][mode] = {"model.onnx": os.path.getsize(path), "ops": " ".join(onnx_ops(path))}
    with open(os.path.join(out_dir, "resnet18.json"), "w") as f:
        f.write(dump_json(report))
    for mode in modes:
        print("resnet18 %s: %s (%.1f MB)" % (mode, os.path.join(out_dir, mode, "model.onnx"),
                                            report["files"][mode]["model.onnx"] / 1e6))
    nz = sum(z for _, z, _ in zeros)
    if nz:
        print("WARNING: %d activation values fed to Sign are exactly 0 (ReLU+maxpool stem -> first unit); "
              "torch/ONNX sign(0)=0 differs from sign(0)=+1 there (drop --stem-relu to avoid)" % nz)
    return report


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
