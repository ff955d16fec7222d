#!/usr/bin/env python3
"""Tiny numpy interpreter for the ONNX op subset PyTorch 1.13 emits for the bnn4j fixtures.

Used by export_fixtures.py to check that every exported model.onnx reproduces PyTorch's
outputs and that the k-th *activation* Sign node of the graph (in node order) sees
sign_input_<k>.pb. Also usable on its own:

    /usr/bin/python3 tools/train/onnx_numpy_ref.py [FIXTURE_DIR ...]

(default: every fixture under engine/src/test/resources/bnn-fixtures). ONNX semantics are
followed, in particular Sign(0) = 0.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper, helper

from train_common import FIXTURES_DIR

ONNX_DTYPES = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.BOOL: np.bool_,
}


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pad_spatial(x, pads, value=0.0):
    """pads = [b1..bn, e1..en] for the spatial dims of an NC... tensor."""
    n = len(pads) // 2
    widths = [(0, 0), (0, 0)] + [(pads[i], pads[i + n]) for i in range(n)]
    return np.pad(x, widths, mode="constant", constant_values=value)


def _windows(x, kernel, strides, dilations):
    """x: [N,C,H,W] (already padded). Returns view [N,C,OH,OW,KH,KW]."""
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilations
    oh = (h - (kh - 1) * dh - 1) // sh + 1
    ow = (w - (kw - 1) * dw - 1) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, c, oh, ow, kh, kw),
        strides=(s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw), writeable=False)


def conv(x, w, b, a):
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    strides = a.get("strides", [1, 1])
    dil = a.get("dilations", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    g = a.get("group", 1)
    assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
    xp = np.ascontiguousarray(_pad_spatial(x, pads))
    win = _windows(xp, kernel, strides, dil)  # N,C,OH,OW,KH,KW
    cin_g = x.shape[1] // g
    cout_g = w.shape[0] // g
    outs = []
    for gi in range(g):
        wi = w[gi * cout_g:(gi + 1) * cout_g]
        xi = win[:, gi * cin_g:(gi + 1) * cin_g]
        outs.append(np.einsum("nchwij,ocij->nohw", xi.astype(np.float64), wi.astype(np.float64)))
    y = np.concatenate(outs, axis=1)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def pool(x, a, kind):
    kernel = a["kernel_shape"]
    strides = a.get("strides", [1] * len(kernel))
    pads = a.get("pads", [0] * (2 * len(kernel)))
    dil = a.get("dilations", [1] * len(kernel))
    assert a.get("ceil_mode", 0) == 0
    if kind == "max":
        xp = np.ascontiguousarray(_pad_spatial(x, pads, -np.inf))
        return _windows(xp, kernel, strides, dil).max(axis=(4, 5)).astype(np.float32)
    xp = np.ascontiguousarray(_pad_spatial(x.astype(np.float64), pads, 0.0))
    s = _windows(xp, kernel, strides, dil).sum(axis=(4, 5))
    if a.get("count_include_pad", 0):
        cnt = float(kernel[0] * kernel[1])
    else:
        ones = np.ascontiguousarray(_pad_spatial(np.ones((1, 1) + x.shape[2:]), pads, 0.0))
        cnt = _windows(ones, kernel, strides, dil).sum(axis=(4, 5))
    return (s / cnt).astype(np.float32)


def run_node(node, env):
    a = _attrs(node)
    ins = [env[i] if i else None for i in node.input]
    op = node.op_type
    if op == "Constant":
        return [numpy_helper.to_array(a["value"])]
    if op == "Sign":
        return [np.sign(ins[0])]
    if op == "Abs":
        return [np.abs(ins[0])]
    if op == "Relu":
        return [np.maximum(ins[0], 0).astype(ins[0].dtype)]
    if op == "Clip":
        lo = ins[1] if len(ins) > 1 and ins[1] is not None else -np.inf
        hi = ins[2] if len(ins) > 2 and ins[2] is not None else np.inf
        return [np.minimum(np.maximum(ins[0], lo), hi).astype(ins[0].dtype)]
    if op in ("Add", "Sub", "Mul", "Div"):
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op]
        r = f(ins[0], ins[1])
        return [r.astype(np.result_type(ins[0], ins[1]))]
    if op == "Conv":
        return [conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)]
    if op == "BatchNormalization":
        x, sc, b, m, v = ins[:5]
        shp = (1, -1) + (1,) * (x.ndim - 2)
        eps = a.get("epsilon", 1e-5)
        y = (x - m.reshape(shp)) / np.sqrt(v.reshape(shp) + np.float32(eps)) * sc.reshape(shp) + b.reshape(shp)
        return [y.astype(np.float32)]
    if op == "PRelu":
        x, s = ins
        return [np.where(x < 0, x * s, x).astype(np.float32)]
    if op == "Unsqueeze":
        y = ins[0]
        axes = sorted(int(v) for v in ins[1])
        for ax in axes:
            y = np.expand_dims(y, ax if ax >= 0 else ax + y.ndim + 1)
        return [y]
    if op == "MaxPool":
        return [pool(ins[0], a, "max")]
    if op == "AveragePool":
        return [pool(ins[0], a, "avg")]
    if op == "GlobalAveragePool":
        return [ins[0].mean(axis=tuple(range(2, ins[0].ndim)), keepdims=True).astype(np.float32)]
    if op == "Pad":
        mode = a.get("mode", b"constant")
        assert mode in (b"constant", "constant")
        pads = [int(p) for p in ins[1]]
        val = float(ins[2]) if len(ins) > 2 and ins[2] is not None else 0.0
        n = len(pads) // 2
        widths = [(pads[i], pads[i + n]) for i in range(n)]
        assert all(p >= 0 for w in widths for p in w)
        return [np.pad(ins[0], widths, mode="constant", constant_values=val)]
    if op == "Concat":
        return [np.concatenate(ins, axis=a["axis"])]
    if op == "Gemm":
        A, B = ins[0], ins[1]
        if a.get("transA", 0):
            A = A.T
        if a.get("transB", 0):
            B = B.T
        y = a.get("alpha", 1.0) * (A.astype(np.float64) @ B.astype(np.float64))
        if len(ins) > 2 and ins[2] is not None:
            y = y + a.get("beta", 1.0) * ins[2]
        return [y.astype(np.float32)]
    if op == "MatMul":
        return [(ins[0].astype(np.float64) @ ins[1].astype(np.float64)).astype(np.float32)]
    if op == "Transpose":
        return [np.transpose(ins[0], a.get("perm"))]
    if op == "ReduceMean":
        axes = tuple(a["axes"]) if "axes" in a else None
        return [ins[0].mean(axis=axes, keepdims=bool(a.get("keepdims", 1))).astype(ins[0].dtype)]
    if op == "Flatten":
        ax = a.get("axis", 1)
        x = ins[0]
        return [x.reshape(int(np.prod(x.shape[:ax])), -1)]
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full([int(s) for s in ins[0]], v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Reshape":
        shape = [int(s) for s in ins[1]]
        shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return [ins[0].reshape(shape)]
    if op == "Slice":
        x = ins[0]
        starts, ends = ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
        sl = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            s, e, st = int(s), int(e), int(st)
            dim = x.shape[int(ax)]
            # clamp like ONNX (INT64_MAX / INT64_MIN sentinels)
            if e > dim:
                e = dim
            if e < -dim - 1:
                e = None if st < 0 else 0
            if s > dim:
                s = dim - 1 if st < 0 else dim
            sl[int(ax)] = slice(s, e, st)
        return [x[tuple(sl)]]
    if op == "Cast":
        return [ins[0].astype(ONNX_DTYPES[a["to"]])]
    if op == "Shape":
        return [np.array(ins[0].shape, dtype=np.int64)]
    if op == "Gather":
        return [np.take(ins[0], ins[1].astype(np.int64), axis=a.get("axis", 0))]
    r = run_published_arch_node(op, a, ins)
    if r is not None:
        return r
    raise NotImplementedError(op)


def run_published_arch_node(op, a, ins):
    """Ops of the published-architecture fixtures (STE masks, IR-Net weight paths, heads)."""
    f32 = np.float32
    if op == "Identity":
        return [ins[0]]
    if op == "Clip":
        lo = ins[1] if len(ins) > 1 and ins[1] is not None else -np.inf
        hi = ins[2] if len(ins) > 2 and ins[2] is not None else np.inf
        return [np.minimum(np.maximum(ins[0], lo), hi).astype(ins[0].dtype)]
    if op in ("Less", "Greater", "Equal"):
        f = {"Less": np.less, "Greater": np.greater, "Equal": np.equal}[op]
        return [f(ins[0], ins[1])]
    if op == "Not":
        return [np.logical_not(ins[0])]
    if op == "Where":
        return [np.where(ins[0], ins[1], ins[2])]
    if op == "Expand":
        shape = np.broadcast_shapes(ins[0].shape, tuple(int(d) for d in ins[1]))
        return [np.broadcast_to(ins[0], shape).copy()]
    if op == "Neg":
        return [np.negative(ins[0])]
    if op == "Pow":
        return [np.power(ins[0], ins[1].astype(ins[0].dtype)).astype(ins[0].dtype)]
    if op in ("Sqrt", "Log", "Exp", "Round", "Floor", "Ceil", "Reciprocal"):
        f = {"Sqrt": np.sqrt, "Log": np.log, "Exp": np.exp, "Round": np.round, "Floor": np.floor,
             "Ceil": np.ceil, "Reciprocal": np.reciprocal}[op]
        return [f(ins[0]).astype(ins[0].dtype)]
    if op in ("ReduceProd", "ReduceSum", "ReduceMax", "ReduceMin"):
        if op == "ReduceSum" and len(ins) > 1 and ins[1] is not None:
            axes = tuple(int(v) for v in ins[1])
        else:
            axes = tuple(a["axes"]) if "axes" in a else None
        f = {"ReduceProd": np.prod, "ReduceSum": np.sum, "ReduceMax": np.max, "ReduceMin": np.min}[op]
        return [f(ins[0], axis=axes, keepdims=bool(a.get("keepdims", 1))).astype(ins[0].dtype)]
    if op == "LogSoftmax":
        x = ins[0].astype(np.float64)
        ax = a.get("axis", -1)
        m = x.max(axis=ax, keepdims=True)
        return [(x - m - np.log(np.exp(x - m).sum(axis=ax, keepdims=True))).astype(f32)]
    return None


def activation_sign_nodes(model):
    """Sign nodes whose input depends on a graph input (i.e. not weight binarisation)."""
    g = model.graph
    inits = {i.name for i in g.initializer}
    dyn = {i.name for i in g.input if i.name not in inits}
    res = []
    for n in g.node:
        if any(i in dyn for i in n.input):
            dyn.update(n.output)
            if n.op_type == "Sign":
                res.append(n)
    return res


def run_model(model, feeds):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for n in model.graph.node:
        outs = run_node(n, env)
        for name, v in zip(n.output, outs):
            env[name] = v
    return env


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def check_model(model_path, data_dir, rtol=1e-4, atol=1e-4):
    """Returns dict with max errors and the tensor names of the activation Sign inputs."""
    model = onnx.load(model_path)
    x = load_pb(os.path.join(data_dir, "input_0.pb"))
    env = run_model(model, {model.graph.input[0].name: x})
    res = {"max_abs_err_outputs": [], "sign_input_tensors": [], "max_abs_err_sign_inputs": [],
           "sign_mismatches": 0}
    for j, o in enumerate(model.graph.output):
        ref = load_pb(os.path.join(data_dir, "output_%d.pb" % j))
        got = env[o.name]
        assert got.shape == ref.shape, (o.name, got.shape, ref.shape)
        same_inf = np.isinf(ref) & (got == ref)  # a -inf threshold (squeezed bit) gives x - t = +inf
        if np.any(np.isinf(ref) & ~same_inf):
            raise AssertionError("%s sign input %d (%s): infinities differ" % (model_path, k, n.input[0]))
        err = float(np.max(np.abs(np.where(same_inf, 0.0, got.astype(np.float64) - ref)))) if ref.size else 0.0
        res["max_abs_err_outputs"].append(err)
        scale = float(np.max(np.abs(ref))) if ref.size else 1.0
        if err > atol + rtol * scale:
            raise AssertionError("%s output %d differs: max abs err %g (scale %g)" % (model_path, j, err, scale))
    signs = activation_sign_nodes(model)
    k = 0
    while os.path.exists(os.path.join(data_dir, "sign_input_%d.pb" % k)):
        k += 1
    if k == 0:  # no intermediate data written (e.g. --resnet18): outputs only
        return res
    if k != len(signs):
        raise AssertionError("%s: %d activation Sign nodes but %d sign_input files" % (model_path, len(signs), k))
    for k, n in enumerate(signs):
        ref = load_pb(os.path.join(data_dir, "sign_input_%d.pb" % k))
        got = env[n.input[0]]
        assert got.shape == ref.shape, (n.input[0], got.shape, ref.shape)
        same_inf = np.isinf(ref) & (got == ref)  # a -inf threshold (squeezed bit) gives x - t = +inf
        if np.any(np.isinf(ref) & ~same_inf):
            raise AssertionError("%s sign input %d (%s): infinities differ" % (model_path, k, n.input[0]))
        err = float(np.max(np.abs(np.where(same_inf, 0.0, got.astype(np.float64) - ref))))
        scale = float(np.max(np.abs(ref[np.abs(ref) < 1e3]))) if np.any(np.abs(ref) < 1e3) else 1.0
        if err > atol + rtol * max(scale, float(np.max(np.abs(ref))) * 1e-3):
            raise AssertionError("%s sign input %d (%s) differs: max abs err %g" % (model_path, k, n.input[0], err))
        res["sign_input_tensors"].append(n.input[0])
        res["max_abs_err_sign_inputs"].append(err)
        res["sign_mismatches"] += int(np.sum(np.sign(got) != np.sign(ref)))
    return res


def main(argv):
    default = FIXTURES_DIR
    dirs = argv or sorted(os.path.join(default, d) for d in os.listdir(default)
                          if os.path.isdir(os.path.join(default, d)))
    bad = 0
    for d in dirs:
        for mode in ("folded", "preserve"):
            try:
                r = check_model(os.path.join(d, mode, "model.onnx"), os.path.join(d, "test_data_set_0"))
                print("ok   %-28s %-8s out_err=%s signs=%d sign_flips=%d" % (
                    os.path.basename(d), mode, ["%.2g" % e for e in r["max_abs_err_outputs"]],
                    len(r["sign_input_tensors"]), r["sign_mismatches"]))
            except Exception as e:  # noqa
                bad += 1
                print("FAIL %-28s %-8s %s" % (os.path.basename(d), mode, e))
    print("%d passed, %d failed" % (2 * len(dirs) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
