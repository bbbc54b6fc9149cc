"""Notebook 06, correlations (Sec. 1.1): is the hypothesis true? The figures of the correlation measurements,
the correlation explorer, the exercise checks. The measures themselves live in ``experiments``
(correlations.py, nets.py, operators.py). The deeper analyses (kernel separability, W - W0, layer-by-layer
profiles) are notebook 06a's: ``nb06a_correlations_deeper``."""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import torch

from ..data import CHANNEL, PHOTO_REGIONS, SPATIAL, photo_regions, render, synthetic
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
from .app import App
from .checking import NOT_FINITE, close
from .figures import PALETTE, Described, described, series_style
from .joint_task_depth import depth_table
from .svg import CORR_CMAP, svg_curves, svg_heatmap

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "autocorrelation", "channel_correlation", "CHANNEL_CORRELATIONS", "channel_factor_correlations", "check",
    "collect_maps", "correlation_explorer", "correlation_length", "correlation_numbers", "correlation_view",
    "curves_figure", "default_processes", "depth_table", "KIND_NAMES", "KINDS", "photo_correlation_figure",
    "photo_regions", "small_net", "synthetic_factors_figure", "TASKS", "which_learns_what",
]


def photo_correlation_figure(regions: dict, boxes: dict | None = None) -> Described:
    """The photograph with its regions outlined, and each region's R, G, B correlation matrix
    (``correlations.channel_correlation``) with the values written in. ``regions``: name -> (3, H, W)
    in [0, 1], the first being the whole photo; ``boxes``: name -> (top, bottom, left, right)."""
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    boxes = PHOTO_REGIONS if boxes is None else boxes
    names = list(regions)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(2.5 * (len(names) + 1) + 0.6, 3.1),
                             gridspec_kw={"width_ratios": [1.4] + [1] * len(names)})
    whole = regions[names[0]]
    axes[0].imshow(whole.permute(1, 2, 0).numpy())
    outline = [pe.withStroke(linewidth=2.5, foreground="black")]  # white on black: readable on any colour
    for k, name in enumerate(names[1:]):
        t, b, left, r = boxes[name]
        colour = PALETTE[k % len(PALETTE)]
        axes[0].add_patch(Rectangle((left, t), r - left, b - t, fill=False, color=colour, lw=2))
        x, ha = (r - 4, "right") if r > 0.8 * whole.shape[-1] else (left + 4, "left")
        axes[0].text(x, t + 6, name, color="white", fontsize=9, weight="bold", va="top", ha=ha,
                     path_effects=outline)
    axes[0].axis("off")
    rows = [["region", "r(R,G)", "r(R,B)", "r(G,B)"]]
    for ax, name in zip(axes[1:], names):
        m = co.channel_correlation(regions[name]).numpy()
        rows.append([name] + [f"{m[i, j]:.2f}" for i, j in ((0, 1), (0, 2), (1, 2))])
        image = ax.imshow(m, cmap=CORR_CMAP, vmin=-1, vmax=1)
        for i in range(3):
            for j in range(3):
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(m[i, j]) > 0.75 else "black")  # readable on the dark ends
        ax.set_xticks(range(3), ["R", "G", "B"]), ax.set_yticks(range(3), ["R", "G", "B"])
        ax.set_title(name, fontsize=10)
    fig.tight_layout()
    fig.colorbar(image, ax=list(axes[1:]), fraction=0.02, pad=0.02, ticks=[-1, -0.5, 0, 0.5, 1],
                 label="correlation r")
    alt = (f"The photograph ({whole.shape[-2]} x {whole.shape[-1]} px) with {len(names) - 1} regions "
           f"outlined ({', '.join(names[1:])}), and the correlation between its R, G and B channels in each "
           "region: "
           + "; ".join(f"{row[0]}: R-G {row[1]}, R-B {row[2]}, G-B {row[3]}" for row in rows[1:]) + ".")
    return described(fig, alt, rows)


def _direct_labels(ax, ends: dict[str, tuple[float, float, str]], min_gap: float = 0.09) -> None:
    """Each curve's name just right of the axes, at its last point's height (spread apart so none overlap)
    and tied to that point by a thin line in the curve's colour: no legend to decode by colour."""
    from matplotlib.transforms import blended_transform_factory

    lo, hi = ax.get_ylim()
    gap = min_gap * (hi - lo)
    placed: list[float] = []
    for name, (x, y, colour) in sorted(ends.items(), key=lambda kv: kv[1][1]):
        at = max(y, placed[-1] + gap) if placed else y
        placed.append(at)
        ax.annotate(name, xy=(x, y), xytext=(1.04, at), fontsize=10, va="center",
                    textcoords=blended_transform_factory(ax.transAxes, ax.transData),
                    arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.8, "shrinkA": 0, "shrinkB": 2})


def _curve_rows(series: dict, xlabel: str, ylabel: str) -> list[list]:
    """The curves' numbers as table rows: one row per x and a column per curve when they share their xs."""
    first = next(iter(series.values()))[0]
    if all(xs == first for xs, _ in series.values()):
        return [[xlabel, *series]] + [[f"{x:g}", *(f"{ys[i]:.2f}" for _, ys in series.values())]
                                      for i, x in enumerate(first)]
    return [["curve", xlabel, ylabel]] + [[name, f"{x:g}", f"{y:.2f}"] for name, (xs, ys) in series.items()
                                          for x, y in zip(xs, ys)]


def curves_figure(curves: dict, xlabel: str = "distance (pixels)", ylabel: str = "autocorrelation",
                  title: str = "", level: float | None = 0.5) -> Described:
    """Lines on one axis (``curves``: label -> (xs, ys), xs evenly spaced from 0), each with its own line
    style and marker and labelled at its end, with a dotted line at ``level`` (the 0.5 that
    ``correlations.correlation_length`` reads off)."""
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("curves is empty: pass {label: (xs, ys)}")
    series = {label: ([float(x) for x in xs], [float(y) for y in ys]) for label, (xs, ys) in curves.items()}
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ends, parts = {}, []
    for i, (label, (xs, ys)) in enumerate(series.items()):
        style = series_style(i)
        ax.plot(xs, ys, label=label, markersize=5, **style)
        ends[label] = (xs[-1], ys[-1], style["color"])
        part = f"{label} from {ys[0]:.2f} at {xs[0]:g} to {ys[-1]:.2f} at {xs[-1]:g}"
        if level is not None:
            length = correlation_length(ys, stride=xs[1] - xs[0] if len(xs) > 1 else 1.0, level=level)
            part += (f", falling to {level:g} at {length:.1f}" if math.isfinite(length) else
                     f", above {level:g} throughout")
        parts.append(part)
    if level is not None:
        ax.axhline(level, color="#767676", ls=":", lw=1)
    ax.set_xlabel(xlabel), ax.set_ylabel(ylabel), ax.set_title(title)
    _direct_labels(ax, ends)
    fig.tight_layout()
    count = f"{len(curves)} curve{'s' if len(curves) != 1 else ''}"
    alt = f"{title or ylabel} against {xlabel}, {count}: " + "; ".join(parts) + "."
    return described(fig, alt, _curve_rows(series, xlabel, ylabel))


def synthetic_factors_figure(size: int = 32, seed: int = 0) -> Described:
    """One image of the synthetic set (``data.synthetic``) for each pair of factors: rows are the
    spatial factor, columns the channel factor (how R, G and B are correlated)."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(SPATIAL), len(CHANNEL),
                             figsize=(1.5 * len(CHANNEL) + 1.2, 1.5 * len(SPATIAL)))
    for i, s in enumerate(SPATIAL):
        for j, c in enumerate(CHANNEL):
            ax = axes[i, j]
            ax.imshow(render(i, j, size, rng).transpose(1, 2, 0), interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(c, fontsize=9)
            if j == 0:
                ax.set_ylabel(s, fontsize=9)
    fig.tight_layout()
    alt = (f"A grid of {len(SPATIAL) * len(CHANNEL)} synthetic images, {size} x {size} px: rows are the "
           f"spatial factors ({', '.join(SPATIAL)}), columns the channel factors ({', '.join(CHANNEL)}).")
    return described(fig, alt)


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
    """Give ``slider`` a new maximum. The browser's slider (noUiSlider) keeps the range it was built with
    for its End key after a range change; a change of orientation makes ipywidgets build it anew."""
    if slider.max == top:
        return
    slider.max = top
    kept = slider.orientation
    slider.orientation = "vertical" if kept == "horizontal" else "horizontal"
    slider.orientation = kept


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
