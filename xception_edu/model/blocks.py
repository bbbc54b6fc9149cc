"""Fig. 5 as data: its blocks, the layers of each in order, and each block's shortcut.

``fig5_blocks`` lists the blocks (like timm's block configs); a ``BlockSpec`` says everything about one:
its ``layers`` in the order the model builds them and its ``shortcut``. The model (``Xception``), its
closed-form counts (``anatomy.xception_counts``) and its drawing (``lessons.fig5``) all read this table,
so Fig. 5's rules (where a ReLU goes, when a shortcut needs a 1x1 conv) are written here only.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

MIN_SIZE = 71
"""Smallest input side Keras accepts: the last map is then 3x3, so block14's 3x3 convs still see a full
neighbourhood (71 -> 35 -> 33 -> 17 -> 9 -> 5 -> 3; 70 px would end at 2x2)."""

PAPER_WIDTHS = (32, 64, 128, 256, 728, 1024, 1536, 2048)
"""Fig. 5's channel counts: stem 32, 64; entry flow 128, 256, 728; exit flow 1024, 1536, 2048."""


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a scaled channel count to the nearest multiple of ``divisor`` (at least ``divisor``),
    never more than 10% below ``value``: MobileNet's rule, also timm's. Fig. 5's widths are all
    multiples of 8, so width 1.0 gives exactly the paper's model."""
    v = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return v + divisor if v < 0.9 * value else v


@dataclass(frozen=True)
class Layer:
    """One layer of a block, named as in Keras's reference.

    kind  'conv': a regular conv, valid padding, no bias; 'separable': ``ops.SeparableConv2d``, same
          padding; 'bn': batch norm; 'relu'; 'maxpool': 3x3/2, same padding.
    """

    kind: str
    name: str                       # the module's name in its block: conv1, act1, sepconv1, bn1, pool ...
    in_channels: int | None = None  # conv and separable only
    channels: int | None = None     # output channels of a conv, separable or bn
    kernel: int | None = None
    stride: int = 1


@dataclass(frozen=True)
class BlockSpec:
    """One block of Fig. 5, as data.

    kind  'stem': two regular 3x3 convs, valid padding, the first with stride 2 (each + BN + ReLU);
          'residual': ReLU -> SeparableConv -> BN units, a 3x3/2 max-pool if ``pool``, and a shortcut;
          'tail': block14, SeparableConv -> BN -> ReLU units and no shortcut.
    shortcut  'conv' (a 1x1 conv + BN, stride 2 if the block pools), 'identity' or None (no shortcut, no
              add: a stem, the tail, or any block of a model without residual connections, Fig. 9).
    """

    flow: str                 # 'entry', 'middle' or 'exit' (Fig. 5's three parts; the stem is 'entry')
    name: str                 # Keras's layer name: stem, block2 ... block14
    kind: str
    in_channels: int
    widths: tuple[int, ...]   # output channels of each conv of the block, in order
    pool: bool = False
    leading_relu: bool = True  # False for block2: the stem has just applied its ReLU
    shortcut: str | None = None

    @property
    def out_channels(self) -> int:
        return self.widths[-1]

    @property
    def module(self) -> str:
        """Its module in ``Xception``: ``stem``, ``entry_flow.block2`` ... ``exit_flow.block14``."""
        return "stem" if self.kind == "stem" else f"{self.flow}_flow.{self.name}"

    @property
    def body(self) -> str:
        """The module that holds ``layers``: a residual block keeps them in ``body``, beside ``shortcut``."""
        return f"{self.module}.body" if self.kind == "residual" else self.module

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The main path in order. The batch norm after every conv is listed; the add is not."""
        out, c = [], self.in_channels
        for i, w in enumerate(self.widths, start=1):
            relu = Layer("relu", f"act{i}")
            if self.kind == "stem":  # Conv -> BN -> ReLU, the first conv with stride 2
                conv = Layer("conv", f"conv{i}", c, w, 3, 2 if i == 1 else 1)
            else:
                conv = Layer("separable", f"sepconv{i}", c, w, 3)
            bn = Layer("bn", f"bn{i}", channels=w)
            if self.kind == "residual":  # ReLU -> SeparableConv -> BN; block2 starts without the ReLU
                out += ([relu] if i > 1 or self.leading_relu else []) + [conv, bn]
            else:  # stem and tail: Conv -> BN -> ReLU
                out += [conv, bn, relu]
            c = w
        if self.pool:
            out.append(Layer("maxpool", "pool", kernel=3, stride=2))
        return tuple(out)

    @property
    def shortcut_layers(self) -> tuple[Layer, ...]:
        """The 1x1 conv and its BN of a 'conv' shortcut (named ``conv`` and ``bn``); () otherwise."""
        if self.shortcut != "conv":
            return ()
        c = self.out_channels
        return (Layer("conv", "conv", self.in_channels, c, 1, 2 if self.pool else 1),
                Layer("bn", "bn", channels=c))


def _shortcut(block: BlockSpec, residual: bool) -> str | None:
    # A conv where the shape changes (the pool halves the map, or the channels change), else the identity.
    if block.kind != "residual" or not residual:
        return None
    return "conv" if block.pool or block.out_channels != block.in_channels else "identity"


def fig5_blocks(width: float = 1.0, middle_repeats: int = 8, channel_divisor: int = 8,
                in_channels: int = 3, residual: bool = True) -> list[BlockSpec]:
    """Fig. 5 as a list of blocks: the stem, entry blocks 2-4, ``middle_repeats`` middle blocks (Keras's
    5..12 for 8), exit blocks 13 and 14. Channel counts are ``make_divisible(c * width)`` of the paper's;
    ``residual=False`` gives every block ``shortcut=None`` (Fig. 9). Unchecked: ``XceptionConfig`` checks."""
    c32, c64, c128, c256, c728, c1024, c1536, c2048 = (make_divisible(c * width, channel_divisor)
                                                       for c in PAPER_WIDTHS)
    blocks = [
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
    return [dataclasses.replace(b, shortcut=_shortcut(b, residual)) for b in blocks]
