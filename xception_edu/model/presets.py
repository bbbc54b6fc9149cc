"""Named Xception configurations that the notebooks and ``python -m xception_edu.train`` share.

    paper   Fig. 5 as published: 22,855,952 parameters with 1000 classes, 299x299 inputs, ~8.36 G mult-adds.
    small   the same architecture for a laptop CPU: every kind of block (stem, three entry blocks with
            conv shortcuts and max-pools, identity-shortcut middle blocks, block13 and block14, the head),
            a quarter of the channels, 2 middle blocks, 80x80 inputs: ~23 M mult-adds per image.

    model = presets.model("small", num_classes=10)     # an Xception
    config = presets.config("small", num_classes=10)   # its XceptionConfig
    size = presets.image_size("small")
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .config import XceptionConfig
from .xception import Xception


@dataclass(frozen=True)
class Preset:
    name: str
    image_size: int
    model: XceptionConfig = field(default_factory=XceptionConfig)
    description: str = ""


PRESETS: dict[str, Preset] = {
    "paper": Preset("paper", 299, XceptionConfig(), "Fig. 5 as published (Keras reference), 299x299"),
    "small": Preset(
        "small", 80,
        # 80 px: the exit flow still ends on a 3x3 map (80 -> 39 -> 37 -> 19 -> 10 -> 5 -> 3), and the even
        # 10x10 map before block4's pool keeps TF-"same" pooling visible. BN momentum 0.1 (PyTorch's)
        # instead of Keras's 0.01: a CPU run lasts a few hundred steps, and the running statistics used for
        # evaluation must keep up with weights that change that fast.
        XceptionConfig(width=0.25, middle_repeats=2, bn_momentum=0.1),
        "CPU-sized: width 0.25, 2 middle blocks, 80x80",
    ),
}


def get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None


def image_size(name: str) -> int:
    """The input side (pixels) the preset is meant for; any size >= 71 works."""
    return get(name).image_size


def config(name: str = "small", **overrides) -> XceptionConfig:
    """The preset's ``XceptionConfig`` with ``overrides`` in place of its fields (None is a value too,
    e.g. ``bn_momentum=None``: give only the options you mean to change)."""
    return get(name).model.replace(**overrides)


def model(name: str = "small", **overrides) -> Xception:
    """An ``Xception`` of ``config(name, **overrides)``."""
    return Xception(config(name, **overrides))
