"""Evaluate like Table 1: single-crop top-1 and top-5 accuracy on an ImageNet-style validation folder
(``<folder>/<class>/*.jpg``, classes in sorted order as Keras and timm number them), for a trainer's
checkpoint or the author's ImageNet weights (``model/pretrained.py``).

    python -m xception_edu.train.evaluate --weights imagenet --val-dir /data/imagenet/val
    python -m xception_edu.train.evaluate --checkpoint runs/a/last.pt --val-dir /data/imagenette2/val

Two single-crop preprocessings, both ending in Keras's pixels in [-1, 1] (mean = std = 0.5):
  keras  the trainer's evaluation (``data.real.eval_transform``): short side resized (bilinear, antialiased)
         to size / 0.875 (341 px for 299), centre crop of size x size; Inception's convention.
  timm   timm's ``pretrained_cfg`` for these weights: short side resized (bicubic) to floor(size / 0.8975)
         (333 px for 299), centre crop; what timm's reported 79.06 / 94.40 used.
"""
from __future__ import annotations

import argparse
import csv
import math
import pathlib
import sys

import torch
from tqdm.auto import tqdm

from .. import devices
from ..data import real
from ..model import XceptionConfig, pretrained
from ..model.xception import Xception
from . import checkpoint
from .topk import TOP_K, topk_correct

CROPS = ("keras", "timm")


def describe(image_size: int, crop: str) -> str:
    """The preprocessing in words, e.g. 'keras: short side to 341 px (bilinear), centre 299 px crop, ...'."""
    resize, how = ((int(image_size / real.EVAL_CROP), "bilinear") if crop == "keras"
                   else (math.floor(image_size / pretrained.CROP_PCT), pretrained.INTERPOLATION))
    return f"{crop}: short side to {resize} px ({how}), centre {image_size} px crop, pixels to [-1, 1]"


def eval_transform(image_size: int, crop: str = "keras"):
    """The single-crop preprocessing named ``crop`` (see the module docstring)."""
    if crop not in CROPS:
        raise ValueError(f"crop={crop!r} is not one of {CROPS}")
    return real.eval_transform(image_size) if crop == "keras" else pretrained.eval_transform(image_size)


def validation_folder(folder, image_size: int, crop: str = "keras"):
    """``folder/<class>/*`` with the chosen preprocessing (hidden folders skipped, as in training)."""
    from ..data import folder as safe
    folder = pathlib.Path(folder)
    if not folder.is_dir() or not safe.find_classes(folder):
        raise FileNotFoundError(f"no class sub-folders in {folder}: expected an ImageNet-style validation "
                                "folder, <folder>/<class>/*.jpg (for ImageNet: its 1000 WordNet ids)")
    return safe.ImageFolder(folder, transform=eval_transform(image_size, crop), loader=real.load_rgb)


def from_checkpoint(path, ema: bool = True) -> tuple[Xception, int | None]:
    """The model a trainer's checkpoint (``last.pt``) holds, and the image size it trained on (None if
    not recorded): its weight average when it has one and ``ema`` (as the paper evaluates; with the BN
    statistics of the run's last evaluation), else its weights."""
    state = checkpoint.load(path)
    ident = state.get("identity", {}).get("model", {}) if isinstance(state, dict) else {}
    if ident.get("class") != "Xception":
        raise ValueError(f"{path} is not a trainer checkpoint of an Xception (no identity.model of class "
                         "Xception); for timm's ImageNet weights use --weights imagenet")
    model = Xception(XceptionConfig(**{k: v for k, v in ident.items() if k != "class"}))
    if ema and state.get("ema") is not None:
        prefix = "module."
        weights = {k[len(prefix):]: v for k, v in state["ema"].items() if k.startswith(prefix)}
    else:
        weights = state["model"]
    model.load_state_dict(weights)
    return model.eval(), state["identity"].get("data", {}).get("image_size")


@torch.no_grad()
def evaluate(model, dataset, batch_size: int = 64, workers: int = 0, device=None,
             progress: bool = True) -> dict:
    """Top-1 and top-5 accuracy of ``model`` (in eval mode) on ``dataset``; with per-class counts:
    {"images", "top1", "top5", "per_class": [(images, top-1 right, top-5 right), ...]}."""
    device = torch.device(device) if device else devices.best_device()
    classes = len(dataset.classes)
    was_training = model.training
    model.eval().to(device)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                                         pin_memory=device.type == "cuda")
    counts = torch.zeros(classes, 1 + len(TOP_K), dtype=torch.int64)
    try:
        for x, y in tqdm(loader, desc="evaluate", unit="batch", disable=not progress):
            logits = model(x.to(device))
            if logits.shape[1] != classes:
                raise ValueError(f"the model has {logits.shape[1]} outputs but the folder has {classes} "
                                 "classes: evaluate on a folder with the classes it was trained on")
            hits = topk_correct(logits.float().cpu(), y).long()
            counts.index_add_(0, y, torch.cat([torch.ones(1, len(y), dtype=torch.int64), hits]).T)
    finally:
        model.train(was_training)
    total = counts.sum(0).tolist()
    n = max(total[0], 1)
    return {"images": total[0], "top1": total[1] / n, "top5": total[2] / n,
            "per_class": [tuple(r) for r in counts.tolist()]}


def write_per_class(result: dict, classes: list[str], path) -> None:
    """The per-class figures as CSV: class, images, top1, top5 (fractions of that class's images)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("class", "images", "top1", "top5"))
        for name, (n, t1, t5) in zip(classes, result["per_class"]):
            w.writerow((name, n, f"{t1 / max(n, 1):.4f}", f"{t5 / max(n, 1):.4f}"))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m xception_edu.train.evaluate",
                                description="Single-crop top-1 and top-5 accuracy (the paper's Table 1).")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="a trainer checkpoint (last.pt in a --checkpoint-dir)")
    src.add_argument("--weights", choices=["imagenet"],
                     help="the author's ImageNet weights (timm's legacy_xception), local file or cache")
    p.add_argument("--weights-file", default=None, help="the ImageNet weights file (default: the caches)")
    p.add_argument("--val-dir", required=True, help="the validation folder: <val-dir>/<class>/*.jpg")
    p.add_argument("--crop", choices=CROPS, default="keras", help="preprocessing (default: keras)")
    p.add_argument("--image-size", type=int, default=None,
                   help="crop side in pixels (default: 299 for --weights, a checkpoint's training size)")
    p.add_argument("--no-ema", action="store_true", help="a checkpoint's raw weights, not their average")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--per-class-csv", default=None, help="also write per-class top-1/top-5 to this file")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    try:
        if a.weights:
            model, trained = pretrained.load(a.weights_file), pretrained.INPUT_SIZE
            what = pretrained.TIMM_NAME
        else:
            (model, trained), what = from_checkpoint(a.checkpoint, ema=not a.no_ema), a.checkpoint
        size = a.image_size or trained or pretrained.INPUT_SIZE
        dataset = validation_folder(a.val_dir, size, a.crop)
        result = evaluate(model, dataset, a.batch_size, a.workers, a.device, progress=not a.no_progress)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{what} on {a.val_dir}: {result['images']} images, {len(dataset.classes)} classes, "
          f"single crop ({describe(size, a.crop)})")
    print(f"top-1 {result['top1']:.4f}  top-5 {result['top5']:.4f}")
    if a.per_class_csv:
        write_per_class(result, dataset.classes, a.per_class_csv)
        print(f"per-class figures in {a.per_class_csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
