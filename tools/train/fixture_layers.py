"""The layers the fixture zoo is built from: activation signs that record their inputs during the
reference pass, binary conv / dense layers in every weight form the converter recognises, and the
float helpers around them (randomised BatchNorm, per-channel scale and bias, RPReLU).

These are export fixtures, not a training recipe: their constructors draw from torch's global RNG
in a fixed order (each fixture is seeded from its name), so changing a constructor changes the
committed fixtures. The W&S training layers (straight-through estimators) are in ws_layers.py.
"""

import contextlib

import torch
import torch.nn as nn
import torch.nn.functional as F

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
