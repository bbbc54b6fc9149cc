"""Notebook 00, start here: a first taste of what a depthwise separable convolution saves (Sec. 1.2)."""

from __future__ import annotations

import ipywidgets as W

from .. import counting
from ..exercises import check, register
from ..ops import SeparableConv2d, StandardConv
from .app import KERNEL_CHOICES, App
from .checking import Mistake, closed_form

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "measured_ratios", "savings_sentence", "savings_teaser", "savings_view",
]


CHANNEL_CHOICES = (16, 32, 64, 128, 256, 512, 728, 1024)


def savings_view(channels: int, kernel_size: int) -> str:
    """HTML table: a regular k x k conv from C to C channels vs a depthwise separable one (Sec. 1.2)."""
    c, k = channels, kernel_size
    regular = counting.standard(c, c, k, (1, 1)).params
    separable = counting.separable(c, c, k, (1, 1)).params
    rows = [
        ("regular conv", f"k·k·C·C = {k}·{k}·{c}·{c}", regular),
        ("depthwise separable", f"k·k·C + C·C = {k}·{k}·{c} + {c}·{c}", separable),
    ]
    body = "".join(f"<tr><td>{n}</td><td>{f}</td><td style='text-align:right'>{p:,}</td></tr>"
                   for n, f, p in rows)
    return (
        "<table><tr><th>operator</th><th>parameters</th><th>count</th></tr>" + body + "</table>"
        f"<p>{savings_sentence(regular, separable)}</p>"
    )


def savings_sentence(regular: int, separable: int) -> str:
    """HTML: "The separable conv needs 8.9x fewer parameters ..." or, when it is the larger one (k = 1:
    the depthwise step adds C weights and replaces none), "... 1.06x more ..."."""
    share = f"({100 * separable / regular:.1f}% of the regular conv)"
    if separable < regular:
        return f"The separable conv needs <b>{regular / separable:.1f}x fewer</b> parameters {share}."
    if separable > regular:
        more = separable / regular
        digits = 2 if more >= 1.01 else 3  # 728 channels, k = 1: "1.001x", not "1.00x more"
        return (f"The separable conv needs <b>{more:.{digits}f}x more</b> parameters {share}: "
                "its depthwise step costs more than it saves.")
    return f"Both need the same number of parameters {share}."


def savings_teaser(channels: int = 728, kernel_size: int = 3) -> App:
    """Notebook 00's widget: channels and kernel size -> parameters of regular vs separable convs."""
    if channels not in CHANNEL_CHOICES:
        raise ValueError(f"channels={channels} is not one of {CHANNEL_CHOICES}")
    if kernel_size not in KERNEL_CHOICES:
        raise ValueError(f"kernel_size={kernel_size} is not one of {KERNEL_CHOICES}")
    controls = {
        "channels": W.SelectionSlider(options=CHANNEL_CHOICES, value=channels, description="channels C"),
        "kernel_size": W.SelectionSlider(options=KERNEL_CHOICES, value=kernel_size, description="kernel k"),
    }
    return App(controls, savings_view, title="Regular vs depthwise separable convolution")


# --- the warm-up exercise: predict, measure, then write the rule ------------------------------------------


def measured_ratios(cases=((16, 3), (128, 3), (728, 3), (728, 1))) -> list[tuple[int, int, float]]:
    """(C, k, separable / regular parameters) for each case, counted on the modules themselves
    (``xe.SeparableConv2d`` and ``xe.StandardConv``, C to C channels, no bias; Sec. 1.2)."""
    return [(c, k, counting.count_params(SeparableConv2d(c, c, kernel_size=k)) /
             counting.count_params(StandardConv(c, c, kernel_size=k))) for c, k in cases]


def _ratio(c, k):
    """separable / regular parameters from C to C channels, from the package's counting (Sec. 1.2)."""
    return counting.separable(c, c, k, (1, 1)).params / counting.standard(c, c, k, (1, 1)).params


@register("00.savings_ratio", kind="predict")
def _savings_ratio(fn):
    closed_form(
        "savings_ratio", fn, [(728, 3), (16, 3), (64, 5), (3, 7), (10, 1), (1, 3)], _ratio, [
            Mistake(lambda c, k: 1 / _ratio(c, k), "That is regular / separable, how many times fewer: the "
                    "ratio asked is separable / regular, below 1 where the separable conv is cheaper."),
            Mistake(lambda c, k: 1 - _ratio(c, k), "That is the share SAVED: the ratio asked is what the "
                    "separable conv still needs, separable / regular."),
            Mistake(lambda c, k: 1 / (k * k), "That leaves out the depthwise step (one k x k filter per "
                    "channel): the separable conv has two steps."),
            Mistake(lambda c, k: 1 / c, "That leaves out the 1x1 mix (C x C weights): the separable conv "
                    "has two steps."),
            Mistake(lambda c, k: 1 / k + 1 / c, "A filter is k x k: k*k weights, not k."),
        ], nudge="Count both convs (the regular one: a k x k x C kernel per output channel; the separable "
        "one: a k x k filter per channel, then a 1x1 mix), then divide.",
        fix="savings_ratio = (k * k * c + c * c) / (k * k * c * c), which is 1 / c + 1 / k**2")
