"""What every recipe script in tools/train shares: where the repository is, the ONNX opset the
exports use, and small file helpers (IDX datasets, JSON, sha256).

Deliberately free of torch and onnx, so the numpy-only scripts (qonnx_reference.py,
render_mnist_pngs.py) can import it too.
"""

import gzip
import hashlib
import json
import os
import re

import numpy as np

# tools/train/ -> the repository root; scripts find their default inputs and outputs from here,
# so they work from any working directory.
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHARED_MNIST = os.path.join(REPO_ROOT, "..", "shared", "datasets", "mnist")
FIXTURES_DIR = os.path.join(REPO_ROOT, "engine", "src", "test", "resources", "bnn-fixtures")

# Every ONNX file written here is opset 13 (PyTorch 1.13's torch.onnx.export).
OPSET = 13

IDX_IMAGES = 0x803  # magic of an idx3-ubyte file: uint8, 3 dimensions
IDX_LABELS = 0x801  # magic of an idx1-ubyte file: uint8, 1 dimension


def read_idx(path, magic=None):
    """A gzipped IDX file (the MNIST / Fashion-MNIST format) as a uint8 array of the shape its
    header gives. With magic, the header's magic number must equal it."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if magic is not None:
        assert int.from_bytes(raw[0:4], "big") == magic, path
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_json(path, obj):
    """obj as JSON indented by one space, with a final newline."""
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def dump_json(obj):
    """Indented JSON with short lists of numbers kept on one line."""
    text = json.dumps(obj, indent=1)
    text = re.sub(r"\[\s*([-+0-9.eE,\s]*?)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",") if v.strip()) + "]", text)
    return text + "\n"
