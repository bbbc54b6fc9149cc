"""One small network for the suite's experiments, built from any operator of Sec. 1.2's continuum at one
parameter budget: a regular conv, an Inception-style module (1x1, then 3x3 on g channel segments), or a
depthwise separable conv (with or without an activation between its two steps, as Fig. 10 asks)."""
from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn as nn

from .._validate import ACTIVATIONS, positive_int
from ..counting import count_params
from ..ops import SeparableConv2d, StandardConv

KINDS = ("regular", "inception", "separable")


KIND_NAMES = {
    "regular": "regular conv (space and channels jointly)",
    "inception": "Inception-style (1x1, then 3x3 on g channel segments)",
    "separable": "depthwise separable (3x3 per channel, then 1x1)",
}


BUDGET = 24_000          # parameters of each small net (the regular one at width 16 has 23,956)


DEFAULT_GROUPS = 4       # channel segments of the Inception-style net: a few, as in Fig. 3


def _inception_op(cin: int, cout: int, groups: int, stride: int) -> nn.Sequential:
    """Fig. 3's reformulated Inception module with a stride: a 1x1 conv, ReLU, then a 3x3 conv on
    ``groups`` non-overlapping channel segments (``SpectrumConv`` with a stride)."""
    return nn.Sequential(OrderedDict(
        pointwise=nn.Conv2d(cin, cout, 1, bias=False), relu=nn.ReLU(),
        spatial=nn.Conv2d(cout, cout, 3, stride=stride, padding=1, groups=groups, bias=False)))


def _op(kind: str, cin: int, cout: int, groups: int, stride: int, mid_activation: str | None) -> nn.Module:
    if kind == "regular":
        return StandardConv(cin, cout, 3, stride=stride)
    if kind == "inception":
        return _inception_op(cin, cout, groups, stride)
    return SeparableConv2d(cin, cout, 3, stride=stride, mid_activation=mid_activation)


def _check_kind(kind) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not one of {KINDS}")


class SmallNet(nn.Module):
    """Three stages of one operator ``kind`` (Sec. 1.2's continuum: 'regular', 'inception' with
    ``groups`` channel segments, or 'separable'), each op -> BN -> ReLU, widths (w, 2w, 4w); the first op
    has stride 2 and max-pools follow the first two stages (32 px -> 16 -> 8 -> 4), then global average
    pooling and a linear classifier. The same operator everywhere, the first layer included, so that the
    network cannot map channels and space jointly where ``kind`` says it should not.

    ``mid_activation`` ('separable' only): None (Xception), 'relu' or 'elu' between depthwise and
    pointwise (Fig. 10)."""

    def __init__(self, kind: str, width: int, groups: int = DEFAULT_GROUPS, classes: int = 4,
                 mid_activation: str | None = None):
        super().__init__()
        _check_kind(kind)
        if mid_activation not in ACTIVATIONS:
            raise ValueError(f"mid_activation={mid_activation!r} is not one of {ACTIVATIONS}")
        if mid_activation not in (None, "none") and kind != "separable":
            raise ValueError(f"mid_activation={mid_activation!r} sits between a separable conv's two steps: "
                             f"it needs kind='separable', not {kind!r}")
        positive_int("width", width)
        positive_int("classes", classes)
        widths = (width, 2 * width, 4 * width)
        if kind == "inception":
            positive_int("groups", groups)
            if width % groups:
                raise ValueError(f"width={width} is not a multiple of groups={groups}: "
                                 "the Inception-style op "
                                 f"splits every stage's channels {widths} into {groups} segments")
        self.kind, self.width, self.groups = kind, width, groups if kind == "inception" else None
        layers, cin = OrderedDict(), 3
        for i, c in enumerate(widths, 1):
            layers[f"stage{i}"] = nn.Sequential(OrderedDict(
                op=_op(kind, cin, c, groups, 2 if i == 1 else 1, mid_activation), bn=nn.BatchNorm2d(c),
                relu=nn.ReLU()))
            if i < 3:
                layers[f"pool{i}"] = nn.MaxPool2d(2)
            cin = c
        self.features = nn.Sequential(layers)
        self.head = nn.Linear(cin, classes)
        self.map_layers = [f"features.stage{i}" for i in (1, 2, 3)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def small_net(kind: str, budget: int = BUDGET, groups: int = DEFAULT_GROUPS, classes: int = 4,
              mid_activation: str | None = None) -> SmallNet:
    """A ``SmallNet`` of this ``kind`` whose width is chosen so that its parameter count is as close to
    ``budget`` as the width allows (a multiple of ``groups`` for 'inception'): separable convs are
    cheaper per channel (k*k*C_in + C_in*C_out vs k*k*C_in*C_out, Sec. 1.2), so they get more channels
    for the same parameters. At the default budget all three are within 10% of it."""
    _check_kind(kind)
    positive_int("budget", budget)
    step = groups if kind == "inception" else 1
    best, best_gap, w = None, math.inf, step
    while True:
        with torch.device("meta"):  # shapes only: no memory, no initialisation
            n = count_params(SmallNet(kind, w, groups, classes))
        if abs(n - budget) < best_gap:
            best, best_gap = w, abs(n - budget)
        if n > budget:
            break
        w += step
    return SmallNet(kind, best, groups, classes, mid_activation)
