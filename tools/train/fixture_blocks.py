"""Modules of the fixture zoo composed from fixture_layers: sign -> binary conv chains, Bi-Real
units and ResNets, binary -> binary pairs, pooling branches, ReActNet blocks, widening."""

import torch
import torch.nn as nn

from fixture_layers import BN2, BinConv2d, RPReLU, RSign, SignAct, Widen

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
