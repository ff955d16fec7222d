"""Boundary tables (boundary.json): the sign PyTorch gives after BatchNorm at every integer dot
product the first binary conv of a fixture can reach, next to the sign of PyTorch's own BN-fused
float conv and the sign in exact arithmetic (README: "Boundary tables")."""

import copy
import io
import os
from fractions import Fraction

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import onnx
from onnx import numpy_helper

from fixture_layers import BinConv2d
from train_common import OPSET, dump_json

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
