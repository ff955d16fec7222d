"""Fixtures of the converter's patterns 1 to 10 (tools/train/README.md, "Patterns and fixtures"):
sign -> binary conv, binary weight forms, output transforms, binary -> binary (with the hand-set
BatchNorm of bin_to_bin_edge), padding / kernels / stride, grouped and dense layers, widening and
squeezing, and the small Bi-Real ResNet."""

import numpy as np
import torch
import torch.nn as nn

from fixture_blocks import (AvgPoolPad, BiRealResNet, BiRealUnit, BinToBin, ReActBlock, SignConv, SignDense,
                            SqueezeConst, WidenConv)
from fixture_boundary import exact_bn_sign
from fixture_layers import BN2, BinConv2d, BinLinear, BinMatMul, RPReLU, RSign, ScaleBias, SignAct, rand_bn
from fixture_registry import fixture

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


# The note below names export_fixtures.py, the script that writes the fixture (EDGE_BN1 is defined in
# this module since the split); it is kept as it is so that the committed fixture.json stays the same.
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
