"""Xception, the network of Fig. 5 (Sec. 3), layer by layer as in the author's Keras reference.

    stem         Conv 3x3/2 32 -> Conv 3x3 64 (valid padding), each + BN + ReLU                  149, 147 px
    entry_flow   block2..block4: two SeparableConv + BN, max-pool 3x3/2, 1x1/2 conv shortcut   74, 37, 19
    middle_flow  block5..block12 (``middle_repeats``=8): three ReLU-SeparableConv-BN, identity     19
    exit_flow    block13 (728 -> 1024, max-pool, conv shortcut), block14: SeparableConv 1536, 2048   10
    head         global average pool -> dropout (0.5, the paper's ImageNet setting) -> Linear(2048, classes)

With 1000 classes: 22,855,952 parameters (Table 3) and about 8.36 G multiply-adds at 299x299.
Fig. 5's "entry flow" starts at the input, so the paper's entry flow is ``stem`` + ``entry_flow`` here.

Fig. 5 is written down once, as data (``blocks.fig5_blocks``): each block's layers in order and its
shortcut; the model builds exactly that table, and its closed-form counts (``anatomy.xception_counts``)
and its drawing read the same table. Its options live in ``config.XceptionConfig``.
Every convolution has no bias and is followed by BN; every separable conv is ``ops.SeparableConv2d``.
``Xception.from_timm`` converts timm's ``legacy_xception`` weights (the Keras weights, ported).
"""
from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..ops import SeparableConv2d
from .blocks import MIN_SIZE, BlockSpec, Layer
from .config import XceptionConfig
from .timm_port import timm_to_ours


class MaxPool2dTFSame(nn.Module):
    """Max-pool with TensorFlow/Keras "same" padding, as the reference Xception uses.

    TF pads ``total = (ceil(n/s) - 1)*s + k - n`` pixels, the smaller half BEFORE. On an odd map (147)
    that is 1 and 1, like ``MaxPool2d(3, 2, padding=1)``; on an even one (74 at 299 px) it is 0 before and
    1 after, so every window sits one pixel right of the symmetric one. The padding is computed from the
    map actually seen, so any input size works, and it is -inf so that it never wins the max.
    """

    def __init__(self, kernel_size: int = 3, stride: int = 2):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def _pads(self, n: int) -> tuple[int, int]:
        k, s = self.kernel_size, self.stride
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total // 2, total - total // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (top, bottom), (left, right) = self._pads(x.shape[-2]), self._pads(x.shape[-1])
        x = F.pad(x, (left, right, top, bottom), value=-math.inf)
        return F.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding='tf_same'"


def _layer(layer: Layer, config: XceptionConfig, first: bool) -> nn.Module:
    """The module for one row of the block table."""
    if layer.kind == "conv":
        return nn.Conv2d(layer.in_channels, layer.channels, layer.kernel, stride=layer.stride, bias=False)
    if layer.kind == "separable":
        return SeparableConv2d(layer.in_channels, layer.channels, layer.kernel,
                               mid_activation=config.mid_activation, spatial_groups=config.spatial_groups)
    if layer.kind == "bn":
        return nn.BatchNorm2d(layer.channels, eps=config.bn_eps, momentum=config.bn_momentum)
    if layer.kind == "relu":
        # A block's first ReLU reads the block input, which its shortcut still needs: not in place.
        return nn.ReLU(inplace=not first)
    if config.pool_padding == "tf_same":
        return MaxPool2dTFSame(layer.kernel, layer.stride)
    # Cadene's and timm's port: same shapes, windows shifted on even maps
    return nn.MaxPool2d(layer.kernel, layer.stride, padding=layer.kernel // 2)


def _sequential(layers: tuple[Layer, ...], config: XceptionConfig) -> nn.Sequential:
    return nn.Sequential(OrderedDict((x.name, _layer(x, config, i == 0)) for i, x in enumerate(layers)))


class Block(nn.Module):
    """One residual block of Fig. 5 (``spec.kind == 'residual'``): a ``body`` of ReLU -> SeparableConv
    3x3 -> BN units, optionally ended by a 3x3/2 max-pool, plus a ``shortcut`` added to it.

    The shortcut is what ``spec.shortcut`` says: a 1x1 conv (stride 2 when the block pools) + BN, the
    identity, or None (Fig. 9's model: no add). It reads the block input BEFORE the leading ReLU, so that
    ReLU does not work in place. No ReLU follows the add: the next block starts with one.

    Children are named after Keras's layers: ``act{i}`` is the ReLU before ``sepconv{i}`` and ``bn{i}``.
    ``config`` gives the layers' options (BN, separable conv, pool padding); its block table is not read.
    """

    def __init__(self, spec: BlockSpec, config: XceptionConfig | None = None):
        super().__init__()
        config = config or XceptionConfig()
        self.body = _sequential(spec.layers, config)
        self.in_channels, self.out_channels = spec.in_channels, spec.out_channels
        if spec.shortcut == "conv":
            self.shortcut = _sequential(spec.shortcut_layers, config)
        else:
            self.shortcut = nn.Identity() if spec.shortcut == "identity" else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return out


def _build(spec: BlockSpec, config: XceptionConfig) -> nn.Module:
    # The stem and block14 have no shortcut: their layers are the module itself.
    return Block(spec, config) if spec.kind == "residual" else _sequential(spec.layers, config)


class Xception(nn.Module):
    """Xception (Chollet, CVPR 2017, Fig. 5): ``stem``, ``entry_flow``, ``middle_flow``, ``exit_flow``,
    ``head``, built from an ``XceptionConfig`` (its docstring explains every option).

    ``Xception()`` is the paper's model; ``Xception(num_classes=10, width=0.25)`` takes the options as
    keywords; ``Xception(config, dropout=0.2)`` changes some fields of ``config``. ``model.config`` is the
    configuration it was built from. Input: any size of at least 71x71 (checked in ``forward``).
    """

    def __init__(self, config: XceptionConfig | None = None, **overrides):
        super().__init__()
        if config is not None and not isinstance(config, XceptionConfig):
            raise ValueError(f"config must be an XceptionConfig, got {config!r}; give options by name, "
                             f"e.g. Xception(num_classes=10)")
        config = config or XceptionConfig()
        self.config = config.replace(**overrides) if overrides else config
        blocks = self.config.blocks()
        self.num_features = blocks[-1].out_channels
        self.stem = _build(blocks[0], self.config)
        for flow in ("entry", "middle", "exit"):
            setattr(self, f"{flow}_flow", nn.Sequential(OrderedDict(
                (b.name, _build(b, self.config)) for b in blocks if b.flow == flow and b.kind != "stem")))
        self.head = nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(1),
            dropout=nn.Dropout(self.config.dropout),
            fc=nn.Linear(self.num_features, self.config.num_classes),
        ))
        self._init_weights()

    def _init_weights(self) -> None:
        # Keras's defaults: Glorot-uniform kernels, zero biases, BN scale 1 and shift 0. PyTorch's
        # fan_in + fan_out of a (C, 1, k, k) depthwise kernel equals Keras's for its (k, k, C, 1) one.
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def check_input(self, x: torch.Tensor) -> None:
        """A clear error for inputs the architecture does not take (shape only: no data is read)."""
        c = self.config.in_channels
        if x.dim() != 4 or x.shape[1] != c:
            raise ValueError(f"Xception expects a batch of shape (N, {c}, H, W), "
                             f"got {tuple(x.shape)}")
        h, w = x.shape[-2:]
        if h < MIN_SIZE or w < MIN_SIZE:
            raise ValueError(f"input of {h}x{w} px is too small: "
                             f"Xception needs at least {MIN_SIZE}x{MIN_SIZE} px "
                             f"(the paper's size is 299x299)")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The 2048-channel map of the exit flow, before pooling (10x10 at 299 px)."""
        self.check_input(x)
        return self.exit_flow(self.middle_flow(self.entry_flow(self.stem(x))))

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """Global average pool, dropout and the classifier; ``pre_logits``: stop before the classifier."""
        return self.head[:-1](x) if pre_logits else self.head(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    @property
    def flows(self) -> OrderedDict[str, nn.Module]:
        """The parts of Fig. 5 in order: stem, entry, middle, exit, classifier (the head)."""
        return OrderedDict(stem=self.stem, entry=self.entry_flow, middle=self.middle_flow,
                           exit=self.exit_flow, classifier=self.head)

    def reset_classifier(self, num_classes: int) -> None:
        """A fresh Linear(num_features, num_classes), e.g. to fine-tune on another dataset."""
        config = dataclasses.replace(self.config, num_classes=num_classes)  # checks num_classes first
        old = self.head.fc
        self.head.fc = nn.Linear(self.num_features, num_classes, device=old.weight.device,
                                 dtype=old.weight.dtype)
        nn.init.xavier_uniform_(self.head.fc.weight)
        nn.init.zeros_(self.head.fc.bias)
        self.config = config

    @classmethod
    def from_timm(cls, source, **overrides) -> Xception:
        """Our Xception holding the weights of timm's ``legacy_xception`` (a model or its state dict).

        The result computes what timm's model computes: symmetric max-pool padding, PyTorch's BN defaults
        (eps 1e-5, momentum 0.1), and timm's head dropout (its ``drop_rate``, 0 by default; 0 for a state
        dict). ``num_classes`` and ``in_channels`` are read off the weights. Any ``XceptionConfig`` field can
        be overridden, e.g. ``dropout=0.5`` to fine-tune with the paper's dropout.
        """
        state = source.state_dict() if isinstance(source, nn.Module) else source
        kwargs = dict(num_classes=state["fc.weight"].shape[0], in_channels=state["conv1.weight"].shape[1],
                      pool_padding="symmetric", bn_eps=1e-5, bn_momentum=0.1,
                      dropout=float(getattr(source, "drop_rate", 0.0)))
        kwargs.update(overrides)
        model = cls(**kwargs)
        model.load_state_dict(timm_to_ours(state, middle_repeats=model.config.middle_repeats))
        return model
