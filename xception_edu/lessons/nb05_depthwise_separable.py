"""Notebook 05, depthwise separable convolution (Sec. 1.2) and its two differences from Fig. 4: the order of
the steps (the regrouping widget, here) and the non-linearity between them (a miniature of Fig. 10,
``fig10_miniature.py``). The exercise checks are in ``depthwise_separable_checks.py``."""

from __future__ import annotations

import ipywidgets as W
import torch
import torch.nn as nn

from ..data import load_photo
from ..devices import cpu_threads
from ..exercises import check
from ..ops import ExtremeInception, SeparableConv2d, pointwise_first_stack, regroup_stack
from . import depthwise_separable_checks  # noqa: F401 (registers the 05 exercises)
from .app import App, same_function
from .fig10_miniature import (  # the notebook's miniature of Fig. 10, called as lesson.<name>
    fig10_miniature,
    miniature_data,
    miniature_figure,
    train_miniature,
)
from .figures import WEIGHT_CMAP, Described, described
from .operator_drawing import operator_figure

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "depthwise_figure", "fig10_miniature", "load_photo", "miniature_data", "miniature_figure",
    "operator_figure", "regroup", "regroup_fig4", "regroup_numbers", "regroup_view", "train_miniature",
]


def depthwise_figure(conv: nn.Conv2d, image: torch.Tensor) -> Described:
    """A depthwise conv (``groups = channels``) applied to C IDENTICAL input channels (one grey image
    copied C times): top row, its C kernels (one k x k filter per channel, all different); bottom row,
    the C outputs — different too. A conv that shared one kernel across channels would give C
    identical outputs."""
    import matplotlib.pyplot as plt

    c = conv.in_channels
    x = image.mean(dim=0, keepdim=True).expand(c, -1, -1)[None]
    with torch.no_grad():
        out = conv(x)[0]
    w = conv.weight.detach()[:, 0]
    lim = float(w.abs().max())
    fig, axes = plt.subplots(2, c, figsize=(1.5 * c, 3.3), dpi=80)
    for i in range(c):
        axes[0, i].imshow(w[i].numpy(), cmap=WEIGHT_CMAP, vmin=-lim, vmax=lim)
        axes[0, i].set_title(f"kernel {i}", fontsize=10)
        axes[1, i].imshow(out[i].numpy(), cmap="gray")
        axes[1, i].set_title(f"output {i}", fontsize=10)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(f"depthwise conv, groups={c}: the same input in every channel, "
                 "a different kernel per channel",
                 fontsize=10)
    fig.tight_layout()
    distinct = len({tuple(o.flatten().tolist()) for o in out})
    h, wd = image.shape[1:]
    alt = (f"A depthwise conv with groups={c} applied to {c} identical copies of the grey {h}x{wd} "
           f"photograph. Top row: its {c} 3x3 kernels, one per channel, weights from {float(w.min()):.2f} to "
           f"{float(w.max()):.2f}. Bottom row: the {c} outputs, each channel filtered by its own kernel ("
           + "; ".join(f"output {i} from {float(o.min()):.2f} to {float(o.max()):.2f}" for i, o in
                       enumerate(out))
           + f"): {distinct} different output{'s' if distinct != 1 else ''} from one input.")
    return described(fig, alt)


# --- the order of the two steps matters only at the ends of a stack (Sec. 1.2) --------------------------


BLOCK_CHOICES = tuple(range(1, 7))


def regroup_numbers(blocks: int, channels: int = 8, seed: int = 0) -> dict:
    """A stack of ``blocks`` pointwise-first blocks (Fig. 4's order) and the same weights regrouped into
    depthwise-first separable convs (``regroup_stack``): the largest output difference on a random input."""

    torch.manual_seed(seed)
    stack = pointwise_first_stack(channels, blocks).eval()
    regrouped = regroup_stack(stack).eval()
    x = torch.randn(2, channels, 8, 8, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        diff = (stack(x) - regrouped(x)).abs().max().item()
    return {"max_diff": diff,
            "separable_blocks": sum(1 for n, _ in regrouped.named_children() if n.startswith("separable"))}


@torch.no_grad()
def regroup_fig4(blocks: int, channels: int = 16, seed: int = 0) -> dict:
    """The regrouping of ``regroup_stack`` applied to full Fig. 4 modules (``xe.ExtremeInception``: a ReLU
    after BOTH steps, as in Inception, Sec. 1.2): the cut gives separable convs with a ReLU BETWEEN their
    two steps. Largest output difference from the Fig. 4 stack, relative to its largest output, of the
    regrouped stack built with Xception's separable convs (nothing between the steps) and with a ReLU
    between them."""
    torch.manual_seed(seed)
    stack = nn.Sequential(*(ExtremeInception(channels, channels) for _ in range(blocks))).eval()
    x = torch.randn(2, channels, 8, 8, generator=torch.Generator().manual_seed(seed))
    diffs = {}
    for mid in (None, "relu"):
        layers = [stack[0].pointwise, nn.ReLU()]                        # a leading 1x1 conv and its ReLU
        for a, b in zip(stack[:-1], stack[1:]):                         # [dw_i -> (mid) -> 1x1_(i+1)] ReLU
            sep = SeparableConv2d(channels, channels, mid_activation=mid)
            sep.depthwise.weight.copy_(a.spatial.weight)
            sep.pointwise.weight.copy_(b.pointwise.weight)
            layers += [sep, nn.ReLU()]
        layers += [stack[-1].spatial, nn.ReLU()]                        # a trailing depthwise conv, ReLU
        y = stack(x)
        diffs[mid] = ((y - nn.Sequential(*layers)(x)).abs().max() / y.abs().max()).item()
    return {"xception_separable": diffs[None], "relu_between": diffs["relu"]}


def _op(text: str, color: str) -> str:
    return (f"<span style='display:inline-block;padding:1px 5px;margin:1px;border-radius:3px;"
            f"background:{color};font-family:monospace'>{text}</span>")


def regroup_view(blocks: int) -> str:
    """HTML: the sequence of operations of a stack, bracketed two ways — as Fig. 4 blocks without their
    ReLU after the depthwise step (1x1, ReLU, depthwise) and as separable convs (depthwise, 1x1) — with
    the numerical check that they agree."""
    pw, dw, act = ((lambda i: _op(f"1x1<sub>{i}</sub>", "#b2abd2")),
                   (lambda i: _op(f"dw<sub>{i}</sub>", "#fdb863")), _op("ReLU", "#eee"))
    box = "<span style='border:2px solid {};border-radius:4px;padding:1px;margin:1px 3px'>{}</span>"
    top = "".join(box.format("#5b3f8c", pw(i) + act + dw(i)) for i in range(1, blocks + 1))
    bottom = box.format("#999", pw(1) + act) + "".join(
        box.format("#e66101", dw(i) + pw(i + 1)) + act for i in range(1, blocks)) + \
        box.format("#999", dw(blocks))
    with cpu_threads(1):
        r = regroup_numbers(blocks)
    same = same_function(r["max_diff"])
    return (
        f"<p>{blocks} Fig. 4 block{'s' if blocks > 1 else ''} without the ReLU after the depthwise step "
        f"(1x1 → ReLU → depthwise):</p><p>{top}</p>"
        f"<p>the same operations, regrouped: a leading 1x1, <b>{r['separable_blocks']} depthwise separable "
        f"conv{'s' if r['separable_blocks'] != 1 else ''}</b> (depthwise → 1x1), a trailing depthwise:</p>"
        f"<p>{bottom}</p>"
        f"<p>largest output difference: {same}</p>"
    )


def regroup(blocks: int = 3) -> App:
    """Notebook 05's widget: the number of stacked blocks -> the two bracketings, checked numerically."""
    if blocks not in BLOCK_CHOICES:
        raise ValueError(f"blocks={blocks} is not one of {BLOCK_CHOICES}")
    controls = {"blocks": W.SelectionSlider(options=BLOCK_CHOICES, value=blocks, description="blocks")}
    return App(controls, regroup_view, title="Order of the two steps: the same stack, bracketed two ways")
