"""Fixtures of published architectures (issue 11; README pattern 12): each block written from its
paper's formulas as the authors' code writes the forward pass -- Bi-Real Net, ReActNet-A, IR-Net,
BinaryNet, XNOR-Net NIN and AdaBin."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_layers import BN2, BinConv2d, BinLinear, Named, SignAct, act_sign, rand_bn
from fixture_registry import fixture

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
