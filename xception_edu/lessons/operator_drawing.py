"""Figs 1-4 and the depthwise separable conv of Sec. 1.2 drawn from the package's modules themselves, in
``block_drawing``'s one grammar: towers, segments, channels, kernel sizes and channel counts are read off
the module (its convs and their ``groups``), so a drawing cannot disagree with what the module computes.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn as nn

from .. import counting
from ..ops import InceptionV3Module, SeparableConv2d, SimplifiedInception, SpectrumConv
from .block_drawing import FONT_PT, describe_stages, draw_stages, drawn_width
from .figures import Described, described

__all__ = ["Drawing", "operator_drawing", "operator_figure", "towers"]


def towers(module: nn.Module) -> list[dict]:
    """The towers of an Inception module (Fig. 1 ``InceptionV3Module`` or Fig. 2
    ``SimplifiedInception``) as data: for each tower, its steps from input to concatenation as
    ``(kind, label)`` with kind in {'1x1', 'kxk', 'pool'}, its trainable parameters and its output
    channels. BN and ReLU after each conv are part of the step, as in the paper's figures."""
    branches = list(module.branches) if hasattr(module, "branches") else \
        [module.tower1, module.tower2, module.tower3, module.tower4]
    result = []
    for i, branch in enumerate(branches, 1):
        steps, out = [], None
        for m in branch.modules():
            if isinstance(m, nn.Conv2d):
                k = m.kernel_size[0]
                steps.append(("1x1" if k == 1 else "kxk", f"{k}x{k} conv, {m.out_channels}"))
                out = m.out_channels
            elif isinstance(m, nn.AvgPool2d):
                steps.append(("pool", f"{m.kernel_size}x{m.kernel_size} avg-pool"))
        result.append({"name": f"tower {i}", "steps": steps,
                       "params": sum(p.numel() for p in branch.parameters()), "out_channels": out})
    return result


@dataclass(frozen=True)
class Drawing:
    """What ``block_drawing`` draws for one module: its stages, end boxes, captions, and what a column is."""

    stages: list
    top: str
    bottom: str
    captions: list | None = None
    column: str = "column"


def _after(act: nn.Module) -> str:
    """The non-linearity that follows a step, named in its box (Sec. 1.2's second difference)."""
    return "" if isinstance(act, nn.Identity) else f", {type(act).__name__}"


def _spatial_stage(conv: nn.Conv2d, act: nn.Module) -> tuple[list, str]:
    """A kxk conv in ``groups`` groups as columns: one per group, each naming the channels it filters."""
    k, g, c = conv.kernel_size[0], conv.groups, conv.out_channels
    if g == 1:
        return [[("kxk", f"{k}x{k} conv, {conv.in_channels}→{c}{_after(act)}")]], "column"
    w = c // g
    name = "channel" if w == 1 else "segment"
    cols = [[("kxk", (f"{k}x{k} conv, channel {i}" if w == 1 else f"{k}x{k} conv, channels {i * w}-"
                      f"{(i + 1) * w - 1}") + _after(act))] for i in range(g)]
    return cols, name


def _pointwise_stage(conv: nn.Conv2d, act: nn.Module) -> list:
    return [[("1x1", f"1x1 conv, {conv.in_channels}→{conv.out_channels}{_after(act)}")]]


def operator_drawing(module: nn.Module) -> Drawing:
    """The drawing of a Fig. 1/2 module (towers), a Fig. 3/4 module (``SpectrumConv``: a 1x1 conv, then a
    kxk conv on g segments) or a ``SeparableConv2d`` (depthwise, then pointwise, or Fig. 4's order)."""
    if not isinstance(module, (InceptionV3Module, SimplifiedInception, SpectrumConv, SeparableConv2d)):
        raise TypeError(f"no drawing for a {type(module).__name__}: want an Inception module (Figs 1-2), a "
                        "SpectrumConv (Figs 3-4) or a SeparableConv2d")
    cin, cout = module.in_channels, module.out_channels
    top = f"input ({cin} channels)"
    if isinstance(module, (InceptionV3Module, SimplifiedInception)):
        ts = towers(module)
        return Drawing([[t["steps"] for t in ts]], top, f"concatenate ({cout} channels)",
                       [f"{t['name']}\n{t['params']:,} params" for t in ts], "tower")
    if isinstance(module, SpectrumConv):
        spatial, name = _spatial_stage(module.spatial, module.act)
        stages = [_pointwise_stage(module.pointwise, module.mid_act), spatial]
    else:
        first = module.order == "depthwise_first"
        spatial, name = _spatial_stage(module.depthwise, module.mid_act if first else nn.Identity())
        pointwise = _pointwise_stage(module.pointwise, nn.Identity() if first else module.mid_act)
        stages = [spatial, pointwise] if first else [pointwise, spatial]
    ends_parallel = len(stages[-1]) > 1
    return Drawing(stages, top, f"{'concatenate' if ends_parallel else 'output'} ({cout} channels)",
                   column=name)


def _params_text(module: nn.Module) -> str:
    """The module's parameter count, saying what it includes: Fig. 1 counts its BN scale and shift."""
    total = counting.count_params(module)
    bn = sum(p.numel() for m in module.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters())
    return f"{total:,} parameters" + (f" ({bn:,} of them batch norm's scale and shift)" if bn else "")


def operator_figure(module: nn.Module, title: str = "") -> Described:
    """``module`` drawn in ``block_drawing``'s grammar (purple: 1x1 conv, across channels; orange: kxk
    conv, in space; each box labelled), with its text alternative computed from the same drawing and the
    module's parameter count."""
    import matplotlib.pyplot as plt

    d = operator_drawing(module)
    columns = drawn_width(d.stages)
    rows = sum(max(len(c) for c in s) + 1 for s in d.stages) + 1
    height = 0.85 * rows + (0.9 if d.captions else 0.5)
    fig, ax = plt.subplots(figsize=(max(4.8, 1.3 * columns + 0.4), height), dpi=80)
    draw_stages(ax, d.stages, d.top, d.bottom, captions=d.captions)
    params = _params_text(module)
    ax.set_title(f"{title}\n{params}" if title else params, fontsize=FONT_PT + 1)
    fig.tight_layout()
    words = describe_stages(d.stages, d.top, d.bottom, d.captions, d.column)
    return described(fig, f"{title + ': ' if title else ''}{words}. {params}.")
