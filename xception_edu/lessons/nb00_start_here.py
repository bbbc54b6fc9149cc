"""Notebook 00, start here: a first taste of what a depthwise separable convolution saves (Sec. 1.2)."""

from __future__ import annotations

import ipywidgets as W

from .. import counting
from ..exercises import check, register
from .app import KERNEL_CHOICES, App
from .checking import Mistake, closed_form

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "savings_sentence", "savings_teaser", "savings_view",
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


# --- the warm-up exercise: try the exercise mechanism once ------------------------------------------------


def _counts(c, k):
    """(regular, separable) parameters from C to C channels, from the package's counting (Sec. 1.2)."""
    return counting.standard(c, c, k, (1, 1)).params, counting.separable(c, c, k, (1, 1)).params


@register("00.param_counts", kind="formula")
def _param_counts(fn):
    closed_form(
        "param_counts", fn, [(728, 3), (16, 3), (64, 5), (3, 7), (10, 1), (1, 3)], _counts, [
            Mistake(lambda c, k: _counts(c, k)[::-1], "Both counts are right but in the wrong order: "
                    "return (regular, separable)."),
            Mistake(lambda c, k: (k * k * c * c, k * k * c), "The separable count has only its depthwise "
                    "step: add the 1x1 mix across channels (C x C weights)."),
            Mistake(lambda c, k: (k * k * c * c, c * c), "The separable count has only its 1x1 mix: add the "
                    "depthwise step, one k x k filter per channel."),
            Mistake(lambda c, k: (k * k * c * c, k * k * c * c + c * c), "The depthwise step has ONE k x k "
                    "filter per channel (k*k*C weights), not a k x k kernel over all channels."),
            Mistake(lambda c, k: (k * k * c, k * k * c + c * c), "The regular count is ONE kernel: there "
                    "is one k x k x C kernel per output channel, C of them."),
            Mistake(lambda c, k: (k * c * c, k * c + c * c), "A filter is k x k: k*k weights, not k."),
            Mistake(lambda c, k: (9 * c * c, 9 * c + c * c), "That is right for k = 3 only: use the kernel "
                    "size k you are given."),
        ], nudge="Count the regular conv's kernels (one per output channel), then the separable conv's two "
        "steps: a k x k filter per channel, then a 1x1 mix.",
        fix="return k * k * c * c, k * k * c + c * c")
