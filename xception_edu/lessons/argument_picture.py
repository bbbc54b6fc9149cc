"""Notebook 11's argument of Figs 1-5 in one picture (Sec. 1.1-1.2, Sec. 3): each step's operator read
off the package's own module by ``operator_drawing`` and drawn by ``block_drawing``, as in notebooks 02-05,
with its parameter count, its text alternative and the picture in words as a table (``figures.described``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn as nn

from .. import counting
from ..model import Xception
from ..ops import (
    ExtremeInception,
    InceptionV3Module,
    ReformulatedInception,
    SeparableConv2d,
    SimplifiedInception,
    StandardConv,
)
from .block_drawing import FONT_PT, describe_stages, draw_stages, drawn_width
from .figures import Described, described
from .operator_drawing import Drawing, operator_drawing

__all__ = ["Panel", "Step", "argument_described", "argument_figure", "argument_panels", "argument_steps",
           "argument_words"]


# --- the argument of Figs 1-5 in one picture --------------------------------------------------------------

PANEL_COLUMNS = 4
"""Fig. 1's four towers all drawn; a panel of more columns shows its first two, an ellipsis and its last."""


@dataclass(frozen=True)
class Step:
    """One step of the argument: the figure, its one-line claim, its parameters at the example size."""

    figure: str
    claim: str
    params: int


def _operators(c: int) -> list[nn.Module]:
    """Figs 1-4 and the separable conv of Sec. 1.2, each from ``c`` to ``c`` channels with 3x3 kernels."""
    return [InceptionV3Module(c, c), SimplifiedInception(c, c, towers=3),
            ReformulatedInception(c, c, towers=3), ExtremeInception(c, c), SeparableConv2d(c, c)]


def argument_steps(channels: int = 192) -> list[Step]:
    """Sec. 1.1 -> Sec. 3 step by step, every operator from ``channels`` to ``channels`` channels with 3x3
    kernels (192: divisible by Fig. 1's 4 towers and Fig. 2's 3), all five counted alike: their conv
    weights only (Fig. 1's module also carries BN, which Figs 2-4 and the separable conv do not); the last
    step is the whole network of Fig. 5 (1000 classes, every parameter), counted on the meta device."""
    with torch.device("meta"):
        ops = _operators(channels)
        network = counting.count_params(Xception(num_classes=1000))
    claims = [
        ("Fig. 1", "Inception V3 module: 1x1 convs look at channels, then 3x3s at space, in 4 towers"),
        ("Fig. 2", "simplified: 3 towers of 1x1 -> 3x3, no pooling tower"),
        ("Fig. 3", "the same function: ONE big 1x1, then 3x3 convs on 3 channel segments"),
        ("Fig. 4", "extreme: one 3x3 per channel after the 1x1 (g = C)"),
        ("Sec. 1.2", "depthwise separable: 3x3 per channel, THEN 1x1, no ReLU between"),
        ("Fig. 5", "Xception: separable convs with residuals, entry / middle (x8) / exit flow"),
    ]
    params = [sum(counting.count_params(conv) for conv in m.modules() if isinstance(conv, nn.Conv2d))
              for m in ops] + [network]
    return [Step(f, claim, p) for (f, claim), p in zip(claims, params)]


def _flow_steps(network: nn.Module) -> list[tuple[str, str]]:
    """Fig. 5 as its flows, each with the separable convs it holds, counted from the model."""
    def separables(m):
        return sum(isinstance(s, SeparableConv2d) for s in m.modules())

    convs = sum(isinstance(m, nn.Conv2d) for m in network.stem.modules())
    return [("kxk", f"stem: {convs} 3x3 convs"),
            ("flow", f"entry flow: {separables(network.entry_flow)} separable convs"),
            ("flow", f"middle flow: {len(network.middle_flow)} x {separables(network.middle_flow[0])} "
                     "separable convs"),
            ("flow", f"exit flow: {separables(network.exit_flow)} separable convs"),
            ("pool", "global avg-pool, FC")]


def _network_drawing(network: nn.Module) -> Drawing:
    """Fig. 5 in the same grammar: one column of its flows, from the image to the class scores."""
    return Drawing([[_flow_steps(network)]], "image (3 x 299 x 299)", "1000 class scores", column="flow")


@dataclass(frozen=True)
class Panel:
    """One panel of the argument figure: its step and what ``block_drawing`` draws for its operator."""

    step: Step
    drawing: Drawing


def argument_panels(channels: int = 192) -> list[Panel]:
    """The six steps of ``argument_steps`` as drawings, each read off the module itself: Figs 1-4 and the
    separable conv by ``operator_drawing`` (the drawings of notebooks 02-05), Fig. 5 by its flows."""
    with torch.device("meta"):
        ops = _operators(channels)
        network = Xception(num_classes=1000)
    # no tower captions: a tower's own count includes Fig. 1's BN, which the panel's count leaves out
    drawings = [replace(operator_drawing(m), captions=None) for m in ops] + [_network_drawing(network)]
    return [Panel(s, d) for s, d in zip(argument_steps(channels), drawings)]


def _regular_params(channels: int) -> int:
    return counting.count_params(StandardConv(channels, channels, 3))


def argument_figure(channels: int = 192):
    """The chain Fig. 1 -> 2 -> 3 -> 4 -> separable conv -> Fig. 5 as six drawings of the operators in
    notebooks 02-05's grammar (``block_drawing``: purple 1x1, orange 3x3, one column per tower, segment or
    channel, each box labelled), each with its claim and its parameter count; a regular 3x3 conv at the same
    size is the yardstick in the title. Two rows, Fig. 1 to its exact rewriting (Fig. 3) above one segment
    per channel (Fig. 4) to Xception, so that Fig. 4 and the separable conv stand side by side, with an
    arrow from the first row to the second; a column is about as wide as in ``operator_drawing``'s figures."""
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.patches import ConnectionPatch
    from matplotlib.transforms import blended_transform_factory

    panels = argument_panels(channels)
    # a single column gets room to wrap its labels less; Fig. 5's five flows get the most
    ratios = [max(drawn_width(p.drawing.stages, PANEL_COLUMNS),
                  1.5 + 0.15 * max(len(col) for stage in p.drawing.stages for col in stage)) for p in panels]
    rows = [(0, 3), (3, len(panels))]
    fig = plt.figure(figsize=(1.45 * max(sum(ratios[a:b]) for a, b in rows), 11.6), dpi=80)
    axes = []
    for sub, (a, b) in zip(fig.subfigures(len(rows), 1), rows):
        axes += list(sub.subplots(1, b - a, gridspec_kw={"width_ratios": ratios[a:b]}))
        sub.subplots_adjust(left=0.01, right=0.99, top=0.80, bottom=0.09, wspace=0.12)
    for ax, p, r in zip(axes, panels, ratios):
        d = p.drawing
        draw_stages(ax, d.stages, d.top, d.bottom, wrap=int(14 * r / drawn_width(d.stages, PANEL_COLUMNS)),
                    max_columns=PANEL_COLUMNS)
        ax.set_title(f"{p.step.figure}\n{textwrap.fill(p.step.claim, int(15 * r))}", fontsize=FONT_PT,
                     loc="center")
        whole = p is panels[-1]
        ax.text(0.5, -0.01, f"{p.step.params:,}\nparameters{' (the network)' if whole else ''}",
                transform=ax.transAxes, ha="center", va="top", fontsize=FONT_PT + 1, weight="bold")
    fig.suptitle(f"The argument, Figs 1-5: {channels} -> {channels} channels, 3x3 kernels "
                 f"(a regular 3x3 conv: {_regular_params(channels):,} parameters)", fontsize=FONT_PT + 2)
    arrow = dict(arrowstyle="-|>", lw=2, color="#444", mutation_scale=18)
    for a, b in rows:
        for left, right in zip(axes[a:b - 1], axes[a + 1:b]):
            fig.add_artist(ConnectionPatch((1.0, 0.5), (0.0, 0.5), "axes fraction", "axes fraction",
                                           axesA=left, axesB=right, **arrow))
    for (_, end), (start, _) in zip(rows[:-1], rows[1:]):  # in the gap between the rows, back to the left
        fig.add_artist(ConnectionPatch(
            (0.5, 0.486), (0.5, 0.486), blended_transform_factory(axes[end - 1].transAxes, fig.transFigure),
            blended_transform_factory(axes[start].transAxes, fig.transFigure), **arrow))
    return fig


def argument_words(channels: int = 192) -> tuple[str, list[list]]:
    """The text alternative of ``argument_figure`` (the chain and each step's parameters) and its table:
    each step's figure, claim, the operator drawn (``describe_stages``: every column, even those elided) and
    its parameter count."""
    panels = argument_panels(channels)
    alt = (f"The argument of Figs 1-5 in six drawings, {channels} -> {channels} channels with 3x3 kernels (a "
           f"regular 3x3 conv: {_regular_params(channels):,} parameters): "
           + "; ".join(f"{p.step.figure} ({p.step.claim.split(':')[0]}), {p.step.params:,} parameters"
                       for p in panels) + ".")
    data = [["step", "claim", "drawn", "parameters"]]
    data += [[p.step.figure, p.step.claim, describe_stages(p.drawing.stages, p.drawing.top, p.drawing.bottom,
                                                           name=p.drawing.column), f"{p.step.params:,}"]
             for p in panels]
    return alt, data


def argument_described(channels: int = 192) -> Described:
    """``argument_figure`` with ``argument_words``: what the notebook shows."""
    return described(argument_figure(channels), *argument_words(channels))
