#!/usr/bin/python3
"""Independent float32 evaluation of the Brevitas TFC_1W1A QONNX graph on MNIST t10k.

A small numpy interpreter for exactly the ops this graph uses, written from the ONNX operator
specs and the qonnx op definitions (BipolarQuant: y = where(x / scale >= 0, 1, -1) * scale),
evaluated op by op in float32 as the graph states it. It shares no code with bnn4j. onnx is used
only to read the protobuf; onnx 1.12 has no reference evaluator.

Run once (CI has no Python); the result is committed:

    /usr/bin/python3 tools/train/qonnx_reference.py \
        --model ../shared/models/brevitas-tfc/TFC_1W1A.onnx \
        --mnist ../shared/datasets/mnist --out tools/src/test/resources/tfc-ref

writes logits.f32.gz (10,000 x 10 float32 little-endian, gzip) and logits.json.
"""
import argparse
import gzip
import json
import os

import numpy as np
import onnx
from onnx import numpy_helper

from train_common import IDX_IMAGES, IDX_LABELS, read_idx, sha256

F32 = np.float32


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run_graph(model, feeds):
    g = model.graph
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    env.update(feeds)
    for n in g.node:
        a = attrs(n)
        x = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Shape":
            y = np.array(x[0].shape, dtype=np.int64)
        elif op == "Gather":
            y = np.take(x[0], x[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":  # opset 9: axes attribute
            y = x[0]
            for ax in sorted(a["axes"]):
                y = np.expand_dims(y, ax)
        elif op == "Concat":
            y = np.concatenate(x, axis=a["axis"])
        elif op == "Reshape":
            shape = [int(d) for d in x[1]]
            shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            y = x[0].reshape(shape)
        elif op in ("Mul", "Sub", "Div", "Add"):
            p, q = x[0].astype(F32), x[1].astype(F32)
            y = {"Mul": np.multiply, "Sub": np.subtract, "Div": np.divide,
                 "Add": np.add}[op](p, q).astype(F32)
        elif op == "Pow":
            y = np.power(x[0].astype(F32), x[1].astype(F32)).astype(F32)
        elif op == "BipolarQuant":
            scale = x[1].astype(F32)
            q = (x[0] / scale).astype(F32)
            y = (np.where(q >= 0, F32(1), F32(-1)) * scale).astype(F32)
        elif op == "Transpose":
            y = np.transpose(x[0], a.get("perm"))
        elif op == "MatMul":
            # Operands are +-1: every partial sum is an integer below 2^24, so the float32 result
            # is exact whatever the summation order.
            y = np.matmul(x[0].astype(F32), x[1].astype(F32)).astype(F32)
        elif op == "BatchNormalization":
            eps = F32(a.get("epsilon", 1e-5))
            scale, bias, mean, var = (v.astype(F32) for v in x[1:5])
            shp = (1, -1) + (1,) * (x[0].ndim - 2)
            den = np.sqrt((var + eps).astype(F32)).astype(F32)
            y = ((x[0] - mean.reshape(shp)) / den.reshape(shp)).astype(F32)
            y = (y * scale.reshape(shp) + bias.reshape(shp)).astype(F32)
        else:
            raise SystemExit("op %s is not in this interpreter" % op)
        env[n.output[0]] = y
    return [env[o.name] for o in g.output]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model = onnx.load(args.model)
    images = read_idx(os.path.join(args.mnist, "t10k-images-idx3-ubyte.gz"), IDX_IMAGES)[:, None]  # [N,1,28,28]
    labels = read_idx(os.path.join(args.mnist, "t10k-labels-idx1-ubyte.gz"), IDX_LABELS)
    rows = []
    for i in range(len(images)):  # one image at a time, as the graph's batch dim is 1
        x = (images[i:i + 1].astype(F32) / F32(255)).astype(F32)
        rows.append(run_graph(model, {"0": x})[0].reshape(-1))
    logits = np.stack(rows).astype("<f4")
    top1 = float(np.mean(np.argmax(logits, axis=1) == labels))
    os.makedirs(args.out, exist_ok=True)
    with gzip.GzipFile(os.path.join(args.out, "logits.f32.gz"), "wb", mtime=0) as f:
        f.write(logits.tobytes())
    meta = {
        "model": os.path.basename(args.model),
        "model_onnx_sha256": sha256(args.model),
        "images": "t10k-images-idx3-ubyte.gz indices 0..9999 (in order)",
        "logits_file": "logits.f32.gz (gunzip to logits.f32 for bnn4j eval --compare-outputs)",
        "dtype": "float32 little-endian",
        "shape": list(logits.shape),
        "preprocessing": "x = pixel / 255 (float32), shape [1,1,28,28]",
        "evaluator": "tools/train/qonnx_reference.py (numpy float32, op by op)",
        "top1": top1,
    }
    with open(os.path.join(args.out, "logits.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("top-1 %.4f on %d images" % (top1, len(images)))


if __name__ == "__main__":
    main()
