"""ONNX export of a trained W&S network and the checks on the exported graph: Sign inputs that
are exactly 0, the binary filters' {-a_c, +a_c} form, and a tiny torch interpreter of the graph
that must reproduce PyTorch's logits."""

import copy
import os

import numpy as np
import torch
import torch.nn.functional as F

from train_common import OPSET
from ws_data import normalise
from ws_layers import BinConv2d, set_export

def export_copy(model):
    m = copy.deepcopy(model).eval()
    for mod in m.modules():
        if isinstance(mod, BinConv2d):
            mod.freeze()
    set_export(m, True)
    return m


def export_onnx(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    m = export_copy(model)
    torch.onnx.export(m, torch.zeros(1, 1, 28, 28), path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"])
    return m


def sign_input_stats(model_exp, x01, bs=500):
    """Count Sign inputs that are exactly 0 over the given images (and the min |input|)."""
    stats = {"zero": 0, "total": 0, "min_abs": float("inf")}
    orig = torch.sign

    def counting_sign(t):
        stats["zero"] += int((t == 0).sum())
        stats["total"] += t.numel()
        stats["min_abs"] = min(stats["min_abs"], float(t.abs().min()))
        return orig(t)

    torch.sign = counting_sign
    try:
        with torch.no_grad():
            for i in range(0, len(x01), bs):
                model_exp(normalise(x01[i:i + bs]))
    finally:
        torch.sign = orig
    return stats


def onnx_ops(path):
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    inits = {t.name: list(t.dims) for t in m.graph.initializer}
    return m, [n.op_type for n in m.graph.node], inits


def run_onnx_with_torch(path, x):
    """Tiny independent interpreter for the ONNX graph (the ops this script emits), used to check
    that the exported graph reproduces PyTorch's logits."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for n in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        i = [env[k] if k else None for k in n.input]
        t = n.op_type
        if t == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3]
            r = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]),
                         pads[:2], a.get("dilations", [1, 1]), a.get("group", 1))
        elif t == "BatchNormalization":
            r = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
        elif t == "Sign":
            r = torch.sign(i[0])
        elif t == "Sub":
            r = i[0] - i[1]
        elif t == "Mul":
            r = i[0] * i[1]
        elif t == "Identity":
            r = i[0]
        elif t == "Add":
            r = i[0] + i[1]
        elif t == "Concat":
            r = torch.cat(i, dim=a["axis"])
        elif t == "MaxPool":
            assert not any(a.get("pads", [0])) and a.get("kernel_shape") == a.get("strides")
            r = F.max_pool2d(i[0], a["kernel_shape"], a["strides"])
        elif t == "Relu":
            r = F.relu(i[0])
        elif t == "GlobalAveragePool":
            r = i[0].mean(dim=(2, 3), keepdim=True)
        elif t == "Flatten":
            r = torch.flatten(i[0], a.get("axis", 1))
        elif t == "Gemm":
            b = i[1].t() if a.get("transB", 0) else i[1]
            r = a.get("alpha", 1.0) * (i[0] @ b) + a.get("beta", 1.0) * i[2]
        else:
            raise NotImplementedError(t)
        env[n.output[0]] = r
    return env[m.graph.output[0].name]


def binary_weight_check(onnx_model):
    """Every Conv consuming a Sign/Concat-of-Sign must have filters in {-a_c, +a_c}."""
    from onnx import numpy_helper
    inits = {t.name: numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    producer = {o: n for n in onnx_model.graph.node for o in n.output}
    ok, n_bin = True, 0
    for n in onnx_model.graph.node:
        if n.op_type != "Conv":
            continue
        p = producer.get(n.input[0])
        if p is None or p.op_type not in ("Sign", "Concat"):
            continue
        n_bin += 1
        w = inits[n.input[1]].reshape(inits[n.input[1]].shape[0], -1)
        a = np.abs(w)
        ok &= bool(np.all(a == a[:, :1]))
    return ok, n_bin
