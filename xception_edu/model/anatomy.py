"""Xception dissected (Fig. 5, Table 3): where its parameters and multiply-adds are, flow by flow and by
kind of layer, the shapes on the way, and what regular convs in place of the separable ones would cost.

    flow_counts(model, 299)       rows stem, entry, middle, exit, classifier, total: params, MACs, output
    flow_table(model, 299)        the same as a printable table
    feature_maps(model, 299)      the shape after every stem conv and every block
    breakdown(model, 299)         depthwise / pointwise / regular convs / batch norm / classifier
    regular_equivalent(model)     the model against one with a regular conv in place of each separable conv
    xception_counts(8, 1.0, 299)  per-flow counts in closed form from Fig. 5's block table (no model built)
    flow_summary(model, 299)      torchinfo's summary, one row per flow (``depth=2``: per block)

Measured counts read one traced forward pass (``counting.trace``), so they hold for any configuration.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch.nn as nn

from .. import counting
from ..counting import Counts, count_params
from ..ops import SeparableConv2d
from .blocks import MIN_SIZE, Layer
from .config import XceptionConfig


@dataclass(frozen=True)
class FlowRow:
    """One part of the network: its trainable parameters, multiply-adds per image and output shape
    (C, H, W)."""

    name: str
    params: int
    macs: int
    output: tuple[int, ...]


def _size(image_size) -> tuple[int, int]:
    return (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)


def _trace(model: nn.Module, image_size) -> OrderedDict[str, counting.Traced]:
    channels = getattr(getattr(model, "config", None), "in_channels", 3)  # any network with RGB input too
    return counting.trace(model, (1, channels, *_size(image_size)))


def _within(rows, prefix: str) -> list[counting.Traced]:
    return [r for r in rows.values() if r.name == prefix or r.name.startswith(prefix + ".")]


def flow_counts(model: nn.Module, image_size=299) -> list[FlowRow]:
    """Parameters, multiply-adds per image and output shape of each flow of an ``Xception``, then the total.

    Fig. 5's "entry flow" is ``stem`` + ``entry`` (1,106,760 parameters in the paper's model).
    """
    rows = _trace(model, image_size)
    names = {id(m): n for n, m in model.named_modules()}
    out = []
    for label, flow in model.flows.items():
        name = names[id(flow)]
        output = rows[name].output if name in rows else ()
        out.append(FlowRow(label, count_params(flow), counting.macs_of(_within(rows, name)), output))
    out.append(FlowRow("total", sum(r.params for r in out), sum(r.macs for r in out), out[-1].output))
    return out


def flow_table(model: nn.Module, image_size=299) -> str:
    """``flow_counts`` as a table to print."""
    h, w = _size(image_size)
    lines = [f"Xception at {h}x{w}: parameters and multiply-adds per image",
             f"{'part':12s} {'parameters':>12s} {'mult-adds':>10s}  output"]
    for r in flow_counts(model, image_size):
        out = "x".join(map(str, r.output))
        lines.append(f"{r.name:12s} {r.params:12,d} {r.macs / 1e9:9.3f}G  {out}")
    return "\n".join(lines)


def feature_maps(model: nn.Module, image_size=299) -> OrderedDict[str, tuple[int, ...]]:
    """Output shape (C, H, W) after each stem conv, each block, and the exit flow's last conv (Fig. 5)."""
    rows = _trace(model, image_size)
    taps = ["stem.conv1", "stem"] + [f"{flow}.{block}" for flow in ("entry_flow", "middle_flow", "exit_flow")
                                     for block, _ in getattr(model, flow).named_children()]
    return OrderedDict((name, rows[name].output) for name in taps)


def flow_summary(model: nn.Module, image_size=299, batch_size: int = 1, depth: int = 1, **kwargs):
    """torchinfo's summary of an ``Xception``: ``depth=1`` one row per flow, 2 per block, 3 per layer.

    torchinfo's "Mult-Adds" add BN's 2 per channel to the conv/linear ones (8.36 G at 299 px in all).
    """
    from torchinfo import summary

    h, w = _size(image_size)
    kwargs.setdefault("col_names", ("output_size", "num_params", "mult_adds"))
    kwargs.setdefault("row_settings", ("var_names",))
    kwargs.setdefault("verbose", 0)
    return summary(model, input_size=(batch_size, model.config.in_channels, h, w), depth=depth, **kwargs)


# --- separable convs vs regular convs in their place (Sec. 3, Fig. 5) --------------------------------------

@dataclass(frozen=True)
class SeparableLayer:
    """One ``SeparableConv2d`` of a network, with what a regular conv in its place would cost."""

    name: str
    cin: int
    cout: int
    k: int
    out_hw: tuple[int, int]
    separable: Counts  # k*k*Cin + Cin*Cout weights
    regular: Counts  # k*k*Cin*Cout weights


def _separable_rows(model: nn.Module, rows) -> list[SeparableLayer]:
    out = []
    for r in rows.values():
        m = r.module
        if isinstance(m, SeparableConv2d):
            (_, *in_hw), (_, *out_hw) = r.input, r.output
            out.append(SeparableLayer(r.name, m.in_channels, m.out_channels, m.kernel_size, tuple(out_hw),
                                      m.counts(*in_hw),
                                      counting.standard(m.in_channels, m.out_channels, m.kernel_size,
                                                        out_hw)))
    return out


def separable_layers(model: nn.Module, image_size=299) -> list[SeparableLayer]:
    """Every ``SeparableConv2d`` of ``model`` with its counts as it is and as a regular k x k conv from Cin
    to Cout (same stride) would have them, at the map sizes of one traced forward pass."""
    return _separable_rows(model, _trace(model, image_size))


def regular_equivalent(model: nn.Module, image_size=299) -> dict[str, Counts]:
    """The whole model (``actual``) against a hypothetical one with a regular conv in place of every
    separable conv (``regular``): everything else (stem, shortcuts, BN, classifier) is unchanged.

    Returns ``{'actual', 'regular', 'separable_layers', 'regular_layers'}``; MACs per image, counted as
    ``counting.measure`` does (every conv and linear weight once per output position, plus biases).
    """
    rows = _trace(model, image_size)
    layers = _separable_rows(model, rows)
    actual = Counts(count_params(model), counting.macs_of(rows.values()))
    sep = sum((r.separable for r in layers), counting.ZERO)
    reg = sum((r.regular for r in layers), counting.ZERO)
    return {"actual": actual,
            "regular": Counts(actual.params - sep.params + reg.params, actual.macs - sep.macs + reg.macs),
            "separable_layers": sep, "regular_layers": reg}


# --- where Xception's parameters go (Fig. 5) -------------------------------------------------------------

KINDS = ("depthwise", "pointwise", "regular convs", "batch norm", "classifier")


def _kinds(model: nn.Module) -> dict[str, str]:
    """Module name -> kind, for every layer that holds parameters."""
    kinds = {}
    for name, m in model.named_modules():
        if isinstance(m, SeparableConv2d):
            kinds[f"{name}.depthwise"], kinds[f"{name}.pointwise"] = "depthwise", "pointwise"
        elif isinstance(m, nn.Linear):
            kinds[name] = "classifier"
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            kinds[name] = "batch norm"
        elif isinstance(m, nn.Conv2d):
            kinds.setdefault(name, "regular convs")
    return kinds


def breakdown(model: nn.Module, image_size=299) -> OrderedDict[str, Counts]:
    """Parameters and multiply-adds per image of ``model`` by kind of layer: the separable convs' depthwise
    and pointwise steps, the regular convs (Xception: the two stem convs and the 1x1 shortcut convs),
    batch norm (scale and shift; no multiply-adds counted) and the classifier. The kinds sum to the total."""
    rows = _trace(model, image_size)
    modules = dict(model.named_modules())
    totals = OrderedDict((k, [0, 0]) for k in KINDS)
    for name, kind in _kinds(model).items():
        totals[kind][0] += sum(p.numel() for p in modules[name].parameters(recurse=False) if p.requires_grad)
        totals[kind][1] += rows[name].macs if name in rows else 0
    return OrderedDict((k, Counts(*v)) for k, v in totals.items())


# --- Fig. 5 in closed form, for the architecture widget --------------------------------------------------

def _layer_counts(layer: Layer, n: int) -> tuple[Counts, int]:
    """One row of the block table on an n x n map: its counts and the side of the map it leaves."""
    if layer.kind == "conv":  # valid padding
        n = (n - layer.kernel) // layer.stride + 1
        return counting.conv(layer.in_channels, layer.channels, layer.kernel, (n, n)), n
    if layer.kind == "separable":  # same padding, stride 1
        return counting.separable(layer.in_channels, layer.channels, layer.kernel, (n, n)), n
    if layer.kind == "bn":
        return counting.batchnorm(layer.channels), n
    if layer.kind == "maxpool":  # 'same' padding: the map shrinks by the stride, rounding up
        return counting.ZERO, -(-n // layer.stride)
    return counting.ZERO, n  # ReLU


def _path_counts(layers, n: int) -> tuple[Counts, int]:
    total = counting.ZERO
    for layer in layers:
        counts, n = _layer_counts(layer, n)
        total += counts
    return total, n


def xception_counts(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299,
                    num_classes: int = 1000) -> OrderedDict[str, Counts]:
    """Parameters and multiply-adds per image of ``Xception(middle_repeats=..., width=...)``, per flow
    (stem, entry, middle, exit, classifier, total), in closed form from Fig. 5's block table
    (``XceptionConfig.blocks``: each block's layers and shortcut): no model is built, so a widget can
    call it on every change."""
    if image_size < MIN_SIZE:
        raise ValueError(f"image_size={image_size} is below Xception's minimum of {MIN_SIZE} px")
    blocks = XceptionConfig(num_classes=num_classes, middle_repeats=middle_repeats, width=width).blocks()
    parts = OrderedDict((k, counting.ZERO) for k in ("stem", "entry", "middle", "exit"))
    n = image_size
    for b in blocks:
        main, out = _path_counts(b.layers, n)
        shortcut, _ = _path_counts(b.shortcut_layers, n)
        parts["stem" if b.kind == "stem" else b.flow] += main + shortcut
        n = out
    parts["classifier"] = counting.linear(blocks[-1].out_channels, num_classes)
    parts["total"] = sum(parts.values(), counting.ZERO)
    return parts
