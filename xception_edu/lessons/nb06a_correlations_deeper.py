"""Notebook 06a, correlations deeper (Sec. 1.1; an optional appendix to notebook 06): how separable a
regular conv's kernels are (the SVD of each filter, against random kernels and their large-matrix limit),
what training added to them (W - W0), and how correlations change layer by layer. The figures, the
kernel-spectrum explorer, the exercise checks. The measures themselves live in ``experiments``
(separability.py, correlations.py, nets.py, operators.py)."""

from __future__ import annotations

import math

import ipywidgets as W
import torch
import torch.nn as nn

from .._validate import choice
from ..exercises import Mismatch, attempt, check, register
from ..experiments.correlations import collect_maps, correlation_profile
from ..experiments.nets import small_net
from ..experiments.operators import CONTROL, TASKS, which_learns_what
from ..experiments.separability import (
    filter_separability,
    kernel_separability,
    pointwise_depthwise,
    random_separability,
    random_separability_limit,
    separability_report,
)
from .app import App
from .checking import NOT_FINITE, close
from .figures import HATCHES, PALETTE, Described, described
from .svg import svg_curves

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "collect_maps", "CONTROL", "correlation_profile", "kernel_explorer", "kernel_separability",
    "kernel_spectrum", "kernel_spectrum_view", "layer_weights", "pointwise_depthwise", "profile_table",
    "random_separability", "random_separability_limit", "regular_convs", "separability_figure",
    "separability_report", "separability_table", "small_net", "TASKS", "WEIGHTS", "which_learns_what",
]


def separability_figure(layers, bars: dict, chance, title: str = "") -> Described:
    """Grouped bars, one group per layer: ``bars`` label -> one separability per layer (e.g. trained
    kernels, or what training added, per task), each series with its own hatch as well as colour, with the
    chance level of each layer as a black tick."""
    import matplotlib.pyplot as plt

    n = len(bars)
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(8.5, 3.2))
    for k, (label, values) in enumerate(bars.items()):
        ax.bar([i + (k - (n - 1) / 2) * width for i in range(len(layers))], values, width, label=label,
               color=PALETTE[k % len(PALETTE)], hatch=HATCHES[k % len(HATCHES)], edgecolor="white", lw=0.5)
    for i, c in enumerate(chance):
        ax.plot([i - 0.45, i + 0.45], [c, c], color="black", lw=2, label="random kernels" if i == 0 else None)
    ax.set_xticks(range(len(layers)), layers)
    ax.set_ylim(0, 1), ax.set_ylabel("energy kept by rank 1"), ax.set_title(title)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: never on a bar
    fig.tight_layout()
    rows = [["layer", *bars, "random kernels"]]
    rows += [[layer, *(f"{v[i]:.2f}" for v in bars.values()), f"{chance[i]:.2f}"]
             for i, layer in enumerate(layers)]
    alt = (f"{title or 'Energy kept by rank 1'}: bars per layer ({', '.join(layers)}), from 0 to 1. "
           + "; ".join(f"{label}: {', '.join(f'{v:.2f}' for v in values)}" for label, values in bars.items())
           + f"; random kernels: {', '.join(f'{c:.2f}' for c in chance)}.")
    return described(fig, alt, rows)


# --- the kernel-spectrum explorer: the SVD of one layer's kernels, before and after training ------------

WEIGHTS = {"W": "trained kernels W", "W - W0": "what training added, W - W0", "W0": "before training, W0"}
"""The three kernels the explorer shows for a layer (key -> label)."""


def separability_table(reports: dict) -> str:
    """The separability of each run's regular convs as text, a row per (task, seed) and per layer four
    columns: the trained kernels' rank-1 energy (W), the same for what training added (W - W0), how far the
    weights moved, and random kernels' rank-1 energy (Sec. 1.1's hypothesis, tested on the weights).
    ``reports``: (task, seed) -> ``separability_report`` rows, every run over the same layers."""
    first = next(iter(reports.values()))
    lines = [f"{'task':9s} seed  " + "   ".join(f"{r.name.split('.')[1]:^22s}" for r in first),
             f"{'':15s}" + "   ".join(f"{'W':>5s} {'W-W0':>5s} {'moved':>5s} {'rand':>4s}" for _ in first)]
    for (task, seed), rows in reports.items():
        lines.append(f"{task:9s} {seed:4d}  " + "   ".join(
            f"{r.separability:5.2f} {r.update:5.2f} {r.moved:5.2f} {r.random:4.2f}" for r in rows))
    return "\n".join(lines)


def profile_table(profiles: dict) -> str:
    """Two tables, a row per network and a column per depth (``correlation_profile``): the mean |r| between
    the channels of one image with its chance level, then the distance at which a channel's spatial
    autocorrelation falls to 0.5 (Sec. 1.1: cross-channel and spatial correlations, layer by layer)."""
    depths = [p.layer.split(".")[-1] for p in next(iter(profiles.values()))]
    head = f"{'':20s}" + "".join(f"{d:>15s}" for d in depths)
    lines = ["mean |r| between the channels of one image (chance level)", head]
    lines += [f"{name:20s}" + "".join(f"{p.cross_channel:9.2f} ({p.chance:.2f})" for p in prof)
              for name, prof in profiles.items()]
    lines += ["", "distance at which a channel's autocorrelation falls to 0.5, in input pixels", head]
    lines += [f"{name:20s}" + "".join(f"{p.half_distance:15.1f}" for p in prof)
              for name, prof in profiles.items()]
    return "\n".join(lines)


def regular_convs(model: nn.Module) -> dict[str, nn.Conv2d]:
    """The convs of ``model`` that map channels and space jointly (groups=1, k > 1), by name: the ones
    ``separability_report`` measures (a 1x1 kernel is rank 1 by construction, a depthwise one has one
    channel)."""
    return {name: m for name, m in model.named_modules()
            if isinstance(m, nn.Conv2d) and m.groups == 1 and m.kernel_size[0] * m.kernel_size[1] > 1}


def kernel_spectrum(weight) -> torch.Tensor:
    """The energy of a conv kernel (C_out, C_in, k, k) rank by rank: entry r - 1 is the share of the whole
    kernel's energy in the r-th singular value of each filter's (C_in, k*k) matrix, summed over the
    filters, sum_f sigma_r(f)^2 / sum_f ||filter_f||^2. Its cumulative sum is the energy the best rank-r
    channel x space approximation of every filter keeps (Eckart-Young); the first entry is
    ``kernel_separability``; a kernel that a 1x1-then-depthwise pair computes (Fig. 4 without the ReLU)
    has everything in it. Returns float64 (min(C_in, k*k),)."""
    w = weight.weight if isinstance(weight, nn.Conv2d) else weight
    if not isinstance(w, torch.Tensor) or w.ndim != 4:
        raise ValueError(f"expected a conv weight (C_out, C_in, k, k) or an nn.Conv2d, got "
                         f"{tuple(w.shape) if isinstance(w, torch.Tensor) else type(w).__name__}")
    w = w.detach().to(torch.float64)
    s2 = torch.linalg.svdvals(w.reshape(w.shape[0], w.shape[1], -1)).square()
    total = s2.sum()
    if total == 0:
        raise ValueError("every filter of this kernel is zero: its spectrum is undefined")
    return s2.sum(0) / total


def layer_weights(models: dict, initial: dict, network: str, layer: str, weights: str) -> torch.Tensor:
    """One kernel for the explorer: of ``models[network]``'s conv ``layer``, the trained weight ("W"), the
    weight before training ("W0", from ``initial[network]``, that model's state dict before training)
    or what training added ("W - W0")."""
    choice("network", network, list(models))
    choice("weights", weights, list(WEIGHTS))
    convs = regular_convs(models[network])
    choice("layer", layer, list(convs))
    if network not in initial:
        raise ValueError(f"initial has no weights for network={network!r}: it holds {list(initial)}")
    w = convs[layer].weight.detach().to(torch.float64).cpu()
    w0 = initial[network][f"{layer}.weight"].detach().to(torch.float64).cpu()
    return {"W": w, "W0": w0, "W - W0": w - w0}[weights]


def kernel_spectrum_view(models: dict, initial: dict, network: str, layer: str, weights: str = "W") -> str:
    """HTML for the kernel explorer: the energy the best rank-r channel x space approximation keeps, for
    r = 1 .. min(C_in, k*k), of the chosen kernel and of random Gaussian kernels of the same shape (the
    chance level, ``random_separability``'s kernel). Stable texts for tests: ``rank 1 keeps 0.62``,
    ``random kernels: 0.58``."""
    w = layer_weights(models, initial, network, layer, weights)
    kept = kernel_spectrum(w).cumsum(0)
    g = torch.Generator().manual_seed(0)  # the same random kernel as random_separability(..., seed=0)
    chance = kernel_spectrum(torch.randn(*w.shape, generator=g, dtype=torch.float64)).cumsum(0)
    ranks = range(1, len(kept) + 1)
    return (
        f"<p><b>{network}</b>, {layer} {tuple(w.shape)}, {WEIGHTS[weights]}: "
        f"<span class='xe-kept'>rank 1 keeps {kept[0]:.2f}</span> of the energy · "
        f"<span class='xe-chance'>random kernels: {chance[0]:.2f}</span></p>"
        + svg_curves(ranks, {WEIGHTS[weights]: kept.tolist(), "random kernels": chance.tolist()},
                     width=420, height=220, ylim=(0.0, 1.0),
                     xlabel="rank r of each filter's channel x space approximation", ylabel="energy kept",
                     title="energy kept by the best rank-r approximation")
    )


def kernel_explorer(models: dict, initial: dict, network: str | None = None, layer: str | None = None,
                    weights: str = "W") -> App:
    """Notebook 06a's widget: choose a trained network, one of its regular convs and W, W0 or W - W0; see
    how much of the kernel's energy a rank-1, rank-2, ... channel x space factorisation keeps, against
    random kernels (``kernel_spectrum_view``). ``models``: name -> model; ``initial``: name -> its state
    dict before training. Every model must have the same regular convs (the networks of one experiment)."""
    if not models:
        raise ValueError("models is empty: pass {name: trained model}, e.g. one per task")
    layers = list(regular_convs(next(iter(models.values()))))
    for name, model in models.items():
        if list(regular_convs(model)) != layers:
            raise ValueError(f"model {name!r} has other regular convs than the first: "
                             f"{list(regular_convs(model))} instead of {layers}")
    network = next(iter(models)) if network is None else network
    layer = layers[0] if layer is None else layer
    kernel_spectrum_view(models, initial, network, layer, weights)  # validates every choice, clearly
    controls = {
        "network": W.Dropdown(options=list(models), value=network, description="network"),
        "layer": W.Dropdown(options=layers, value=layer, description="layer"),
        "weights": W.Dropdown(options=[(label, key) for key, label in WEIGHTS.items()], value=weights,
                              description="kernel"),
    }
    return App(controls, lambda network, layer, weights: kernel_spectrum_view(models, initial, network, layer,
                                                                             weights),
               title="The spectrum of a layer's kernels: how far from rank 1?")


# --- exercise checks --------------------------------------------------------------------------------------


@register("06a.filter_separability", kind="build")
def _filter_separability(fn):
    g = torch.Generator().manual_seed(1)
    rank1 = torch.randn(4, 1, 1, generator=g) * torch.randn(1, 3, 3, generator=g)
    for filt in (torch.randn(3, 3, 3, generator=g), torch.randn(16, 3, 3, generator=g), rank1,
                 torch.randn(5, 5, 5, generator=g)):
        got = float(attempt(fn, (filt,), f"for a filter of shape {tuple(filt.shape)}",
                            "The filter seen as a channels x positions matrix: its singular values.",
                            fix=_SEPARABILITY_FIX))
        want = float(filter_separability(filt[None])[0])
        if not close(got, want, 1e-4):
            s = torch.linalg.svdvals(filt.reshape(filt.shape[0], -1).double())
            rows = torch.linalg.svdvals(filt.reshape(-1, filt.shape[-1]).double())  # (C_in * k, k): wrong
            hint = (NOT_FINITE if not math.isfinite(got) else
                    " You used sigma_1 / sum(sigma): the ENERGY is the sum of SQUARED singular values."
                    if close(got, s[0] / s.sum(), 1e-4) else
                    " Which matrix did you decompose? Rank 1 here means channel x space: each row must hold "
                    "ONE input channel's whole k x k map, not one row of it."
                    if close(got, rows[0] ** 2 / (rows ** 2).sum(), 1e-4) else
                    " Separability is the share of the filter's energy (its squared singular values) in the "
                    "first one, the filter seen as a channels x positions matrix.")
            raise Mismatch(f"for a filter of shape {tuple(filt.shape)} you returned {got:.4f}, "
                           f"expected {want:.4f}.{hint}",
                           fix=_SEPARABILITY_FIX)


_SEPARABILITY_FIX = ("s = torch.linalg.svdvals(filt.reshape(filt.shape[0], -1)); "
                     "return float(s[0] ** 2 / (s ** 2).sum())")


@register("06a.rank1_kernel", kind="build")
def _rank1_kernel(fn):
    g = torch.Generator().manual_seed(2)
    for cout, cin, k in [(4, 3, 3), (8, 16, 3), (2, 5, 5)]:
        channel, spatial = torch.randn(cout, cin, generator=g), torch.randn(cout, k, k, generator=g)
        got = fn(channel, spatial)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != (cout, cin, k, k):
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            raise Mismatch(f"for channel {tuple(channel.shape)} "
                           f"and spatial {tuple(spatial.shape)} return a conv "
                           f"weight of shape (C_out, C_in, k, k) = {(cout, cin, k, k)}, got {shape}. "
                           "Broadcasting: give each factor size-1 axes where the other has its own.",
                           fix=_RANK1_FIX)
        want = channel[:, :, None, None] * spatial[:, None]
        if not torch.allclose(got, want, atol=1e-5):
            sep = float(kernel_separability(got))
            raise Mismatch("your weight has the right shape but other values: which axis of each factor "
                           "lines up with which axis of the weight (o, c, i, j)?"
                           + ("" if sep > 0.9995 else f" (it is not even rank 1: separability {sep:.3f})"),
                           fix=_RANK1_FIX)


_RANK1_FIX = ("weight[o, c, i, j] = channel[o, c] * spatial[o, i, j]: "
              "return channel[:, :, None, None] * spatial[:, None]")
