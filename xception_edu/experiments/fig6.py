"""A miniature of Fig. 6 (Sec. 4.5): a small Xception (Fig. 5's residual blocks of separable convs) against a
small Inception-style net (Fig. 1's modules, no residual connections, as in Inception V3) at the same
parameter count, trained side by side on the same synthetic data, seeds and recipe (``operators.fit_small``).
Both start with the same regular 3x3 stem and keep the same stage widths (w, 2w, 4w at 16, 8, 4 px); the
Inception modules' 1x1 bottleneck widths are the one knob turned to match the parameters.

``python -m xception_edu.experiments.fig6 --seeds 6 --epochs 8 --train-size 1024`` prints a longer run as
JSON (notebook 09 shows a stored copy, ``lessons/fig6_miniature.py``, beside its live run: six seeds take
longer than the notebook's minute)."""
from __future__ import annotations

import argparse
import functools
import json
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

from .._validate import positive_int
from ..counting import count_params
from ..devices import cpu_threads
from ..model.blocks import BlockSpec
from ..model.config import XceptionConfig
from ..model.xception import Block
from ..ops import InceptionV3Module
from .operators import _rendered, fit_small

NETS = ("Xception", "Inception")
TOLERANCE = 0.02
"""The largest parameter gap allowed between the two nets, as a share of the Xception's count."""

# BN statistics that settle within a short run (Keras's 0.01 would still hold mostly the initial ones), and
# the same symmetric 3x3/2 max-pool as the Inception net's.
_BLOCK_CONFIG = XceptionConfig(bn_momentum=0.1, pool_padding="symmetric")


class MiniNet(nn.Module):
    """``features`` (ending at ``channels`` channels), global average pooling and a linear classifier."""

    def __init__(self, features: nn.Sequential, channels: int, classes: int):
        super().__init__()
        self.features, self.head = features, nn.Linear(channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def _stem(width: int) -> nn.Sequential:
    """The regular 3x3/2 conv -> BN -> ReLU both nets start with (Fig. 5's and Inception V3's stems are
    regular convs)."""
    return nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width),
                         nn.ReLU())


def mini_xception(width: int = 16, classes: int = 16) -> MiniNet:
    """Fig. 5 in miniature: the stem, two entry blocks (two separable convs and a max-pool beside a 1x1
    conv shortcut: w -> 2w -> 4w), one middle block (three separable convs beside the identity), a ReLU."""
    positive_int("width", width)
    w = width
    specs = [BlockSpec("entry", "block2", "residual", w, (2 * w, 2 * w), pool=True, leading_relu=False,
                       shortcut="conv"),
             BlockSpec("entry", "block3", "residual", 2 * w, (4 * w, 4 * w), pool=True, shortcut="conv"),
             BlockSpec("middle", "block4", "residual", 4 * w, (4 * w,) * 3, shortcut="identity")]
    layers = OrderedDict(stem=_stem(w), **{s.name: Block(s, _BLOCK_CONFIG) for s in specs}, relu=nn.ReLU())
    return MiniNet(nn.Sequential(layers), 4 * w, classes)


def _reduce(out_channels: int, bottleneck: float) -> tuple[int, int]:
    """The 1x1 widths (r2, r3) before a module's 3x3 towers: ``bottleneck`` x its tower width."""
    r = max(1, round(bottleneck * out_channels / 4))
    return r, r


def mini_inception(width: int = 16, bottleneck: float = 1.0, classes: int = 16) -> MiniNet:
    """Inception V3 in miniature: the stem, then three Fig. 1 modules (w -> 2w -> 4w -> 4w, four equal
    towers each) with a 3x3/2 max-pool after the first two; ``bottleneck`` sets the 1x1 widths before the
    3x3 towers (1.0: the tower's own width). No residual connections, as in Inception V3."""
    positive_int("width", width)
    if width % 2:
        raise ValueError(f"width={width} must be even: each module splits 2w and 4w channels into four "
                         "towers")
    if not bottleneck > 0:
        raise ValueError(f"bottleneck={bottleneck!r} must be a positive share of the tower width")
    w = width
    layers = OrderedDict(stem=_stem(w))
    for i, (cin, cout) in enumerate(((w, 2 * w), (2 * w, 4 * w), (4 * w, 4 * w)), 1):
        layers[f"mixed{i}"] = InceptionV3Module(cin, cout, reduce=_reduce(cout, bottleneck))
        if i < 3:
            layers[f"pool{i}"] = nn.MaxPool2d(3, stride=2, padding=1)
    return MiniNet(nn.Sequential(layers), 4 * w, classes)


@functools.lru_cache(maxsize=8)
def matched_bottleneck(width: int = 16, classes: int = 16) -> float:
    """The bottleneck share (in steps of 1/32, from 1/8 to 4) whose ``mini_inception`` has the parameter
    count closest to ``mini_xception``'s at this width; raises if even the closest is more than
    ``TOLERANCE`` away. The count grows with the share, so a bisection finds it."""
    def params(build, *args) -> int:
        with torch.device("meta"):  # shapes only: no memory, no initialisation
            return count_params(build(*args, classes=classes))

    target = params(mini_xception, width)
    gap = functools.cache(lambda b: abs(params(mini_inception, width, b / 32) - target))
    low, high = 4, 128
    while low < high:  # the first step whose net reaches the target (or the last step)
        mid = (low + high) // 2
        if params(mini_inception, width, mid / 32) < target:
            low = mid + 1
        else:
            high = mid
    best = min((b for b in (low - 1, low) if b >= 4), key=gap)
    if gap(best) > TOLERANCE * target:
        raise ValueError(f"width={width}: no bottleneck brings the Inception net within {TOLERANCE:.0%} of "
                         f"the Xception's {target:,} parameters (closest: {gap(best):,} away)")
    return best / 32


def matched_pair(width: int = 16, classes: int = 16) -> dict[str, nn.Module]:
    """The two nets of ``NETS`` at one parameter count (within ``TOLERANCE``), freshly initialised."""
    return {"Xception": mini_xception(width, classes),
            "Inception": mini_inception(width, matched_bottleneck(width, classes), classes)}


def fig6_runs(seeds=(0, 1), task: str = "mixed", n_train: int = 512, n_val: int = 256, image_size: int = 32,
              epochs: int = 4, batch_size: int = 32, width: int = 16, threads: int | None = 1) -> dict:
    """Train both nets of ``matched_pair`` on ``task`` (``data.synthetic``) for each seed: the same data,
    the same initial seed and the same recipe (``fit_small``: the 'cpu' recipe, no weight averaging).
    Returns {"settings", "params": {net: n}, "train_acc": {net: [per seed: accuracy during each epoch]},
    "val_acc": {net: [per seed: held-out accuracy at the end]}}."""
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. seeds=(0,)")
    if n_train < batch_size:
        raise ValueError(f"n_train={n_train} is smaller than one batch of {batch_size}")
    settings = dict(task=task, seeds=list(seeds), n_train=n_train, n_val=n_val, image_size=image_size,
                    epochs=epochs, batch_size=batch_size, width=width)
    params, curves, final = {}, {n: [] for n in NETS}, {n: [] for n in NETS}
    with cpu_threads(threads or None):
        for seed in seeds:
            train = _rendered(n_train, image_size, task, seed, "train")
            val = _rendered(n_val, image_size, task, seed, "val")
            for name in NETS:
                torch.manual_seed(seed)  # the same initial seed for both nets
                model = matched_pair(width, len(train.classes))[name]
                params[name] = count_params(model)
                trainer = fit_small(model, train, epochs, batch_size, seed)
                curves[name].append([round(r["train_acc"], 4) for r in trainer.history])
                final[name].append(round(trainer.evaluate(val)[1], 4))
    return {"settings": settings, "params": params, "train_acc": curves, "val_acc": final}


def seed_band(curves) -> dict[str, np.ndarray]:
    """Per epoch, over seeds: the lowest, the mean and the highest value (``curves``: one list per seed)."""
    a = np.asarray(curves, dtype=float)
    if a.ndim != 2 or not a.size:
        raise ValueError(f"curves must be one equal-length list per seed, got shape {a.shape}")
    return {"min": a.min(axis=0), "mean": a.mean(axis=0), "max": a.max(axis=0)}


def main(argv=None) -> dict:
    """``python -m xception_edu.experiments.fig6``: run ``fig6_runs`` and print its JSON."""
    p = argparse.ArgumentParser(prog="python -m xception_edu.experiments.fig6",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=6, help="seeds 0..N-1")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--train-size", type=int, default=1024)
    args = p.parse_args(argv)
    for name in ("seeds", "epochs", "train_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    result = fig6_runs(seeds=range(args.seeds), epochs=args.epochs, n_train=args.train_size)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
