"""Exact sign(0) fixtures (issue 11; README pattern 11): activations that reach a Sign exactly at
0. torch.sign(0) = 0 and ONNX Sign(0) = 0: bnn4j carries that third state exactly. Each fixture
draws inputs that really produce exact zeros at some Sign (draw_input_with_zeros asserts it)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_blocks import BinToBin, WidenConv
from fixture_layers import BinConv2d, BinLinear, SignAct
from fixture_registry import fixture

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
