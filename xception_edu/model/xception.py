"""Xception, the network of Fig. 5 (Sec. 3), layer by layer as in the author's Keras reference.

    stem         Conv 3x3/2 32 -> Conv 3x3 64 (valid padding), each + BN + ReLU                  149, 147 px
    entry_flow   block2..block4: two SeparableConv + BN, max-pool 3x3/2, 1x1/2 conv shortcut   74, 37, 19
    middle_flow  block5..block12 (``middle_repeats``=8): three ReLU-SeparableConv-BN, identity     19
    exit_flow    block13 (728 -> 1024, max-pool, conv shortcut), block14: SeparableConv 1536, 2048   10
    head         global average pool -> dropout (0.5, the paper's ImageNet setting) -> Linear(2048, classes)

With 1000 classes: 22,855,952 parameters (Table 3) and about 8.36 G multiply-adds at 299x299.
Fig. 5's "entry flow" starts at the input, so the paper's entry flow is ``stem`` + ``entry_flow`` here.

Fig. 5 is written down once, as data: ``fig5_blocks`` lists its blocks (like timm's block configs), and
the model, its closed-form counts (``anatomy.xception_counts``) and its drawing all read that list.
Every convolution has no bias and is followed by BN; every separable conv is ``ops.SeparableConv2d``.
``Xception.from_timm`` converts timm's ``legacy_xception`` weights (the Keras weights, ported).
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._validate import ACTIVATIONS, divisors, positive_int
from ..ops import SeparableConv2d
from .timm_port import timm_to_ours

MIN_SIZE = 71
"""Smallest input side Keras accepts: the last map is then 3x3, so block14's 3x3 convs still see a full
neighbourhood (71 -> 35 -> 33 -> 17 -> 9 -> 5 -> 3; 70 px would end at 2x2)."""


POOL_PADDINGS = ("tf_same", "symmetric")


PAPER_WIDTHS = (32, 64, 128, 256, 728, 1024, 1536, 2048)
"""Fig. 5's channel counts: stem 32, 64; entry flow 128, 256, 728; exit flow 1024, 1536, 2048."""


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a scaled channel count to the nearest multiple of ``divisor`` (at least ``divisor``),
    never more than 10% below ``value``: MobileNet's rule, also timm's. Fig. 5's widths are all
    multiples of 8, so width 1.0 gives exactly the paper's model."""
    v = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return v + divisor if v < 0.9 * value else v


@dataclass(frozen=True)
class BlockSpec:
    """One block of Fig. 5, as data.

    kind  'stem': two regular 3x3 convs, valid padding, the first with stride 2 (each + BN + ReLU);
          'residual': ReLU -> SeparableConv -> BN units, a 3x3/2 max-pool if ``pool``, and a shortcut
          (a 1x1 conv + BN where the shape changes, the identity otherwise);
          'tail': block14, SeparableConv -> BN -> ReLU units and no shortcut.
    """

    flow: str                 # 'entry', 'middle' or 'exit' (Fig. 5's three parts; the stem is 'entry')
    name: str                 # Keras's layer name: stem, block2 ... block14
    kind: str
    in_channels: int
    widths: tuple[int, ...]   # output channels of each conv of the block, in order
    pool: bool = False
    leading_relu: bool = True  # False for block2: the stem has just applied its ReLU

    @property
    def out_channels(self) -> int:
        return self.widths[-1]


def fig5_blocks(width: float = 1.0, middle_repeats: int = 8, channel_divisor: int = 8,
                in_channels: int = 3) -> list[BlockSpec]:
    """Fig. 5 as a list of blocks: the stem, entry blocks 2-4, ``middle_repeats`` middle blocks (Keras's
    5..12 for 8), exit blocks 13 and 14. Channel counts are ``make_divisible(c * width)`` of the paper's."""
    c32, c64, c128, c256, c728, c1024, c1536, c2048 = (make_divisible(c * width, channel_divisor)
                                                       for c in PAPER_WIDTHS)
    return [
        # entry flow
        BlockSpec("entry", "stem", "stem", in_channels, (c32, c64)),
        BlockSpec("entry", "block2", "residual", c64, (c128, c128), pool=True, leading_relu=False),
        BlockSpec("entry", "block3", "residual", c128, (c256, c256), pool=True),
        BlockSpec("entry", "block4", "residual", c256, (c728, c728), pool=True),
        # middle flow: Keras numbers the blocks 5..12; the exit blocks keep 13 and 14 whatever the repeats
        *(BlockSpec("middle", f"block{5 + i}", "residual", c728, (c728,) * 3) for i in range(middle_repeats)),
        # exit flow
        BlockSpec("exit", "block13", "residual", c728, (c728, c1024), pool=True),
        BlockSpec("exit", "block14", "tail", c1024, (c1536, c2048)),
    ]


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


def _max_pool(pool_padding: str) -> nn.Module:
    if pool_padding == "tf_same":
        return MaxPool2dTFSame(3, 2)
    # Cadene's and timm's port: same shapes, windows shifted on even maps
    return nn.MaxPool2d(3, 2, padding=1)


class Block(nn.Module):
    """One block of Fig. 5: a residual branch of ReLU -> SeparableConv 3x3 -> BN units, optionally
    ended by a 3x3/2 max-pool, plus a shortcut added to it.

    The shortcut is a 1x1 conv (stride 2 when the block pools) + BN where the shape changes, the identity
    otherwise (middle flow); ``residual=False`` drops it (Fig. 9). It reads the block input BEFORE the
    leading ReLU, so that ReLU must not work in place. No ReLU follows the add: the next block starts
    with one. ``leading_relu=False`` for block2, whose input has just been through the stem's ReLU.

    Children are named after Keras's layers: ``act{i}`` is the ReLU before ``sepconv{i}`` and ``bn{i}``.
    """

    def __init__(self, in_channels: int, widths: tuple[int, ...], pool: bool = False,
                 leading_relu: bool = True, residual: bool = True, pool_padding: str = "tf_same",
                 bn: dict | None = None, **sep_kwargs):
        super().__init__()
        bn = bn or {}
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        c = in_channels
        for i, out in enumerate(widths, start=1):
            if i > 1 or leading_relu:
                # The first ReLU reads the block input that the shortcut still needs: not in place.
                layers[f"act{i}"] = nn.ReLU(inplace=i > 1)
            layers[f"sepconv{i}"] = SeparableConv2d(c, out, 3, **sep_kwargs)
            layers[f"bn{i}"] = nn.BatchNorm2d(out, **bn)
            c = out
        if pool:
            layers["pool"] = _max_pool(pool_padding)
        self.body = nn.Sequential(layers)
        self.in_channels, self.out_channels, self.residual = in_channels, c, residual
        if not residual:
            self.shortcut = None
        elif pool or c != in_channels:
            self.shortcut = nn.Sequential(OrderedDict(
                conv=nn.Conv2d(in_channels, c, 1, stride=2 if pool else 1, bias=False),
                bn=nn.BatchNorm2d(c, **bn),
            ))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return out


def _stem(spec: BlockSpec, bn: dict) -> nn.Sequential:
    # Fig. 5, entry flow, first two convs: "valid" padding, so 299 -> 149 -> 147.
    c32, c64 = spec.widths
    return nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(spec.in_channels, c32, 3, stride=2, bias=False),
        bn1=nn.BatchNorm2d(c32, **bn),
        act1=nn.ReLU(inplace=True),
        conv2=nn.Conv2d(c32, c64, 3, bias=False),
        bn2=nn.BatchNorm2d(c64, **bn),
        act2=nn.ReLU(inplace=True),
    ))


def _tail(spec: BlockSpec, bn: dict, sep: dict) -> nn.Sequential:
    # block14: no shortcut; the two last separable convs are followed by ReLU, not by an add.
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    c = spec.in_channels
    for i, out in enumerate(spec.widths, start=1):
        layers[f"sepconv{i}"] = SeparableConv2d(c, out, 3, **sep)
        layers[f"bn{i}"] = nn.BatchNorm2d(out, **bn)
        layers[f"act{i}"] = nn.ReLU(inplace=True)
        c = out
    return nn.Sequential(layers)


class Xception(nn.Module):
    """Xception (Chollet, CVPR 2017, Fig. 5): ``stem``, ``entry_flow``, ``middle_flow``, ``exit_flow``,
    ``head``.

    Defaults give the paper's model as in the author's Keras code; the options are the paper's experiments
    and what a learner needs to run them on a CPU:

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
    bn_eps, bn_momentum  Keras's BN defaults (epsilon 1e-3, momentum 0.99 = PyTorch momentum 0.01).
    pool_padding    'tf_same' (default): Keras/TF "same" max-pooling, what the author's reference computes.
                    'symmetric': ``MaxPool2d(3, 2, padding=1)`` as in Cadene's/timm's port; needed to
                    reproduce timm's ``legacy_xception`` (its weights were trained in Keras, so 'tf_same' is
                    the faithful choice for anything trained here).
    channel_divisor channel counts stay multiples of this when ``width`` != 1.

    Input: any size of at least 71x71 (checked in ``forward``).
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, middle_repeats: int = 8,
                 width: float = 1.0, residual: bool = True, mid_activation: str | None = None,
                 spatial_groups: int | None = None, dropout: float = 0.5, bn_eps: float = 1e-3,
                 bn_momentum: float | None = 0.01, pool_padding: str = "tf_same", channel_divisor: int = 8):
        super().__init__()
        positive_int("num_classes", num_classes)
        positive_int("in_channels", in_channels)
        positive_int("channel_divisor", channel_divisor)
        if isinstance(middle_repeats, bool) or not isinstance(middle_repeats, int) or middle_repeats < 0:
            raise ValueError(f"middle_repeats must be an integer >= 0 (the paper: 8), got {middle_repeats!r}")
        if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width < math.inf:
            raise ValueError(f"width must be a positive number (1.0: the paper's channel counts), "
                             f"got {width!r}")
        if mid_activation not in ACTIVATIONS:
            raise ValueError(f"mid_activation={mid_activation!r} is not one of None, 'relu', 'elu' (Fig. 10)")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1) (the paper: 0.5), got {dropout!r}")
        if not isinstance(bn_eps, (int, float)) or not bn_eps > 0:
            raise ValueError(f"bn_eps must be a positive number (Keras: 1e-3, PyTorch: 1e-5), got {bn_eps!r}")
        if bn_momentum is not None and (not isinstance(bn_momentum, (int, float))
                                        or not 0 <= bn_momentum <= 1):
            raise ValueError(f"bn_momentum must be in [0, 1] or None (Keras's 0.99 is PyTorch's 0.01), "
                             f"got {bn_momentum!r}")
        if pool_padding not in POOL_PADDINGS:
            raise ValueError(f"pool_padding={pool_padding!r} is not 'tf_same' (Keras) or 'symmetric' (timm)")

        blocks = fig5_blocks(width, middle_repeats, channel_divisor, in_channels)
        if spatial_groups is not None:
            # Every separable conv filters its input channels: these are all of them.
            inputs = sorted({c for b in blocks if b.kind != "stem" for c in (b.in_channels, *b.widths[:-1])})
            common = sorted(set.intersection(*(set(divisors(c)) for c in inputs)))
            if isinstance(spatial_groups, bool) or spatial_groups not in common:
                raise ValueError(f"spatial_groups={spatial_groups!r} must divide every separable conv's "
                                 f"input channels {inputs}: valid values are {common} (None: depthwise)")
        self.num_classes, self.in_channels, self.middle_repeats = num_classes, in_channels, middle_repeats
        self.width, self.residual, self.mid_activation = width, residual, mid_activation
        self.spatial_groups, self.pool_padding = spatial_groups, pool_padding
        self.block_table = blocks  # Fig. 5 as data: what anatomy and the drawing read
        # What this model is, as plain data: checkpoints record it, and resume compares it.
        self.config = dict(num_classes=num_classes, in_channels=in_channels, middle_repeats=middle_repeats,
                           width=width, residual=residual, mid_activation=mid_activation,
                           spatial_groups=spatial_groups, dropout=dropout, bn_eps=bn_eps,
                           bn_momentum=bn_momentum, pool_padding=pool_padding,
                           channel_divisor=channel_divisor)
        self.num_features = blocks[-1].out_channels

        bn = dict(eps=bn_eps, momentum=bn_momentum)
        sep = dict(mid_activation=mid_activation, spatial_groups=spatial_groups)
        blk = dict(residual=residual, pool_padding=pool_padding, bn=bn, **sep)

        def build(spec: BlockSpec) -> nn.Module:
            if spec.kind == "stem":
                return _stem(spec, bn)
            if spec.kind == "tail":
                return _tail(spec, bn, sep)
            return Block(spec.in_channels, spec.widths, pool=spec.pool, leading_relu=spec.leading_relu, **blk)

        self.stem = build(blocks[0])
        for flow in ("entry", "middle", "exit"):
            setattr(self, f"{flow}_flow", nn.Sequential(OrderedDict(
                (b.name, build(b)) for b in blocks if b.flow == flow and b.kind != "stem")))
        self.head = nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(1),
            dropout=nn.Dropout(dropout),
            fc=nn.Linear(self.num_features, num_classes),
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
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Xception expects a batch of shape (N, {self.in_channels}, H, W), "
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
        positive_int("num_classes", num_classes)
        old = self.head.fc
        self.head.fc = nn.Linear(self.num_features, num_classes, device=old.weight.device,
                                 dtype=old.weight.dtype)
        nn.init.xavier_uniform_(self.head.fc.weight)
        nn.init.zeros_(self.head.fc.bias)
        self.num_classes = self.config["num_classes"] = num_classes

    @classmethod
    def from_timm(cls, source, **overrides) -> Xception:
        """Our Xception holding the weights of timm's ``legacy_xception`` (a model or its state dict).

        The result computes what timm's model computes: symmetric max-pool padding, PyTorch's BN defaults
        (eps 1e-5, momentum 0.1), and timm's head dropout (its ``drop_rate``, 0 by default; 0 for a state
        dict). ``num_classes`` and ``in_channels`` are read off the weights. Any constructor argument can
        be overridden, e.g. ``dropout=0.5`` to fine-tune with the paper's dropout.
        """
        state = source.state_dict() if isinstance(source, nn.Module) else source
        kwargs = dict(num_classes=state["fc.weight"].shape[0], in_channels=state["conv1.weight"].shape[1],
                      pool_padding="symmetric", bn_eps=1e-5, bn_momentum=0.1,
                      dropout=float(getattr(source, "drop_rate", 0.0)))
        kwargs.update(overrides)
        model = cls(**kwargs)
        model.load_state_dict(timm_to_ours(state, middle_repeats=model.middle_repeats))
        return model
