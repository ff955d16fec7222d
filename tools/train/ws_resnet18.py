"""Benchmark-scale W&S ResNet-18 (ws_train.py --resnet18; README "Benchmark-scale W&S
ResNet-18"): Bi-Real ResNet-18 with each binary conv's Sign widened, random weights, calibrated
and squeezed on random images; writes the widths ModelBench rebuilds."""

import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from train_common import OPSET, REPO_ROOT, write_json
from ws_export import export_copy
from ws_layers import BinConv2d, Widen
from ws_squeeze import squeeze
from ws_training import calibrate_widenings

BENCH_JSON = os.path.join(REPO_ROOT, "benchmarks", "src", "main", "resources", "ws-resnet18.json")


class WsBasicBlock(nn.Module):
    """Bi-Real basic block with each Sign replaced by a K-threshold widening:
    y = BN(BinConv3x3(Widen(x))) + shortcut(x); out = BN(BinConv3x3(Widen(y))) + y."""

    def __init__(self, cin, cout, stride, k):
        super().__init__()
        self.widen1 = Widen(cin, k)
        self.conv1 = BinConv2d(k * cin, cout, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.widen2 = Widen(cout, k)
        self.conv2 = BinConv2d(k * cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.AvgPool2d(2) if stride != 1 else nn.Identity(),
                                          nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn1(self.conv1(self.widen1(x))) + (x if self.shortcut is None else self.shortcut(x))
        return self.bn2(self.conv2(self.widen2(y))) + y


class WsResNet18(nn.Module):
    """Float 7x7/2 stem + BN + max pool, 4 stages of 2 W&S basic blocks (64/128/256/512), global
    average pool, float FC 1000: Bi-Real ResNet-18 with widened binary convs."""

    def __init__(self, k=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for stage, cout in enumerate((64, 128, 256, 512)):
            for b in range(2):
                blocks.append(WsBasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1, k))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def resnet18_macs(model, squeezed=True):
    """(binary MACs, float MACs) per 224x224 image; squeezed bits excluded when squeezed."""
    drop = {}
    for b in model.blocks:
        for w, conv in ((b.widen1, b.conv1), (b.widen2, b.conv2)):
            drop[id(conv)] = int(w.pruned.sum()) if squeezed else 0
    res = [0, 0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            cin = m.in_channels - drop.get(id(m), 0)
            res[0 if isinstance(m, BinConv2d) else 1] += out[0].numel() * cin * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            res[1] += m.in_features * m.out_features

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    for h in hooks:
        h.remove()
    return res


def ws_resnet18(args):
    """Random weights; BN statistics and widening thresholds calibrated on random images (as
    the MNIST recipe initialises them), then squeezed by the same criterion on other random
    images. Writes the ONNX model to <out>/ws-resnet18/model.onnx and the squeezed widths
    (what ModelBench rebuilds) to benchmarks/src/main/resources/ws-resnet18.json."""
    torch.manual_seed(args.seed)
    model = WsResNet18(args.k)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def images(n):
        return (torch.rand(n, 3, 224, 224) - mean) / std

    calib, probe = images(args.resnet_images), images(args.resnet_images)
    calibrate_widenings(model, calib)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    with torch.no_grad():
        model(calib)
    model.eval()
    full = resnet18_macs(model, squeezed=False)
    rep = squeeze(model, [probe[i:i + 1] for i in range(len(probe))], args.min_bits)
    macs = resnet18_macs(model)
    # Bi-Real ResNet-18: the same network with one sign per channel (K = 1)
    bireal = resnet18_macs(WsResNet18(1), squeezed=False)
    layers = []
    for name, m in model.named_modules():
        if isinstance(m, WsBasicBlock):
            for w, conv, tag in ((m.widen1, m.conv1, "conv1"), (m.widen2, m.conv2, "conv2")):
                layers.append({"name": f"{name}.{tag}", "cin": w.c, "cout": conv.out_channels,
                               "stride": conv.stride[0], "k": w.k,
                               "bits": w.k * w.c - int(w.pruned.sum()),
                               "squeezed": "".join("1" if w.pruned[k, c] else "0"
                                                   for k in range(w.k) for c in range(w.c))})
    doc = {"about": "W&S ResNet-18 (tools/train/ws_train.py --resnet18): widened binary convs, squeezed "
                    "on random 224x224 images; squeezed[k * cin + c] = 1 when bit k of channel c is gone",
           "seed": args.seed, "k": args.k, "min_bits": args.min_bits, "images": args.resnet_images,
           "binary_macs": macs[0], "float_macs": macs[1],
           "binary_macs_before_squeeze": full[0],
           "bireal_binary_macs": bireal[0], "bireal_float_macs": bireal[1], "layers": layers}
    os.makedirs(os.path.dirname(BENCH_JSON), exist_ok=True)
    write_json(BENCH_JSON, doc)
    bits = sum(l["bits"] for l in layers)
    total = sum(l["k"] * l["cin"] for l in layers)
    print(f"W&S ResNet-18: widened bits {total} -> {bits} after squeezing ({bits / total:.1%})")
    print(f"binary MACs: W&S {macs[0]:,} (before squeezing {full[0]:,}), Bi-Real {bireal[0]:,} "
          f"-> {macs[0] / bireal[0]:.2f}x; float MACs: W&S {macs[1]:,}, Bi-Real {bireal[1]:,}")
    print(f"wrote {BENCH_JSON}")
    if args.resnet_onnx:
        path = os.path.join(args.out, "ws-resnet18", "model.onnx")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        m = export_copy(model)
        torch.onnx.export(m, torch.zeros(1, 3, 224, 224), path, opset_version=OPSET,
                          input_names=["input"], output_names=["logits"])
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    return doc
