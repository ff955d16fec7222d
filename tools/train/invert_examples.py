#!/usr/bin/env python3
"""Write a black-on-white copy of every example digit: examples/digit_N.EXT -> digit_N_inv.EXT.

    /usr/bin/python3 tools/train/invert_examples.py

The example digits (tools/train/ws_examples.py) are white on black, as MNIST is. A person draws
or scans a digit black on white; these copies are what such a person gives `bnn4j classify`.
Each sample v becomes 255 - v (PIL's ImageOps.invert), in the file's own format and mode; the
JPEG is written at quality 95. ExamplesTest (tools/src/test) checks that the bundled model, with
the background stored in it, classifies every original and every copy correctly.
"""

import glob
import os

from PIL import Image, ImageOps

from train_common import REPO_ROOT as ROOT


def main():
    examples = os.path.join(ROOT, "examples")
    for path in sorted(glob.glob(os.path.join(examples, "digit_*.*"))):
        stem, ext = os.path.splitext(os.path.basename(path))
        if stem.endswith("_inv") or ext == ".json":
            continue
        img = Image.open(path)
        inv = ImageOps.invert(img.convert("RGB") if img.mode not in ("L", "RGB") else img)
        out = os.path.join(examples, stem + "_inv" + ext)
        kwargs = {"quality": 95} if ext == ".jpg" else {}
        inv.save(out, **kwargs)
        print("wrote", os.path.relpath(out, ROOT))


if __name__ == "__main__":
    main()
