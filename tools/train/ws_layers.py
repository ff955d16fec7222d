"""The binary building blocks of the W&S recipe: sign with ties to +1, the straight-through
estimators for activations and weights, the export switch (bare torch.sign in the ONNX graph),
the learned multi-threshold widening, the binary conv and the exact affine that replaces a
BatchNorm after finalize_exact (ws_exact.py).

These train; the fixture zoo's layers of the same names (fixture_layers.py) only record what
their signs see and draw random weights in a fixed order, so the two sets are kept apart."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

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


class ExactAffine(nn.Module):
    """y = x * scale + shift with per-channel constants chosen so that, for the integer dot x of a
    binary conv, every product and sum is exact in float32 (see finalize_exact)."""

    def __init__(self, scale, shift):
        super().__init__()
        self.register_buffer("scale", scale.float().view(1, -1, 1, 1))
        self.register_buffer("shift", shift.float().view(1, -1, 1, 1))

    def forward(self, x):
        return x * self.scale + self.shift
