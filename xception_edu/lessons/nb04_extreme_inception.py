"""Notebook 04, extreme Inception (Fig. 4) and the spectrum of Sec. 1.2: every group count from a regular
conv to one filter per channel. The spectrum figure and widget; the exercise checks are in
``extreme_inception_checks.py``."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as W
import torch

from .. import counting
from .._validate import divisors
from ..devices import cpu_threads
from ..exercises import check
from ..ops import SpectrumConv, connectivity_matrix
from . import extreme_inception_checks  # noqa: F401 (registers the 04 exercises)
from .app import App
from .figures import Described, described
from .operator_drawing import operator_figure
from .stage_weights import stage_figure
from .svg import svg_matrix, svg_plot
from .wording import plural

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "operator_figure", "spectrum", "spectrum_data", "spectrum_figure", "spectrum_point",
    "spectrum_text", "spectrum_view",
    "SpectrumPoint", "stage_figure",
]


def spectrum_data(cin: int, channels: int, kernel_size: int = 3, hw: int = 16) -> dict:
    """Every valid point of the spectrum (g = each divisor of ``channels``): parameters and
    multiply-adds of a 1x1 conv then a kxk conv in g groups."""
    gs = divisors(channels)
    counts = [counting.spectrum(cin, channels, kernel_size, g, (hw, hw)) for g in gs]
    return {"groups": gs, "params": [c.params for c in counts], "macs": [c.macs for c in counts]}


def spectrum_figure(cin: int = 48, channels: int = 48, kernel_size: int = 3, show=(1, 3, 48)) -> Described:
    """The spectrum in one picture: the connectivity of the kxk stage at a few group counts (a regular
    conv, an Inception-like module as in Fig. 3, extreme Inception as in Fig. 4) and the parameter
    count at every valid g."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator

    d = spectrum_data(cin, channels, kernel_size, hw=SPECTRUM_SIZE)
    fig, axes = plt.subplots(1, len(show) + 1, figsize=(3.0 * len(show) + 4, 3.2), dpi=80,
                             gridspec_kw={"width_ratios": [1] * len(show) + [1.6]})
    names = {1: "g = 1: regular conv", channels: f"g = {channels}: Fig. 4 (extreme)"}
    for ax, g in zip(axes, show):
        ax.imshow(connectivity_matrix(channels, g), cmap="Greys", interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(names.get(g, f"g = {g}: Fig. 3 ({g} towers)"), fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("input channel", fontsize=10)
        ax.set_ylabel("output channel", fontsize=10)
    ax = axes[-1]
    ax.plot(d["groups"], d["params"], "o-", color="#5b3f8c")
    for g in show:
        i = d["groups"].index(g)
        ax.plot(g, d["params"][i], "o", ms=11, mfc="none", color="#D55E00", mew=2)  # the panels drawn
        last = g == d["groups"][-1]  # the right-most label goes to the left of its point, inside the axes
        ax.annotate(f"{d['params'][i]:,}", (g, d["params"][i]), textcoords="offset points",
                    xytext=(-8, 8) if last else (6, 6), ha="right" if last else "left", fontsize=10)
    ax.axhline(cin * channels, color="#999", ls="--", lw=0.8)
    ax.text(1, cin * channels * 1.06, "the 1x1 conv alone", fontsize=10, color="#555")
    ax.set_ylim(cin * channels * 0.7, max(d["params"]) * 1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(d["groups"])
    ax.set_xticklabels(d["groups"], fontsize=9)
    ax.minorticks_off()
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))   # 2,000 5,000 10,000 20,000 ...
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(axis="y", labelsize=9)
    ax.set_xlabel("number of groups g")
    ax.set_ylabel("parameters")
    ax.set_title(f"1x1 conv {cin}→{channels}, then {kernel_size}x{kernel_size} conv in g groups", fontsize=10)
    fig.tight_layout()
    rows = [["groups g", "parameters", f"multiply-adds at {SPECTRUM_SIZE}x{SPECTRUM_SIZE}"]] + \
        [[g, f"{p:,}", f"{m:,}"] for g, p, m in zip(d["groups"], d["params"], d["macs"])]
    return described(fig, spectrum_text(d, cin, channels, kernel_size, show), rows)


def spectrum_text(d: dict, cin: int, channels: int, kernel_size: int, show) -> str:
    """The text alternative of ``spectrum_figure``, from ``spectrum_data``'s numbers."""
    k = kernel_size
    shapes = "; ".join(f"g = {g}: " + ("every input reaches every output" if g == 1 else
                                       "the diagonal only, one input per output" if g == channels else
                                       f"{g} blocks of {channels // g} x {channels // g} on the diagonal")
                       for g in show)
    points = ", ".join(f"{p:,} at g = {g}" for g, p in zip(d["groups"], d["params"]))
    return (f"Connectivity of the {k}x{k} stage ({channels} channels) at {len(show)} group counts: {shapes}. "
            f"Then the parameters of a 1x1 conv {cin}→{channels} and a {k}x{k} conv in g groups, on log-log "
            f"axes, falling with g: {points}; the 1x1 conv alone, a floor, is {cin * channels:,}.")


# --- THE spectrum, from a regular conv to one filter per channel (Figs 3-4) ----------------------------


SPECTRUM_CHANNELS, SPECTRUM_IN, SPECTRUM_SIZE = 48, 48, 16


@dataclass(frozen=True)
class SpectrumPoint:
    """One point of the spectrum: a 1x1 conv then a kxk conv in ``groups`` groups (``SpectrumConv``)."""
    groups: int
    params: int
    macs: int
    connectivity: object  # (C, C) boolean numpy array: the kxk stage's channel connectivity
    time_ms: float | None  # median forward time of the module on a small input, or None when not timed


def spectrum_point(groups: int, channels: int = SPECTRUM_CHANNELS, cin: int = SPECTRUM_IN,
                   kernel_size: int = 3, size: int = SPECTRUM_SIZE, time_it: bool = True,
                   repeats: int = 5) -> SpectrumPoint:
    """The numbers behind the spectrum widget, without any drawing: parameters and multiply-adds
    (closed form, per image at size x size), the connectivity of the spatial stage, and the median
    time of a forward pass on one small image (a few repeats, so the widget stays instant)."""

    c = counting.spectrum(cin, channels, kernel_size, groups, (size, size))
    t = None
    if time_it:
        module = SpectrumConv(cin, channels, kernel_size, groups=groups).eval()
        x = torch.randn(1, cin, size, size)
        with torch.no_grad():
            t = counting.alternating_medians({"forward": lambda: module(x)}, repeats,
                                             warmup=1)["forward"].median_ms
    return SpectrumPoint(groups, c.params, c.macs, connectivity_matrix(channels, groups), t)


def _spectrum_name(g: int, channels: int) -> str:
    if g == 1:
        return "a regular 3x3 conv after a 1x1 conv"
    if g == channels:
        return "extreme Inception (Fig. 4): one 3x3 filter per channel"
    return f"an Inception module with {g} towers of {plural(channels // g, 'channel')} (Fig. 3)"


def spectrum_view(groups: int, time_it: bool = True) -> str:
    """HTML for the spectrum widget: the numbers as plain text (stable element text such as
    ``parameters: 12,345``, read by browser tests), the connectivity of the spatial stage and a plot
    of parameters against g with the current g marked (inline SVG: redraws in milliseconds)."""
    C = SPECTRUM_CHANNELS
    with cpu_threads(1):
        p = spectrum_point(groups, time_it=time_it)
    gs = divisors(C)
    params = [counting.spectrum(SPECTRUM_IN, C, 3, g, (1, 1)).params for g in gs]
    timing = (f" · <span class='xe-time'>forward pass: {p.time_ms:.2f} ms</span>"
              if p.time_ms is not None else "")
    return (
        f"<p><b>g = {groups}</b>: {_spectrum_name(groups, C)}</p>"
        f"<p><span class='xe-params'>parameters: {p.params:,}</span> · "
        f"<span class='xe-macs'>multiply-adds: {p.macs:,}</span>{timing}</p>"
        f"<p style='color:#555;font-size:90%'>1x1 conv {SPECTRUM_IN}→{C}, then 3x3 conv {C}→{C} in {groups} "
        f"group{'s' if groups > 1 else ''} of {C // groups} channel{'s' if C // groups > 1 else ''}, "
        f"on {SPECTRUM_SIZE}x{SPECTRUM_SIZE} maps</p>"
        "<div style='display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start'>"
        + svg_matrix(p.connectivity, size=200, title="3x3 stage: who feeds whom")
        + svg_plot(gs, params, mark=groups, width=320, height=236, xlabel="number of groups g (segments)",
                   ylabel="parameters", title="parameters vs g (log-log)")
        + "</div>"
    )


def spectrum(groups: int = 1) -> App:
    """Notebook 04's widget: a slider over the valid group counts (the divisors of C, from 1 to C)."""
    options = tuple(divisors(SPECTRUM_CHANNELS))
    if groups not in options:
        raise ValueError(f"groups={groups} is not one of {options} (the divisors of {SPECTRUM_CHANNELS})")
    controls = {"groups": W.SelectionSlider(options=options, value=groups, description="groups g",
                                            continuous_update=False)}
    return App(controls, spectrum_view, title=f"The spectrum: {SPECTRUM_CHANNELS} channels in g segments")
