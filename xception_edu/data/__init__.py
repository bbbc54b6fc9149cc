"""Data: an offline synthetic set of controlled correlations, real images with Keras's preprocessing,
and the one colour photograph. Nothing here downloads unless asked (``download=True``)."""
from __future__ import annotations

from . import real as _real
from .photo import PHOTO_REGIONS, grace_hopper, load_photo, photo_regions
from .random_set import RANDOM_CLASSES, random_images
from .real import UnreadableImageError, cifar10, eval_transform, image_folder, imagenette, train_transform
from .synthetic_set import CHANNEL, SPATIAL, TASKS, SyntheticCorrelations, TensorImages, render, synthetic

SOURCES = ("synthetic", "random", *_real.SOURCES)
"""Where training images come from: generated offline (the synthetic set of controlled correlations, or
random pixels for throughput measurements), an ImageNet-layout folder, CIFAR-10, Imagenette."""


def datasets(source: str, root, image_size: int, download: bool = False, task: str = "mixed",
             train_size: int = 4096, val_size: int = 512, seed: int = 0):
    """(train, validation) datasets of one of ``SOURCES``: the synthetic set rendered into memory
    (``train_size``/``val_size`` images of ``task``, deterministic in ``seed``; ``root`` unused), random
    images (``train_size``/``val_size``, ``RANDOM_CLASSES`` classes; ``task`` and ``root`` unused), or a real
    source in ``root`` with Keras's preprocessing (``real.real``)."""
    if source == "synthetic":
        kw = dict(image_size=image_size, task=task, seed=seed, materialize=True)
        sets = synthetic(train_size, split="train", **kw), synthetic(val_size, split="val", **kw)
        identity = dict(source=source, task=task, image_size=image_size, seed=seed)
    elif source == "random":
        sets = (random_images(train_size, image_size, seed=seed, split="train"),
                random_images(val_size, image_size, seed=seed, split="val"))
        identity = dict(source=source, image_size=image_size, seed=seed)
    elif source in SOURCES:
        sets = _real.real(source, root, image_size, download=download)
        identity = dict(source=source, image_size=image_size)
    else:
        raise ValueError(f"unknown data source {source!r}; choose one of {SOURCES}")
    for ds in sets:  # what a checkpoint records of its data, so that resume can refuse other data
        ds.identity = identity
    return sets


__all__ = ["CHANNEL", "PHOTO_REGIONS", "RANDOM_CLASSES", "SOURCES", "SPATIAL", "TASKS",
           "SyntheticCorrelations", "TensorImages", "UnreadableImageError", "cifar10", "datasets",
           "eval_transform", "grace_hopper", "image_folder", "imagenette", "load_photo", "photo_regions",
           "random_images", "render", "synthetic", "train_transform"]
