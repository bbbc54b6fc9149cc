"""What an Xception is, as one frozen dataclass (like nanoGPT's ``GPTConfig``): its options, their
defaults and their checks, written once. ``Xception(config)`` builds it; checkpoints record it."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from .._validate import (
    ACTIVATIONS,
    boolean,
    choice,
    common_divisors,
    finite_number,
    is_int,
    non_negative_int,
    positive_int,
)
from .blocks import BlockSpec, fig5_blocks

POOL_PADDINGS = ("tf_same", "symmetric")


@dataclass(frozen=True)
class XceptionConfig:
    """Xception's options (Chollet, CVPR 2017, Fig. 5). The defaults give the paper's model as in the
    author's Keras code; the options are the paper's experiments and what a learner needs to run them on
    a CPU.

    num_classes     classifier outputs (1000: ImageNet; 22,855,952 parameters, Table 3).
    in_channels     input image channels.
    middle_repeats  middle-flow blocks (Fig. 5: 8). 0 is allowed: the entry flow then feeds the exit flow
                    directly (both speak 728 channels), the shallowest model with the same entry and exit.
    width           multiplier on every channel count, rounded by
                    ``make_divisible(c * width, channel_divisor)``; 1.0 is the paper's model exactly.
    residual        False removes every shortcut conv + BN and every add (Fig. 9).
    mid_activation  between depthwise and pointwise in every separable conv: None (Xception), 'relu' or
                    'elu' (Fig. 10).
    spatial_groups  the separable convs' spatial stage in this many groups instead of depthwise (None);
                    must divide every separable conv's input channels.
    dropout         before the classifier; 0.5 as in the paper's ImageNet training.
    bn_eps, bn_momentum  Keras's BN defaults (epsilon 1e-3, momentum 0.99 = PyTorch momentum 0.01; None:
                    PyTorch's cumulative average).
    pool_padding    'tf_same' (default): Keras/TF "same" max-pooling, what the author's reference computes.
                    'symmetric': ``MaxPool2d(3, 2, padding=1)`` as in Cadene's/timm's port; needed to
                    reproduce timm's ``legacy_xception`` (its weights were trained in Keras, so 'tf_same' is
                    the faithful choice for anything trained here).
    channel_divisor channel counts stay multiples of this when ``width`` != 1.
    """

    num_classes: int = 1000
    in_channels: int = 3
    middle_repeats: int = 8
    width: float = 1.0
    residual: bool = True
    mid_activation: str | None = None
    spatial_groups: int | None = None
    dropout: float = 0.5
    bn_eps: float = 1e-3
    bn_momentum: float | None = 0.01
    pool_padding: str = "tf_same"
    channel_divisor: int = 8

    def __post_init__(self):
        positive_int("num_classes", self.num_classes)
        positive_int("in_channels", self.in_channels)
        non_negative_int("middle_repeats", self.middle_repeats, " (the paper: 8)")
        finite_number("width", self.width, 0, math.inf, open_low=True, open_high=True,
                      note=" (1.0: the paper's channel counts)")
        boolean("residual", self.residual, " (False: Fig. 9's model without shortcuts)")
        choice("mid_activation", self.mid_activation, ACTIVATIONS, " (Fig. 10)")
        finite_number("dropout", self.dropout, 0, 1, open_high=True, note=" (the paper: 0.5)")
        finite_number("bn_eps", self.bn_eps, 0, math.inf, open_low=True, open_high=True,
                      note=" (Keras: 1e-3, PyTorch: 1e-5)")
        if self.bn_momentum is not None:
            finite_number("bn_momentum", self.bn_momentum, 0, 1,
                          note=" or None (Keras's 0.99 is PyTorch's 0.01)")
        choice("pool_padding", self.pool_padding, POOL_PADDINGS, " ('tf_same': Keras, 'symmetric': timm)")
        positive_int("channel_divisor", self.channel_divisor)
        if self.spatial_groups is not None:
            self._check_spatial_groups()

    def _check_spatial_groups(self) -> None:
        inputs = sorted({layer.in_channels for b in self.blocks() for layer in b.layers
                         if layer.kind == "separable"})
        common = common_divisors(*inputs)
        g = self.spatial_groups
        if not is_int(g) or g not in common:
            raise ValueError(f"spatial_groups={g!r} must divide every separable conv's input channels "
                             f"{inputs}: valid values are {common} (None: depthwise)")

    def blocks(self) -> list[BlockSpec]:
        """Fig. 5's block table for this configuration (``blocks.fig5_blocks``): what the model builds,
        its closed-form counts and its drawing read."""
        return fig5_blocks(self.width, self.middle_repeats, self.channel_divisor, self.in_channels,
                           self.residual)

    def replace(self, **overrides) -> XceptionConfig:
        """This configuration with some fields changed (checked again); an unknown name is a ValueError."""
        unknown = sorted(set(overrides) - FIELDS)
        if unknown:
            raise ValueError(f"{unknown} are not Xception options; choose from {sorted(FIELDS)}")
        return dataclasses.replace(self, **overrides)


FIELDS = frozenset(f.name for f in dataclasses.fields(XceptionConfig))
