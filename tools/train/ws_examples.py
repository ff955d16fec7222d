#!/usr/bin/env python3
"""Draw example digit images for bnn4j (NOT MNIST images) and check them with the W&S model.

    /usr/bin/python3 tools/train/ws_examples.py            # writes examples/digit_*.{png,jpg,bmp}

Every candidate is drawn here: either typeset with a bold DejaVu font or drawn as thick
pen strokes (polylines with round joins). Like MNIST, the digit is white (255) on a black (0)
background, fitted into a 20x20 box (aspect ratio kept) and placed in a 28x28 frame so that its
centre of mass is at the centre; larger files (56x56, 100x100) are the same layout at 2x / 100/28x
scale, to exercise resizing.

Each candidate is classified by the W&S ONNX model (default /tmp/ws-out/ws/model.onnx, the
source of the bundled mnist-ws.bnn; run by the small torch interpreter in ws_export.py) after the model's
preprocessing: grayscale, bilinear resize to 28x28, /255, (x - 0.1307) / 0.3081. Resizing is
done two ways -- PIL's bilinear (antialiased when shrinking) and plain 2-tap bilinear
(torch interpolate, no antialiasing) -- because a Java decoder may do either; a candidate
is kept only if both are correct with a softmax margin (p_top1 - p_top2) >= --min-margin.
For each digit the kept candidate with the best worst-case margin is written.
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ws_data  # noqa: E402  (MNIST normalisation)
from train_common import REPO_ROOT, sha256, write_json  # noqa: E402
from ws_export import run_onnx_with_torch  # noqa: E402
from ws_train import DEFAULT_OUT  # noqa: E402

FONTS = {
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "mono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "cond": "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
}

# Pen strokes in a unit box (x right, y down), roughly how the digits are handwritten.
def _arc(cx, cy, rx, ry, a0, a1, n=24):
    a = np.radians(np.linspace(a0, a1, n))
    return list(zip(cx + rx * np.cos(a), cy + ry * np.sin(a)))


STROKES = {
    0: [_arc(0.5, 0.5, 0.33, 0.47, 0, 360, 40)],
    1: [[(0.42, 0.18), (0.58, 0.02), (0.55, 0.98)]],
    2: [_arc(0.5, 0.3, 0.32, 0.27, 200, 360) + [(0.78, 0.45), (0.18, 0.98), (0.88, 0.98)]],
    3: [_arc(0.48, 0.27, 0.3, 0.24, 210, 450), _arc(0.48, 0.73, 0.34, 0.26, 270, 500)],
    4: [[(0.62, 0.02), (0.12, 0.68), (0.9, 0.68)], [(0.66, 0.3), (0.66, 0.98)]],
    5: [[(0.82, 0.03), (0.28, 0.03), (0.22, 0.45)] + _arc(0.5, 0.68, 0.34, 0.3, 230, 490)],
    6: [[(0.72, 0.02)] + _arc(0.7, 0.68, 0.5, 0.66, 250, 180, 12) + _arc(0.5, 0.7, 0.3, 0.28, 180, 540)],
    7: [[(0.12, 0.04), (0.88, 0.04), (0.4, 0.98)]],
    8: [_arc(0.5, 0.26, 0.26, 0.23, 90, 450), _arc(0.5, 0.72, 0.32, 0.26, -90, 270)],
    9: [_arc(0.5, 0.3, 0.3, 0.28, 0, 360) + [(0.8, 0.3), (0.72, 0.98)]],
}


def render_font(digit, font, big=256):
    img = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONTS[font], int(big * 0.7))
    d.text((big // 2, big // 2), str(digit), fill=255, font=f, anchor="mm")
    return img


def render_strokes(digit, width_frac=0.12, big=256):
    img = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(img)
    m = big * 0.15
    s = big * 0.7
    w = max(1, int(width_frac * s))
    for pl in STROKES[digit]:
        pts = [(m + x * s, m + y * s) for x, y in pl]
        d.line(pts, fill=255, width=w, joint="curve")
        for p in (pts[0], pts[-1]):
            d.ellipse([p[0] - w / 2, p[1] - w / 2, p[0] + w / 2, p[1] + w / 2], fill=255)
    return img


def mnist_layout(img, size):
    """Fit the ink bbox into a 20/28*size box and centre the centre of mass in size x size."""
    a = np.asarray(img)
    ys, xs = np.nonzero(a > 0)
    crop = img.crop((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    box = 20.0 * size / 28.0
    sc = box / max(crop.size)
    nw, nh = max(1, round(crop.size[0] * sc)), max(1, round(crop.size[1] * sc))
    crop = crop.resize((nw, nh), Image.LANCZOS)
    c = np.asarray(crop).astype(np.float64)
    cy = (c.sum(1) * np.arange(nh)).sum() / c.sum()
    cx = (c.sum(0) * np.arange(nw)).sum() / c.sum()
    out = Image.new("L", (size, size), 0)
    ox = int(round(size / 2 - 0.5 - cx))
    oy = int(round(size / 2 - 0.5 - cy))
    ox = min(max(ox, 0), size - nw)
    oy = min(max(oy, 0), size - nh)
    out.paste(crop, (ox, oy))
    return out


def preprocess(img, how):
    g = img.convert("L")
    if g.size != (28, 28):
        if how == "pil":
            g = g.resize((28, 28), Image.BILINEAR)
            x = torch.from_numpy(np.asarray(g, dtype=np.float32))[None, None]
        else:
            x = torch.from_numpy(np.asarray(g, dtype=np.float32))[None, None]
            x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
    else:
        x = torch.from_numpy(np.asarray(g, dtype=np.float32))[None, None]
    return (x / 255.0 - ws_data.MEAN) / ws_data.STD


def classify(onnx_path, img):
    res = {}
    for how in ("pil", "plain"):
        logits = run_onnx_with_torch(onnx_path, preprocess(img, how))[0]
        p = torch.softmax(logits, 0)
        top = torch.topk(p, 2)
        res[how] = {"pred": int(top.indices[0]), "p": float(top.values[0]),
                    "margin": float(top.values[0] - top.values[1]), "logits": logits.tolist()}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", default=os.path.join(DEFAULT_OUT, "ws", "model.onnx"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "examples"))
    ap.add_argument("--min-margin", type=float, default=0.5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    sizes = {0: 28, 1: 56, 2: 100, 3: 28, 4: 56, 5: 100, 6: 28, 7: 56, 8: 100, 9: 56}
    extra = {3: "jpg", 7: "bmp"}  # one extra JPEG and one extra BMP (different renders)
    os.makedirs(args.out, exist_ok=True)
    summary = []
    for d in range(10):
        cands = []
        for style in ["strokes", "strokes_thin", "sans", "serif", "mono", "cond"]:
            if style == "strokes":
                big = render_strokes(d, 0.13)
            elif style == "strokes_thin":
                big = render_strokes(d, 0.10)
            else:
                big = render_font(d, style)
            img = mnist_layout(big, sizes[d])
            r = classify(args.onnx, img)
            ok = all(r[h]["pred"] == d and r[h]["margin"] >= args.min_margin for h in r)
            worst = min(r[h]["margin"] if r[h]["pred"] == d else -1 for h in r)
            print(f"digit {d} {style:13s} {sizes[d]:3d}px  pil: {r['pil']['pred']} p={r['pil']['p']:.3f}  "
                  f"plain: {r['plain']['pred']} p={r['plain']['p']:.3f}  {'ok' if ok else 'rejected'}")
            cands.append((ok, worst, style, img, r))
        good = sorted([c for c in cands if c[0]], key=lambda c: -c[1])
        if not good:
            print(f"digit {d}: no candidate passed; not written")
            continue
        written = []
        _, _, style, img, r = good[0]
        name = f"digit_{d}.png"
        img.save(os.path.join(args.out, name))
        written.append((name, style, r))
        if d in extra and len(good) > 1:
            _, _, style2, img2, r2 = good[1]
            ext = extra[d]
            name2 = f"digit_{d}.{ext}"
            if ext == "jpg":
                img2.convert("RGB").save(os.path.join(args.out, name2), quality=95)
            else:
                img2.convert("RGB").save(os.path.join(args.out, name2))
            # re-check the file as decoded (JPEG is lossy; RGB must go through grayscale)
            written.append((name2, style2, classify(args.onnx, Image.open(os.path.join(args.out, name2)))))
        for name, style, rr in written:
            rr = classify(args.onnx, Image.open(os.path.join(args.out, name)))
            assert all(rr[h]["pred"] == d for h in rr), (name, rr)
            summary.append({"file": name, "label": d, "style": style,
                            "size": list(Image.open(os.path.join(args.out, name)).size),
                            "mode": Image.open(os.path.join(args.out, name)).mode,
                            "pred_pil_bilinear": rr["pil"]["pred"], "p_pil_bilinear": round(rr["pil"]["p"], 4),
                            "pred_plain_bilinear": rr["plain"]["pred"],
                            "p_plain_bilinear": round(rr["plain"]["p"], 4),
                            "logits_pil_bilinear": [round(v, 4) for v in rr["pil"]["logits"]]})
    write_json(os.path.join(args.out, "examples.json"),
               {"model": "the ws ONNX model that mnist-ws.bnn was converted from",
                "model_onnx_sha256": sha256(args.onnx),
                "preprocessing": "grayscale, bilinear resize to 28x28, /255, (x-0.1307)/0.3081; "
                                 "white digit on black background (no inversion)",
                "examples": summary})
    print()
    print("| file | size | label | predicted (PIL bilinear) | p | predicted (plain bilinear) | p |")
    print("|---|---|---|---|---|---|---|")
    for s in summary:
        print(f"| {s['file']} | {s['size'][0]}x{s['size'][1]} {s['mode']} | {s['label']} | {s['pred_pil_bilinear']} "
              f"| {s['p_pil_bilinear']:.3f} | {s['pred_plain_bilinear']} | {s['p_plain_bilinear']:.3f} |")


if __name__ == "__main__":
    main()
