"""Exporting one fixture: the reference forward pass in PyTorch (recording what each activation
Sign sees), the input draw, the ONNX export in both modes, the test data, the numpy re-check
(onnx_numpy_ref) and fixture.json; also the big Bi-Real ResNet-18 (--resnet18, not committed)."""

import os
import shutil

import numpy as np
import torch

import onnx
from onnx import numpy_helper

import onnx_numpy_ref  # numpy re-execution of the exported graphs
from fixture_blocks import BiRealResNet
from fixture_boundary import write_boundary
from fixture_layers import BINARY_TYPES, Widen, name_modules, record_signs
from fixture_registry import SEED_ALIAS, seed_of
from train_common import OPSET, dump_json

MODES = ("folded", "preserve")


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


def candidate_inputs(shape, seed, model, draw, attempts):
    """(attempt, x, sign inputs) for up to `attempts` inputs x = draw(shape, generator), the
    generator seeded from the fixture's seed, each run through the reference pass."""
    gen = torch.Generator().manual_seed(seed ^ 0x5EED)
    for attempt in range(attempts):
        x = draw(shape, gen)
        _, signs, _ = reference_forward(model, x)
        yield attempt, x, signs


def feeds_exact_zero(signs):
    return any(bool((t == 0).any()) for _, t in signs)


def randn_input(shape, gen):
    return torch.randn(*shape, generator=gen)


def draw_input(shape, seed, model, attempts=64):
    """Random normal input; re-drawn until no activation sign sees an exact 0.

    Among valid draws the one with the largest minimum |sign input| of the first few attempts
    is kept (a larger margin makes engine-vs-torch comparisons less fragile)."""
    best = None
    for attempt, x, signs in candidate_inputs(shape, seed, model, randn_input, attempts):
        if feeds_exact_zero(signs):
            continue
        margin = min(float(t.abs().min()) for _, t in signs) if signs else float("inf")
        if best is None or margin > best[1]:
            best = (x, margin)
        if attempt >= 7 and best is not None:
            break
    if best is None:
        raise AssertionError("could not draw an input with no exact zero fed to sign")
    return best[0]


def draw_input_with_zeros(shape, seed, model, input_fn, attempts=64):
    """An input from input_fn for which some activation Sign sees an exact 0 (the point of the
    fixture) and every Sign's zeros are exact zeros of the graph, not rounding accidents."""
    for _, x, signs in candidate_inputs(shape, seed, model, input_fn, attempts):
        if feeds_exact_zero(signs):
            return x
    raise AssertionError("could not draw an input that feeds an exact 0 to a sign")


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
