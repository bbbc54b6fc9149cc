"""Inside a depthwise separable conv (Sec. 1.2), on the photograph: the C depthwise maps (each input channel
filtered by its own k x k kernel), then the pointwise outputs, each a weighted sum of those C maps with
the weights p[o, c] of the 1x1 conv. The demo conv is the package's ``SeparableConv2d`` carrying kernels
chosen to be readable: an edge detector per colour and a blur."""
from __future__ import annotations

import torch

from ..ops import SeparableConv2d
from .figures import Described, described

__all__ = ["DEMO_KERNELS", "DEMO_MIX", "demo_separable", "maps_figure", "maps_text", "mix_text",
           "separable_maps"]

_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4
DEMO_KERNELS = {"R": ("vertical edges", _SOBEL), "G": ("horizontal edges", _SOBEL.T.contiguous()),
                "B": ("blur", torch.full((3, 3), 1 / 9))}
"""Input channel -> (what its depthwise kernel finds, the 3x3 kernel): one spatial filter per channel."""
DEMO_MIX = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.5, -1.0]])
"""p[o, c]: output o of the 1x1 conv is sum_c p[o, c] * (depthwise map c); rows outputs, columns R, G, B."""


@torch.no_grad()
def demo_separable() -> SeparableConv2d:
    """A ``SeparableConv2d(3, 4, 3)`` whose depthwise kernels are ``DEMO_KERNELS`` and whose pointwise
    weights are ``DEMO_MIX``."""
    conv = SeparableConv2d(3, len(DEMO_MIX), kernel_size=3)
    conv.depthwise.weight.copy_(torch.stack([k for _, k in DEMO_KERNELS.values()])[:, None])
    conv.pointwise.weight.copy_(DEMO_MIX[:, :, None, None])
    return conv


@torch.no_grad()
def separable_maps(conv: SeparableConv2d, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The depthwise maps (C, H, W) and the outputs (C', H, W) of ``conv`` on one ``image`` (C, H, W),
    computed by running its own two steps (and whatever it has between them)."""
    if not isinstance(conv, SeparableConv2d) or conv.order != "depthwise_first" or \
            conv.groups != conv.in_channels:
        raise ValueError("separable_maps takes a depthwise-first SeparableConv2d with one filter per channel")
    if image.dim() != 3 or image.shape[0] != conv.in_channels:
        raise ValueError(f"image of shape {tuple(image.shape)}: want ({conv.in_channels}, H, W)")
    depthwise = conv.depthwise(image[None])
    return depthwise[0], conv.pointwise(conv.mid_act(depthwise))[0]


def _term(w: float, name: str) -> str:
    return f"{'−' if w < 0 else '+'} {abs(w):g}·{name}"


def mix_text(conv: SeparableConv2d, names=("R", "G", "B")) -> list[str]:
    """Each output as the weighted sum the 1x1 conv computes, e.g. 'output 1 = 1·R map + 1·G map' (terms
    with a zero weight left out)."""
    p = conv.pointwise.weight.detach()[:, :, 0, 0]
    lines = []
    for o, row in enumerate(p.tolist()):
        terms = [_term(w, f"{names[c] if c < len(names) else c} map") for c, w in enumerate(row) if w != 0]
        body = " ".join(terms).removeprefix("+ ") if terms else "0"
        lines.append(f"output {o} = {body}")
    return lines


def _range(m: torch.Tensor) -> str:
    return f"values {float(m.min()):.2f} to {float(m.max()):.2f}"


def maps_text(conv: SeparableConv2d, image: torch.Tensor, names=("R", "G", "B"), what=None) -> str:
    """The text alternative of ``maps_figure``, from the same maps: every map's range and every mix."""
    depthwise, out = separable_maps(conv, image)
    c, co = depthwise.shape[0], out.shape[0]
    what = what or {}
    label = [names[i] if i < len(names) else str(i) for i in range(c)]
    mixes = mix_text(conv, label)
    h, w = image.shape[1:]
    alt = [f"A depthwise separable conv from {c} to {co} channels on the {h}x{w} photograph, three rows."
           f" Row 1: the {c} input channels {', '.join(label)}.",
           f"Row 2: the {c} depthwise maps, each input channel filtered by its own kernel: " + "; ".join(
               f"{n}" + (f" ({what[n]})" if n in what else "") + f", {_range(m)}"
               for n, m in zip(label, depthwise)) + ".",
           f"Row 3: the {co} outputs of the 1x1 conv, each a weighted sum of the depthwise maps: "
           + "; ".join(f"{mix}, {_range(m)}" for mix, m in zip(mixes, out)) + "."]
    return " ".join(alt)


def maps_figure(conv: SeparableConv2d, image: torch.Tensor, names=("R", "G", "B"), what=None) -> Described:
    """Three rows: the input channels, the C depthwise maps (one per input channel, its own kernel), and
    the C' outputs, each titled with the weighted sum of depthwise maps it is. Signed maps share one
    diverging colour scale centred on zero; the text alternative gives every map's range and every mix."""
    import matplotlib.pyplot as plt

    depthwise, out = separable_maps(conv, image)
    c, co = depthwise.shape[0], out.shape[0]
    what = what or {}
    label = [names[i] if i < len(names) else str(i) for i in range(c)]
    mixes = mix_text(conv, label)
    cols = max(c, co)
    fig, axes = plt.subplots(3, cols, figsize=(2.3 * cols + 1, 7.6), dpi=80, layout="constrained")
    lim = float(max(depthwise.abs().max(), out.abs().max(), 1e-12))
    rows = [(image, "input channel {}", "gray", 0.0, 1.0), (depthwise, "depthwise map {}", "PuOr", -lim, lim),
            (out, "output {}", "PuOr", -lim, lim)]
    for r, (maps, title, cmap, lo, hi) in enumerate(rows):
        for i in range(cols):
            ax = axes[r, i]
            ax.axis("off")
            if i >= maps.shape[0]:
                continue
            # each map pixel drawn as a block: the maps as computed (and a PNG half the size)
            im = ax.imshow(maps[i].numpy(), cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            name = label[i] if r < 2 else str(i)
            sub = (f"\n({what[label[i]]})" if r == 1 and label[i] in what else
                   "\n= " + mixes[i].split(" = ")[1].replace(" map", "") if r == 2 else "")
            ax.set_title(title.format(name) + sub, fontsize=10)
        if r:
            fig.colorbar(im, ax=axes[r, :], shrink=0.8, label="value").ax.tick_params(labelsize=10)
    fig.suptitle(f"a depthwise separable conv {c} → {co}: {c} depthwise maps, then {co} weighted sums of "
                 "them (orange below zero, purple above)", fontsize=11)
    p = conv.pointwise.weight.detach()[:, :, 0, 0]
    data = [["output"] + [f"weight of {n} map" for n in label]] + \
        [[o] + [f"{v:g}" for v in row] for o, row in enumerate(p.tolist())]
    return described(fig, maps_text(conv, image, names, what), data)

