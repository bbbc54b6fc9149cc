"""Random images with random labels: nothing to learn, only something to train on at full speed.

What a throughput measurement feeds the model (timm's benchmark does the same): uniform uint8 pixels,
held in memory as a ``TensorImages``, so that with ``--data-on-device`` the whole set sits on the GPU and
no loader, decoder or host-to-device copy is part of what is measured (the GPU check's throughput).
"""
from __future__ import annotations

import torch

from .._validate import positive_int
from .synthetic_set import SPLITS, TensorImages

RANDOM_CLASSES = 1000
"""As many classes as ImageNet's, so the paper's model keeps its real 2048 x 1000 classifier."""


def random_images(length: int, image_size: int, classes: int = RANDOM_CLASSES, seed: int = 0,
                  split: str = "train") -> TensorImages:
    """``length`` uniform random uint8 images (3, image_size, image_size) and labels in [0, classes),
    deterministic in (seed, split)."""
    for name, v in (("length", length), ("image_size", image_size), ("classes", classes)):
        positive_int(name, v)
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not one of {SPLITS}")
    g = torch.Generator().manual_seed(seed * len(SPLITS) + SPLITS.index(split))
    images = torch.randint(0, 256, (length, 3, image_size, image_size), dtype=torch.uint8, generator=g)
    targets = torch.randint(0, classes, (length,), generator=g)
    return TensorImages(images, targets, [f"random {i}" for i in range(classes)])
