"""Real images with Keras's preprocessing, through torchvision.

The paper does not describe its ImageNet augmentation; we use the usual Inception-style one:
a random crop of 8%-100% of the area with aspect ratio 3/4-4/3, resized to the input size, and a random
horizontal flip; evaluation resizes to size / 0.875 and takes the centre crop. Pixels go to [-1, 1]
(Keras' ``xception.preprocess_input``), not to ImageNet mean/std.

Sources: an ImageNet-layout folder (``ImageFolder``), CIFAR-10 and Imagenette (torchvision's datasets;
downloaded only when ``download=True``, with torchvision's checksums).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch
from PIL import Image, UnidentifiedImageError

if TYPE_CHECKING:
    from torchvision import datasets
    from torchvision.transforms import v2

# torchvision is imported where real images are read, not at `import xception_edu`: it costs about 2 s
# in every notebook, and only training on real images uses it. Its folder.IMG_EXTENSIONS (a test checks):
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")

SOURCES = ("folder", "cifar10", "imagenette")
EVAL_CROP = 0.875  # Inception's evaluation: resize to size / 0.875, keep the central 87.5%
# The folder each Imagenette variant unpacks to (torchvision's archive names).
IMAGENETTE_FOLDERS = {"full": "imagenette2", "320px": "imagenette2-320", "160px": "imagenette2-160"}


class UnreadableImageError(OSError):
    """An image file that PIL cannot decode (corrupt, truncated, or not an image)."""


def _to_model_input() -> list:
    from torchvision.transforms import v2
    # uint8 HWC -> float CHW in [0, 1] -> [-1, 1]; ToPureTensor so batches are plain tensors.
    return [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.5] * 3, [0.5] * 3),
            v2.ToPureTensor()]


def train_transform(image_size: int) -> v2.Compose:
    """Inception-style augmentation: random resized crop (8-100% of the area) and horizontal flip."""
    from torchvision.transforms import v2
    return v2.Compose([v2.RandomResizedCrop(image_size, scale=(0.08, 1.0), antialias=True),
                       v2.RandomHorizontalFlip(), *_to_model_input()])


def eval_transform(image_size: int) -> v2.Compose:
    """Resize the short side to image_size / 0.875 and take the centre crop."""
    from torchvision.transforms import v2
    return v2.Compose([v2.Resize(int(image_size / EVAL_CROP), antialias=True), v2.CenterCrop(image_size),
                       *_to_model_input()])


def transform(image_size: int, train: bool) -> v2.Compose:
    return train_transform(image_size) if train else eval_transform(image_size)


def _to_8_bit(img: Image.Image, path) -> Image.Image:
    """A 16-bit or float greyscale image scaled to 0..255 (``convert`` would clip it to black and white)."""
    import numpy as np
    a = np.asarray(img)
    if img.mode.startswith("I;16") or (img.mode == "I" and img.format == "PNG"):  # PNG's 16 bits per pixel
        return Image.fromarray(np.round(a / 257.0).astype(np.uint8), "L")
    if img.mode == "F" and np.isfinite(a).all() and 0 <= a.min() and a.max() <= 1:  # floats in [0, 1]
        return Image.fromarray(np.round(a * 255.0).astype(np.uint8), "L")
    low, high = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    raise UnreadableImageError(f"cannot read image {path}: mode {img.mode} with values from {low:g} to "
                               f"{high:g} has no known scale (16-bit PNGs and floats in [0, 1] are read); "
                               "save it as 8-bit")


def load_rgb(path: str) -> Image.Image:
    """Open an image as RGB (greyscale and RGBA become RGB; 16-bit and [0, 1] float greyscale are scaled
    to 8 bits), naming the file if it cannot be read."""
    try:
        with open(path, "rb") as f:
            img = Image.open(f)
            if img.mode in ("I", "F") or img.mode.startswith("I;16"):
                img.load()
                img = _to_8_bit(img, path)
            return img.convert("RGB")  # convert() decodes: a truncated file fails here, not later
    except Image.DecompressionBombError as e:  # not an OSError: it would end in a traceback
        raise UnreadableImageError(f"cannot read image {path}: {e} (Pillow's decompression-bomb guard); if "
                                   "the file is trusted, raise PIL.Image.MAX_IMAGE_PIXELS") from e
    except UnreadableImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise UnreadableImageError(f"cannot read image {path}: {e}. Delete or replace the file.") from e


def _layout_hint(root) -> str:
    return (f"expected the ImageNet layout {root}/train/<class>/*.jpg and {root}/val/<class>/*.jpg "
            "(one sub-folder per class, the same classes in both)")


def image_folder(root, split: str, image_size: int, train: bool | None = None) -> datasets.ImageFolder:
    """``root/split/<class>/*`` as an ``ImageFolder`` with Keras's preprocessing (train: augmented); hidden
    folders are not classes and symlink loops are refused (``folder.py``)."""
    from . import folder as safe
    folder = Path(root) / split
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}: {_layout_hint(root)}")
    classes = safe.find_classes(folder)
    if not classes:
        raise FileNotFoundError(f"{folder} has no class sub-folders: {_layout_hint(root)}")
    if len(classes) == 1:  # one class "trains" to a meaningless 100%: every answer is right
        raise ValueError(f"{folder} has one class sub-folder ({classes[0]!r}); a classifier needs at least "
                         f"two: {_layout_hint(root)}")
    train = split == "train" if train is None else train
    return safe.ImageFolder(folder, transform=transform(image_size, train), loader=load_rgb)


def _not_downloaded(name: str, source: str, root, extra: str = "") -> FileNotFoundError:
    return FileNotFoundError(f"{name} is not in {root}: download it once with download=True "
                             f"(command line: --data {source} --download){extra}")


def cifar10(root, image_size: int):
    """CIFAR-10 (train, test) from ``root``, as torchvision stores it; 32 px images resized up."""
    from torchvision import datasets
    folder = Path(root) / datasets.CIFAR10.base_folder
    if not folder.is_dir():
        raise _not_downloaded("CIFAR-10", "cifar10", root)
    try:
        return tuple(datasets.CIFAR10(str(root), train=t, transform=transform(image_size, t))
                     for t in (True, False))
    except RuntimeError as e:  # torchvision checks every file's md5
        raise RuntimeError(f"CIFAR-10 in {folder} is incomplete or corrupt ({e}); "
                           "delete that folder and download "
                           "it once with download=True (command line: --data cifar10 --download)") from e


def imagenette_variant(image_size: int) -> str:
    """The smallest Imagenette variant whose short side covers the crop: 160px, 320px or full."""
    return "160px" if image_size <= 160 else "320px" if image_size <= 320 else "full"


def imagenette(root, image_size: int, variant: str | None = None):
    """Imagenette (train, val): 10 easy ImageNet classes, through ``torchvision.datasets.Imagenette``."""
    from torchvision import datasets
    variant = variant or imagenette_variant(image_size)
    folder = Path(root) / IMAGENETTE_FOLDERS[variant]
    if not folder.is_dir():
        raise _not_downloaded("Imagenette", "imagenette", root,
                              f"; the {variant} variant suits {image_size} px")
    out = []
    for split in ("train", "val"):
        ds = datasets.Imagenette(str(root), split=split, size=variant,
                                 transform=transform(image_size, split == "train"), loader=load_rgb)
        ds.classes = [names[0] for names in ds.classes]  # torchvision gives (short name, long name) pairs
        ds.variant = variant
        out.append(ds)
    return tuple(out)


def _download(source: str, root, image_size: int) -> None:
    from torchvision import datasets
    if source == "cifar10":
        datasets.CIFAR10(str(root), train=True, download=True)
        datasets.CIFAR10(str(root), train=False, download=True)
    else:
        variant = imagenette_variant(image_size)
        for split in ("train", "val"):
            folder = Path(root) / IMAGENETTE_FOLDERS[variant]
            if not folder.is_dir():
                datasets.Imagenette(str(root), split=split, size=variant, download=True)


def real(source: str, root, image_size: int, download: bool = False):
    """(train, validation) datasets of a real source with Keras's preprocessing.

    ``source``: ``"folder"`` (an ImageNet-layout folder: ``root/train/<class>/`` and ``root/val/<class>/``),
    ``"cifar10"`` or ``"imagenette"`` (torchvision's, kept in ``root``; fetched only if ``download``).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown data source {source!r}; choose one of {SOURCES} (or the synthetic set)")
    if source == "folder":
        if download:
            raise ValueError("an image folder cannot be downloaded: prepare it by hand, "
                             "or use cifar10/imagenette")
        train_set, val_set = image_folder(root, "train", image_size), image_folder(root, "val", image_size)
        if train_set.classes != val_set.classes:
            only_train = sorted(set(train_set.classes) - set(val_set.classes))
            only_val = sorted(set(val_set.classes) - set(train_set.classes))
            raise ValueError(f"{Path(root) / 'train'} and {Path(root) / 'val'} have different classes "
                             f"(only in train: {only_train}, only in val: {only_val})")
        return train_set, val_set
    if download:
        _download(source, root, image_size)
    return cifar10(root, image_size) if source == "cifar10" else imagenette(root, image_size)
