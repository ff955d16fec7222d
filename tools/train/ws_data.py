"""MNIST for the W&S recipe: the t10k split (images 0..7999 for training, 8000..9999 held out),
normalisation, the random-affine augmentation and the pixel levels the input thresholds sit
between. ws_fashion.py replaces MEAN, STD here and the augmentation in ws_training."""

import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from train_common import IDX_IMAGES, IDX_LABELS, read_idx

MEAN, STD = 0.1307, 0.3081
N_TRAIN, N_EVAL = 8000, 2000


def load_mnist(data_dir):
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), IDX_IMAGES)
    labels = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), IDX_LABELS)
    n = len(images)
    assert n == 10000 and len(labels) == n
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # [N,1,28,28] in [0,1]
    y = torch.from_numpy(labels.astype(np.int64))
    return (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:N_TRAIN + N_EVAL], y[N_TRAIN:N_TRAIN + N_EVAL])


def normalise(x01):
    return (x01 - MEAN) / STD


def augment(x01, gen, max_shift=2.0, max_rot_deg=10.0, max_scale=0.08):
    """Random affine (rotation, scale, shift up to +-max_shift px) on [0,1] images; the
    background (0) fills the border."""
    n = x01.shape[0]
    ang = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(max_rot_deg)
    sc = 1.0 + (torch.rand(n, generator=gen) * 2 - 1) * max_scale
    tx = (torch.rand(n, generator=gen) * 2 - 1) * max_shift * 2 / 28
    ty = (torch.rand(n, generator=gen) * 2 - 1) * max_shift * 2 / 28
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x01.shape), align_corners=False)
    return F.grid_sample(x01, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def mnist_batches(x01, bs=500):
    return [normalise(x01[i:i + bs]) for i in range(0, len(x01), bs)]


def pixel_levels():
    """All 256 pixel values in [0, 1], computed as load_mnist computes them."""
    return np.arange(256, dtype=np.uint8).astype(np.float32) / 255.0
