"""Fig. 5 of the paper as data, read from the model: its blocks (stem, block2 ... block14, head), each
block's boxes (one per layer, batch norm aside), shortcut and traced shapes, parameters and multiply-adds.
``fig5.py`` draws it."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from .. import counting
from ..model import BlockSpec, Layer, Xception, XceptionConfig

FLOWS = ("entry", "middle", "exit")

# What notebook 08's two widgets (this one and nb08's size widget) offer.
MIDDLE_REPEAT_CHOICES = tuple(range(0, 17))
WIDTH_MULTIPLIERS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
ARCH_IMAGE_SIZES = (71, 128, 160, 224, 299, 331)


@dataclass(frozen=True)
class Box:
    """One layer of the figure: ``kind`` is 'conv', 'separable', 'relu', 'maxpool', 'gap', 'dropout' or
    'fc'; ``module`` the model's module it stands for; ``output`` the traced shape it produces (C, H, W)."""

    kind: str
    label: str
    module: str
    channels: int | None = None
    kernel: int | None = None
    stride: int = 1
    output: tuple[int, ...] = ()


@dataclass(frozen=True)
class DrawnBlock:
    """One block of Fig. 5: its main path ``boxes`` (in order), its ``shortcut`` ('conv': a 1x1 conv box in
    ``shortcut_box``; 'identity'; or None: no shortcut), a "+" join where there is a shortcut, the shapes
    (C, H, W) entering and leaving, and its parameters and multiply-adds per image (traced)."""

    name: str
    flow: str
    module: str
    boxes: tuple[Box, ...]
    shortcut: str | None
    shortcut_box: Box | None
    input: tuple[int, ...]
    output: tuple[int, ...]
    params: int
    macs: int

    @property
    def layers(self) -> tuple[Box, ...]:
        """Every box of the block, the shortcut conv last."""
        return self.boxes + ((self.shortcut_box,) if self.shortcut_box else ())

    def edges(self) -> list[tuple[str, str]]:
        """Arrows as (from, to) module names; 'in' is the block input and '+' its join."""
        chain = ["in", *(b.module for b in self.boxes)] + (["+"] if self.shortcut else [])
        out = list(zip(chain, chain[1:]))
        if self.shortcut == "conv":
            out += [("in", self.shortcut_box.module), (self.shortcut_box.module, "+")]
        elif self.shortcut == "identity":
            out.append(("in", "+"))
        return out


@dataclass(frozen=True)
class Fig5Drawing:
    config: XceptionConfig           # the model it was drawn from
    input: tuple[int, ...]           # (C, H, W) of the image
    blocks: tuple[DrawnBlock, ...]   # stem, block2 ..., block14, head

    def flow(self, name: str) -> list[DrawnBlock]:
        return [b for b in self.blocks if b.flow == name]

    @property
    def block_names(self) -> tuple[str, ...]:
        """What the block selector offers: stem, block2 ... block14 (the head is not a block of Fig. 5)."""
        return tuple(b.name for b in self.blocks if b.name != "head")

    def block(self, name: str) -> DrawnBlock:
        for b in self.blocks:
            if b.name == name:
                return b
        raise ValueError(f"block={name!r} is not a block of this Xception; valid: "
                         f"{tuple(b.name for b in self.blocks)}")


def _conv_label(c: int, k: int, s: int) -> str:
    return f"Conv {c}, {k}x{k}" + (f", stride={s}x{s}" if s > 1 else "")


def _label(layer: Layer) -> str:
    c, k, s = layer.channels, layer.kernel, layer.stride
    if layer.kind == "conv":
        return _conv_label(c, k, s)
    if layer.kind == "separable":
        return f"SeparableConv {c}, {k}x{k}"
    if layer.kind == "maxpool":
        return f"MaxPooling {k}x{k}, stride={s}x{s}"
    return "ReLU"


def _box(layer: Layer, path: str) -> tuple:
    """One drawn layer as (kind, label, module, channels, kernel, stride)."""
    return layer.kind, _label(layer), f"{path}.{layer.name}", layer.channels, layer.kernel, layer.stride


def _spec_boxes(spec: BlockSpec) -> list[tuple]:
    """The main path of one block, in the order of its layers in the block table (batch norm not drawn)."""
    return [_box(layer, spec.body) for layer in spec.layers if layer.kind != "bn"]


def fig5_drawing(middle_repeats: int = 8, width: float = 1.0, num_classes: int = 1000,
                 image_size: int = 299) -> Fig5Drawing:
    """Fig. 5 of ``Xception(middle_repeats=..., width=..., num_classes=...)`` at ``image_size`` px, as data.

    The model is built on PyTorch's meta device (layers and shapes, no weights) and traced once; an
    impossible configuration raises the model's own error (e.g. middle_repeats < 0, image_size < 71).
    """
    # one cache key per configuration, however the arguments were passed: a widget redraw is then free
    return _drawing(middle_repeats, width, num_classes, image_size)


@functools.lru_cache(maxsize=64)
def _drawing(middle_repeats, width, num_classes, image_size) -> Fig5Drawing:
    with torch.device("meta"):  # no memory for the weights: a 2x-wide model costs nothing
        model = Xception(num_classes=num_classes, middle_repeats=middle_repeats, width=width)
    rows = counting.trace(model, (1, model.config.in_channels, image_size, image_size))
    modules = dict(model.named_modules())

    def within(name):
        return [r for r in rows.values() if r.name.startswith(name + ".")]

    def drawn(name, flow, module, boxes, shortcut=None, shortcut_box=None):
        return DrawnBlock(name, flow, module, tuple(Box(*b, rows[b[2]].output) for b in boxes), shortcut,
                          shortcut_box and Box(*shortcut_box, rows[shortcut_box[2]].output),
                          rows[module].input, rows[module].output,
                          counting.count_params(modules[module]), counting.macs_of(within(module)))

    blocks = []
    specs = model.config.blocks()
    exit_names = {spec.name for spec in specs if spec.flow == "exit"}
    for spec in specs:
        sc_box = next((_box(layer, f"{spec.module}.shortcut") for layer in spec.shortcut_layers
                       if layer.kind == "conv"), None)
        # Past 8 repeats the middle flow's numbering reaches the exit flow's paper names (block13, block14),
        # which the model keeps: the middle block is then told apart by its flow.
        name = f"{spec.name} (middle)" if spec.flow == "middle" and spec.name in exit_names else spec.name
        blocks.append(drawn(name, spec.flow, spec.module, _spec_boxes(spec), spec.shortcut, sc_box))
    p = model.head.dropout.p
    blocks.append(drawn("head", "exit", "head", [
        ("gap", "GlobalAveragePooling", "head.pool", None, None, 1),
        ("dropout", f"Dropout {p:g}", "head.dropout", None, None, 1),
        ("fc", f"Fully-connected, {num_classes} classes", "head.fc", num_classes, None, 1)]))
    return Fig5Drawing(model.config, (model.config.in_channels, image_size, image_size), tuple(blocks))


def hwc(shape) -> str:
    """(C, H, W) written as the paper writes map sizes: HxWxC (a vector: its length)."""
    c, *hw = shape
    return "x".join(map(str, (*hw, c))) if hw else f"{c}-dimensional vector"
