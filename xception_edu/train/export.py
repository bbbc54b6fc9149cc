"""Export Xception (Fig. 5) to ONNX for inference elsewhere: the eval-mode model through torch's exporter
(``torch.onnx.export``, dynamo), a dynamic batch dimension, then checked in onnxruntime against PyTorch's
logits. TF-"same" max-pooling (``MaxPool2dTFSame``) exports as an explicit Pad (-inf) then MaxPool; its
pads are fixed by the image size the model is exported at, so the ONNX file takes that size only.

    python -m xception_edu.train.export --checkpoint runs/a/last.pt --out xception.onnx
    python -m xception_edu.train.export --weights imagenet --out legacy_xception.onnx

Needs ``onnx``, ``onnxscript`` and, for the check, ``onnxruntime``: pip install onnx onnxscript onnxruntime.
"""
from __future__ import annotations

import argparse
import copy
import pathlib
import sys

import torch

from ..model import pretrained
from .evaluate import from_checkpoint

INPUT, OUTPUT = "images", "logits"
TOLERANCE = 1e-4
"""Largest accepted difference between onnxruntime's and PyTorch's logits, relative to the largest logit."""


def _need(module: str):
    try:
        return __import__(module)
    except ImportError as e:
        raise ImportError(f"exporting to ONNX needs {module}: pip install onnx onnxscript onnxruntime") from e


def to_onnx(model: torch.nn.Module, path, image_size: int) -> pathlib.Path:
    """Write ``model`` in eval mode (dropout off, BN running statistics) as ONNX to ``path``: input
    ``images`` (batch, channels, image_size, image_size), any batch; output ``logits`` (batch, classes)."""
    _need("onnx"), _need("onnxscript")
    model = copy.deepcopy(model).cpu().eval()  # the caller's model keeps its mode and device
    channels = model.config.in_channels if hasattr(model, "config") else 3
    example = torch.randn(2, channels, image_size, image_size)  # 2: a batch of 1 would be fixed as 1
    path = pathlib.Path(path)
    batch = torch.export.Dim("batch", min=1)
    program = torch.onnx.export(model, (example,), dynamo=True, verbose=False, input_names=[INPUT],
                                output_names=[OUTPUT], dynamic_shapes=({0: batch},))
    program.save(str(path))
    return path


@torch.no_grad()
def check(model: torch.nn.Module, path, image_size: int, batch_sizes=(1, 4),
          seed: int = 0) -> dict[int, float]:
    """For each batch size, the largest |onnxruntime - PyTorch| logit difference relative to the largest
    |logit|, on random images; raises ``ValueError`` if one exceeds ``TOLERANCE``."""
    ort = _need("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model = copy.deepcopy(model).cpu().eval()
    channels = model.config.in_channels if hasattr(model, "config") else 3
    g = torch.Generator().manual_seed(seed)
    errors = {}
    for b in batch_sizes:
        x = torch.randn(b, channels, image_size, image_size, generator=g)
        ours = model(x)
        theirs = torch.from_numpy(session.run([OUTPUT], {INPUT: x.numpy()})[0])
        if theirs.shape != ours.shape:
            raise ValueError(f"onnxruntime gave logits of shape {tuple(theirs.shape)} for batch {b}, "
                             f"PyTorch {tuple(ours.shape)}")
        errors[b] = float((theirs - ours).abs().max() / ours.abs().max().clamp_min(1e-12))
    bad = {b: e for b, e in errors.items() if e > TOLERANCE}
    if bad:
        raise ValueError(f"{path}: onnxruntime differs from PyTorch by {bad} (relative; limit {TOLERANCE:g})")
    return errors


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xception_edu.train.export",
                                description="Export Xception to ONNX and check it in onnxruntime.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="a trainer checkpoint (last.pt); its weight average is exported")
    src.add_argument("--weights", choices=["imagenet"], help="timm's ImageNet weights, local file or cache")
    p.add_argument("--weights-file", default=None, help="the ImageNet weights file (default: the caches)")
    p.add_argument("--no-ema", action="store_true", help="a checkpoint's raw weights, not their average")
    p.add_argument("--image-size", type=int, default=None,
                   help="input side (default: 299 for --weights, a checkpoint's training size)")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    a = p.parse_args(argv)
    try:
        if a.weights:
            model, trained = pretrained.load(a.weights_file), pretrained.INPUT_SIZE
        else:
            model, trained = from_checkpoint(a.checkpoint, ema=not a.no_ema)
        size = a.image_size or trained or pretrained.INPUT_SIZE
        path = to_onnx(model, a.out, size)
        errors = check(model, path, size)
    except (FileNotFoundError, ValueError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    shown = ", ".join(f"batch {b}: {e:.1e}" for b, e in errors.items())
    print(f"wrote {path} ({size} px input, dynamic batch); onnxruntime vs PyTorch, relative: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
