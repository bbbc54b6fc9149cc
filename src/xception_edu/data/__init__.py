"""Data: an offline synthetic set of controlled correlations, real images with the paper's preprocessing,
and loaders. Nothing here downloads unless asked (``download=True``)."""
from .loaders import EpochLoader, build_dataloader, make_loaders
from .real import (SOURCES, UnreadableImageError, cifar10, eval_transform, image_folder, imagenette,
                   imagenette_variant, real, train_transform)
from .synthetic_data import CHANNEL, SPATIAL, TASKS, SyntheticCorrelations, TensorImages, render, synthetic

__all__ = [
    "CHANNEL", "SPATIAL", "TASKS", "SyntheticCorrelations", "TensorImages", "render", "synthetic",
    "SOURCES", "UnreadableImageError", "cifar10", "eval_transform", "image_folder", "imagenette",
    "imagenette_variant", "real", "train_transform",
    "EpochLoader", "build_dataloader", "make_loaders",
]
