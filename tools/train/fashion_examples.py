#!/usr/bin/env python3
"""Draw example garment images for the bundled Fashion-MNIST model (NOT dataset images) and
check them with the W&S network the model was converted from.

    /usr/bin/python3 tools/train/fashion_examples.py [--onnx /tmp/ws-fashion/ws4/model.onnx]

Each garment is a filled polygon drawn here with PIL (shirt bodies, sleeves, trouser legs, a
shoe's sole and upper, a bag and its handle), with a vertical shading gradient and a few seams,
laid out as Fashion-MNIST is: the garment's longer side fills the square frame, centred. Two
polarities per garment:

  <name>_dark.png   light garment on a black background, like the dataset (what the model saw)
  <name>_light.png  dark garment on a white background, like a product photo. These need the
                    preprocessing to invert them (convert --background dark, branch lib2);
                    without it the model sees a negative.

Files are 112x112 (4x the model's input), so classify resizes them. Each image is classified
by the ONNX model (run by ws_export.run_onnx_with_torch) after the model's preprocessing as it
is today (grayscale, bilinear resize to 28x28 as bnn4j does it, /255, (x - 0.2860) / 0.3530, no
inversion), and
examples/fashion/examples.json records PyTorch's prediction for every file; FashionModelTest
checks that bnn4j's classify agrees with it.
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ws_fashion  # noqa: E402  (sets the Fashion-MNIST normalisation in ws_data)
from train_common import REPO_ROOT, sha256, write_json  # noqa: E402
from ws_data import normalise  # noqa: E402
from ws_export import run_onnx_with_torch  # noqa: E402

OUT_DIR = os.path.join(REPO_ROOT, "examples", "fashion")
SIZE = 112

# Polygons in a unit box (x right, y down); each garment is a list of (polygon, grey level).
GARMENTS = {
    "tshirt": (0, [([(0.3, 0.08), (0.42, 0.05), (0.5, 0.12), (0.58, 0.05), (0.7, 0.08), (0.98, 0.3),
                     (0.86, 0.44), (0.76, 0.36), (0.76, 0.96), (0.24, 0.96), (0.24, 0.36), (0.14, 0.44),
                     (0.02, 0.3)], 200)]),
    "trouser": (1, [([(0.26, 0.02), (0.74, 0.02), (0.76, 0.98), (0.56, 0.98), (0.5, 0.3), (0.44, 0.98),
                      (0.24, 0.98)], 170)]),
    "pullover": (2, [([(0.32, 0.06), (0.42, 0.04), (0.5, 0.09), (0.58, 0.04), (0.68, 0.06), (0.9, 0.2),
                       (0.99, 0.9), (0.86, 0.92), (0.76, 0.4), (0.76, 0.94), (0.24, 0.94), (0.24, 0.4),
                       (0.14, 0.92), (0.01, 0.9), (0.1, 0.2)], 185)]),
    "dress": (3, [([(0.36, 0.02), (0.44, 0.02), (0.5, 0.08), (0.56, 0.02), (0.64, 0.02), (0.66, 0.36),
                    (0.88, 0.98), (0.12, 0.98), (0.34, 0.36)], 190)]),
    "sandal": (5, [([(0.02, 0.74), (0.98, 0.7), (0.98, 0.8), (0.02, 0.84)], 170),
                   ([(0.1, 0.74), (0.3, 0.5), (0.36, 0.52), (0.2, 0.74)], 200),
                   ([(0.42, 0.72), (0.56, 0.42), (0.62, 0.44), (0.5, 0.72)], 200),
                   ([(0.68, 0.7), (0.86, 0.5), (0.92, 0.52), (0.78, 0.7)], 200)]),
    "sneaker": (7, [([(0.02, 0.58), (0.3, 0.5), (0.5, 0.36), (0.66, 0.34), (0.82, 0.44), (0.98, 0.56),
                      (0.98, 0.74), (0.02, 0.74)], 210),
                     ([(0.02, 0.72), (0.98, 0.72), (0.98, 0.8), (0.02, 0.8)], 120)]),
    "bag": (8, [([(0.06, 0.3), (0.94, 0.3), (0.98, 0.96), (0.02, 0.96)], 160),
                ([(0.3, 0.3), (0.34, 0.06), (0.66, 0.06), (0.7, 0.3), (0.62, 0.3), (0.6, 0.13),
                  (0.4, 0.13), (0.38, 0.3)], 190)]),
    "ankle_boot": (9, [([(0.42, 0.02), (0.84, 0.02), (0.86, 0.5), (0.98, 0.7), (0.98, 0.9), (0.02, 0.9),
                         (0.04, 0.62), (0.36, 0.5)], 150),
                        ([(0.02, 0.88), (0.98, 0.88), (0.98, 0.98), (0.02, 0.98)], 90)]),
}


def draw(polys, size=SIZE, light_background=False):
    """The garment fitted into the frame with a 4 % margin, shaded top to bottom, softened a little
    (the dataset's images are downsampled photos, not hard-edged)."""
    img = Image.new("L", (size, size), 0)
    mask = Image.new("L", (size, size), 0)
    d, dm = ImageDraw.Draw(img), ImageDraw.Draw(mask)
    xs = [x for p, _ in polys for x, _ in p]
    ys = [y for p, _ in polys for _, y in p]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    s = 0.92 * size / max(w, h)
    ox = (size - s * w) / 2 - s * min(xs)
    oy = (size - s * h) / 2 - s * min(ys)
    for poly, grey in polys:
        pts = [(ox + s * x, oy + s * y) for x, y in poly]
        d.polygon(pts, fill=grey)
        dm.polygon(pts, fill=255)
    a = np.asarray(img, dtype=np.float32)
    shade = np.linspace(1.08, 0.85, size, dtype=np.float32)[:, None]
    a = np.clip(a * shade, 0, 255) * (np.asarray(mask) > 0)
    out = Image.fromarray(a.astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    if light_background:
        out = Image.fromarray(255 - np.asarray(out))
    return out


def classify(onnx_path, img):
    """The model's preprocessing as bnn4j's ImageInput does it today: grayscale, bilinear resize
    to 28x28 with half-pixel centres and no antialiasing (torch interpolate, align_corners=False),
    /255, normalise; no inversion."""
    x = torch.from_numpy(np.asarray(img.convert("L"), dtype=np.float32)).view(1, 1, *img.size[::-1])
    x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False) / 255.0
    t = normalise(x)
    logits = run_onnx_with_torch(onnx_path, t)[0]
    p = torch.softmax(logits, 0)
    return int(p.argmax()), float(p.max()), [round(float(v), 4) for v in logits]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", default="/tmp/ws-fashion/ws4/model.onnx",
                    help="the W&S ONNX model fashion-ws.bnn was converted from")
    ap.add_argument("--out", default=OUT_DIR)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    entries = []
    for name, (label, polys) in GARMENTS.items():
        for light in (False, True):
            img = draw(polys, light_background=light)
            fname = f"{name}_{'light' if light else 'dark'}.png"
            img.save(os.path.join(args.out, fname), optimize=True)
            pred, p, logits = classify(args.onnx, img)
            entries.append({"file": fname, "label": label, "label_name": ws_fashion.LABELS[label],
                            "background": "light" if light else "dark", "pytorch_pred": pred,
                            "pytorch_pred_name": ws_fashion.LABELS[pred], "pytorch_p": round(p, 4),
                            "logits": logits})
            print(f"{fname:22s} drawn as {ws_fashion.LABELS[label]:12s} -> {ws_fashion.LABELS[pred]:12s} "
                  f"p={p:.3f}")
    doc = {"model_onnx_sha256": sha256(args.onnx),
           "preprocessing": "grayscale, bilinear resize to 28x28 (half-pixel centres, no antialiasing), /255, "
                            "(x-0.2860)/0.3530, no inversion",
           "examples": entries}
    write_json(os.path.join(args.out, "examples.json"), doc)
    ok = sum(e["pytorch_pred"] == e["label"] for e in entries if e["background"] == "dark")
    print(f"dark-background examples classified as drawn: {ok} of {len(entries) // 2}")


if __name__ == "__main__":
    main()
