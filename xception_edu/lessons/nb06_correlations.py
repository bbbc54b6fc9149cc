"""Notebook 06, correlations (Sec. 1.1): is the hypothesis true? The correlation explorer and the exercise
checks; the figures of the correlation measurements are ``correlation_figures``'s. The measures themselves
live in ``experiments`` (correlations.py, nets.py, operators.py). The deeper analyses (kernel separability,
W - W0, layer-by-layer profiles) are notebook 06a's: ``nb06a_correlations_deeper``."""

from __future__ import annotations

import math

import ipywidgets as W
import torch

from ..data import photo_regions, synthetic
from ..data.synthetic_set import CHANNEL_CORRELATIONS
from ..devices import cpu_threads
from ..exercises import Mismatch, attempt, check, register
from ..experiments import correlations as co
from ..experiments.correlations import (
    autocorrelation,
    channel_correlation,
    collect_maps,
    correlation_length,
)
from ..experiments.nets import KIND_NAMES, KINDS, small_net
from ..experiments.operators import TASKS, which_learns_what
from ..experiments.pool import default_processes
from .app import App, rebuild_in_browser
from .checking import NOT_FINITE, close
from .correlation_figures import curves_figure, photo_correlation_figure, synthetic_factors_figure
from .joint_task_depth import depth_table
from .svg import svg_curves, svg_heatmap

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "autocorrelation", "channel_correlation", "CHANNEL_CORRELATIONS", "channel_factor_correlations", "check",
    "collect_maps", "correlation_explorer", "correlation_length", "correlation_numbers", "correlation_view",
    "curves_figure", "default_processes", "depth_table", "KIND_NAMES", "KINDS", "photo_correlation_figure",
    "photo_regions", "small_net", "synthetic_factors_figure", "TASKS", "which_learns_what",
]


def channel_factor_correlations(n: int = 256, size: int = 32, seed: int = 0) -> dict:
    """Channel factor name -> its (3, 3) R, G, B correlation matrix (``correlations.channel_correlation``
    of each image, averaged over the factor's images in ``n`` of the synthetic set's 'channel' task), to
    hold against ``CHANNEL_CORRELATIONS``, the matrices the set is built from."""
    ds = synthetic(n, size, task="channel", seed=seed, materialize=True)
    images, labels = ds.tensors()
    return {name: torch.stack([co.channel_correlation(x) for x in images[labels == k]]).mean(0)
            for k, name in enumerate(ds.classes)}


# --- the correlation explorer: between channels and across space, layer by layer -------------------------


def _channel_label(channels: int, i: int) -> str:
    return ("R", "G", "B")[i] if channels == 3 else f"channel {i}"


def correlation_numbers(maps: dict, layer: str, image: int, a: int, b: int, max_distance: int = 6) -> dict:
    """The numbers behind the correlation explorer, without any drawing, for one image of ``maps``
    (layer name -> (N, C, H, W), e.g. the input then ``correlations.collect_maps``): the layer's C x C
    channel correlation matrix on that image, the correlation of channels ``a`` and ``b``, the mean
    |correlation| between different channels, the two maps and their spatial autocorrelation curves."""
    if layer not in maps:
        raise ValueError(f"layer={layer!r} is not one of {list(maps)}")
    m = maps[layer]
    n, c = m.shape[0], m.shape[1]
    if not 0 <= image < n:
        raise ValueError(f"image={image} is out of range: these maps hold {n} images (0..{n - 1})")
    for name, v in (("a", a), ("b", b)):
        if not 0 <= v < c:
            raise ValueError(f"{name}={v} is not a channel of {layer!r}, which has {c} (0..{c - 1})")
    x = m[image]
    matrix = co.channel_correlation(x)
    return {
        "matrix": matrix, "r": float(matrix[a, b]), "cross_channel": co.mean_abs_offdiagonal(matrix),
        "dead": int(matrix.diagonal().isnan().sum()), "map_a": x[a], "map_b": x[b],
        "autocorrelation": co.autocorrelation(x[[a, b]], min(max_distance, x.shape[-1] - 1)),
        "channels": c, "size": x.shape[-1], "stride": next(iter(maps.values())).shape[-1] / x.shape[-1],
    }


def correlation_view(maps: dict, layer: str, image: int, a: int, b: int) -> str:
    """HTML for the correlation explorer: the two chosen channel maps, the layer's channel correlation
    matrix with the pair outlined, and the two channels' autocorrelation against distance (inline SVG
    with embedded PNGs: a redraw takes a few milliseconds). Stable texts for tests: ``r = 0.83``,
    ``mean |r| between channels: 0.41``."""
    with cpu_threads(1):
        nums = correlation_numbers(maps, layer, image, a, b)
    c, la, lb = nums["channels"], _channel_label(nums["channels"], a), _channel_label(nums["channels"], b)
    r = nums["r"]
    r_text = "undefined (a constant channel)" if r != r else f"{r:.2f}"
    dead = (f" · {nums['dead']} constant (dead) channel{'s' if nums['dead'] != 1 else ''}"
            if nums["dead"] else "")
    auto = nums["autocorrelation"]
    stride = nums["stride"]
    distances = [d * stride for d in range(auto.shape[1])]
    first = next(iter(maps.values()))
    thumb = (svg_heatmap(first[image].permute(1, 2, 0).numpy(), size=120, vmin=-1, vmax=1, title="the image")
             if first.shape[1] == 3 else "")  # the input, in colour (values in [-1, 1])
    maps_html = thumb + "".join(
        svg_heatmap(nums[key].numpy(), size=120, cmap="gray", vmin=None, vmax=None, title=label)
        for key, label in (("map_a", la), ("map_b", lb)))
    return (
        f"<p><b>{layer}</b> ({c} channels, {nums['size']}x{nums['size']} px), image {image}: "
        f"<span class='xe-r'>r = {r_text}</span> between {la} and {lb} · "
        f"<span class='xe-cross'>mean |r| between channels: {nums['cross_channel']:.2f}</span>{dead}</p>"
        "<div style='display:flex;gap:10px;align-items:flex-start;flex-wrap:wrap'>"
        + maps_html
        + svg_heatmap(nums["matrix"].numpy(), size=160, mark=(a, b), title="correlation: purple -1, brown +1",
                      xlabel="channel", ylabel="channel")
        + svg_curves(distances, {la: auto[0].tolist(), lb: auto[1].tolist()},
                     xlabel="distance (input pixels)", ylabel="autocorrelation", title="spatial correlation")
        + "</div>"
    )


def set_slider_max(slider: W.IntSlider, top: int) -> None:
    """Give ``slider`` a new maximum that the browser's End key reaches too (``app.rebuild_in_browser``)."""
    if slider.max == top:
        return
    slider.max = top
    rebuild_in_browser(slider)


def correlation_explorer(maps: dict, layer: str | None = None, image: int = 0, a: int = 0, b: int = 1,
                         image_labels=None) -> App:
    """Notebook 06's widget: choose a layer, an image and a pair of channels; see the two maps, the
    layer's channel correlation matrix and the spatial autocorrelation (``correlation_view``).
    ``maps``: layer name -> (N, C, H, W), in order from the input; ``image_labels``: N names."""
    if not maps:
        raise ValueError("maps is empty: pass {layer name: (N, C, H, W) tensor}, e.g. the input then "
                         "correlations.collect_maps(model, x)")
    layer = next(iter(maps)) if layer is None else layer
    correlation_numbers(maps, layer, image, a, b)  # validates every choice, with a clear message
    n = next(iter(maps.values())).shape[0]
    labels = list(image_labels) if image_labels is not None else [str(i) for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"image_labels has {len(labels)} names for {n} images")
    c = maps[layer].shape[1]
    controls = {
        "layer": W.Dropdown(options=list(maps), value=layer, description="layer"),
        "image": W.Dropdown(options=[(f"{i}: {s}", i) for i, s in enumerate(labels)], value=image,
                            description="image"),
        "a": W.IntSlider(min=0, max=c - 1, value=a, description="channel a", continuous_update=False),
        "b": W.IntSlider(min=0, max=c - 1, value=b, description="channel b", continuous_update=False),
    }

    app: list[App] = []

    def keep_channels_valid(_change):
        # Registered BEFORE the App's own observers: the sliders take the new layer's range (clamping their
        # values) with redraws held, so the App's redraw for the layer move sees valid channels only.
        top = maps[controls["layer"].value].shape[1] - 1
        with app[0].hold(redraw=False):
            for name in ("a", "b"):
                set_slider_max(controls[name], top)

    controls["layer"].observe(keep_channels_valid, names="value")

    def view(layer, image, a, b):
        return correlation_view(maps, layer, image, a, b)

    app.append(App(controls, view, title="Correlations between channels and across space"))
    return app[0]


# --- exercise checks --------------------------------------------------------------------------------------


@register("06.channel_correlation", kind="build")
def _channel_correlation(fn):
    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 12, 10, generator=g)
    image = torch.stack([base[0] + 2, 0.5 * base[0] + base[1] + 1, -base[0] + 0.3 * base[2] - 4])
    for a, b in [(0, 1), (0, 2), (1, 2), (1, 1)]:
        got = attempt(fn, (image, a, b), f"channels {a} and {b}",
                      "Pearson's r: centre both channels, then normalize their covariance by both spreads.",
                      fix=_CHANNEL_FIX)
        want = float(co.channel_correlation(image)[a, b])
        if not isinstance(got, (int, float, torch.Tensor)) or torch.as_tensor(got).numel() != 1:
            shape = f" of shape {tuple(got.shape)}" if hasattr(got, "shape") else ""
            raise Mismatch(f"return ONE number, the correlation of channels {a} and {b}; got a "
                           f"{type(got).__name__}{shape}",
                           fix="reduce the two flattened channels to their one Pearson r; return float(r).")
        got = float(got)
        if not close(got, want, 1e-4):
            x, y = image[a].flatten(), image[b].flatten()
            cosine = float((x @ y) / (x.norm() * y.norm()))
            hint = (NOT_FINITE if not math.isfinite(got) else
                    " That is the cosine of the raw channels: subtract each channel's mean first."
                    if close(got, cosine, 1e-4) else
                    " That is not between -1 and 1: a correlation is the covariance NORMALIZED by the spread "
                    "of both channels." if abs(got) > 1 else
                    " Pearson's r: centre both channels, then normalize their covariance by both spreads.")
            raise Mismatch(f"channels {a} and {b}: you returned {got:.4f}, expected {want:.4f}.{hint}",
                           fix=_CHANNEL_FIX)


_CHANNEL_FIX = ("x = image[a].flatten() - image[a].mean(), y the same for b; "
                "r = (x * y).sum() / (x.square().sum() * y.square().sum()).sqrt()")
_SHIFT_FIX = ("x = image[c, :, :W - d] and y = image[c, :, d:] with W = image.shape[-1], both flattened and "
              "centred; r = (x * y).sum() / (x.square().sum() * y.square().sum()).sqrt()")


@register("06.shift_correlation", kind="build")
def _shift_correlation(fn):
    g = torch.Generator().manual_seed(3)
    base = torch.randn(2, 14, 17, generator=g).cumsum(-1)  # a random walk along the width: smooth rows
    image = torch.stack([base[0], base[1] + torch.linspace(0, 3, 14)[:, None]])
    for c, d in [(0, 1), (1, 3), (0, 5), (1, 0)]:
        got = attempt(fn, (image, c, d), f"channel {c} at d = {d}",
                      "At d = 0, what is left of the slice `[:, :-d]`?" if d == 0 else
                      "Pair every pixel with the one d px to its right in the same row.", fix=_SHIFT_FIX)
        if not isinstance(got, (int, float, torch.Tensor)) or torch.as_tensor(got).numel() != 1:
            raise Mismatch(f"return ONE number, the correlation of channel {c} with itself {d} px along; "
                           f"got a {type(got).__name__}" + (f" of shape {tuple(got.shape)}"
                                                            if hasattr(got, "shape") else ""),
                           fix="correlate the two flattened, shifted copies of the channel into one Pearson "
                               "r and return float(r).")
        got, want = float(got), float(autocorrelation(image[c:c + 1], d, axis="horizontal")[0, d])
        if not close(got, want, 1e-4):
            x = image[c]
            rolled = float(channel_correlation(torch.stack([x, x.roll(d, -1)]))[0, 1])
            vertical = (float(autocorrelation(image[c:c + 1], d, axis="vertical")[0, d])
                        if d < image.shape[-2] else float("nan"))
            left, right = x[:, :x.shape[-1] - d].flatten(), x[:, d:].flatten()
            cosine = float((left @ right) / (left.norm() * right.norm()))
            hint = (NOT_FINITE + " At d = 0, what is left of the slice `[:, :-d]`?"
                    if not math.isfinite(got) else
                    " torch.roll wraps around: the last columns meet the first, pixels that are not d px "
                    "apart in the image. Keep only the pairs that are." if close(got, rolled, 1e-4) else
                    " That is the shift along the HEIGHT (rows); shift along the width (the last axis)."
                    if close(got, vertical, 1e-4) else
                    " You paired the right pixels but took their cosine: a correlation centres each set "
                    "first." if close(got, cosine, 1e-4) else
                    " Pair every pixel with the one d px to its right in the same row (no wrap-around), then "
                    "take the Pearson correlation of the two sets of values.")
            raise Mismatch(f"channel {c} at d = {d}: you returned {got:.4f}, expected {want:.4f}.{hint}",
                           fix=_SHIFT_FIX)
