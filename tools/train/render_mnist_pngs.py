#!/usr/bin/env python3
"""Render held-out MNIST digits as PNG folders for `bnn4j eval --dir`, three ways.

    /usr/bin/python3 tools/train/render_mnist_pngs.py [--from 8000 --to 10000] [--out /tmp/mnist-png]
    ./bnn4j eval --no-progress --dir /tmp/mnist-png/plain      # white on black, as MNIST is
    ./bnn4j eval --no-progress --dir /tmp/mnist-png/inverted   # black on white: 255 - v
    ./bnn4j eval --no-progress --dir /tmp/mnist-png/shifted    # black on white, 56x56, off centre

Images t10k 8000..9999 are the ones the bundled model never trained on. `shifted` pastes each
inverted 28x28 digit into a white 56x56 canvas at a pseudo-random offset (seed 14), so that a
model only gets it right when preprocessing finds, scales and centres the glyph (`--fit mnist`).
Folders are OUT/<way>/<label>/<index>.png, the layout `bnn4j eval --dir` reads.
"""

import argparse
import os
import random

import numpy as np
from PIL import Image

from train_common import SHARED_MNIST, read_idx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnist", default=SHARED_MNIST)
    ap.add_argument("--from", dest="start", type=int, default=8000)
    ap.add_argument("--to", dest="stop", type=int, default=10000)
    ap.add_argument("--out", default="/tmp/mnist-png")
    a = ap.parse_args()
    images = read_idx(os.path.join(a.mnist, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(a.mnist, "t10k-labels-idx1-ubyte.gz"))
    rnd = random.Random(14)
    for i in range(a.start, a.stop):
        img = images[i]
        inv = 255 - img
        canvas = np.full((56, 56), 255, np.uint8)
        x, y = rnd.randint(0, 28), rnd.randint(0, 28)
        canvas[y:y + 28, x:x + 28] = inv
        for way, pixels in (("plain", img), ("inverted", inv), ("shifted", canvas)):
            d = os.path.join(a.out, way, str(int(labels[i])))
            os.makedirs(d, exist_ok=True)
            Image.fromarray(pixels, "L").save(os.path.join(d, "%05d.png" % i))
    print("wrote", 3 * (a.stop - a.start), "images under", a.out)


if __name__ == "__main__":
    main()
