"""Notebook 06's matplotlib figures (Sec. 1.1): the photograph's channel correlations by region, spatial
autocorrelation curves, and the synthetic set's factors. Each returns a ``figures.Described`` whose text
alternative states what it plots."""

from __future__ import annotations

import math

import numpy as np

from ..data import CHANNEL, PHOTO_REGIONS, SPATIAL, render
from ..experiments import correlations as co
from ..experiments.correlations import correlation_length
from .figures import PALETTE, Described, described, direct_labels, series_style
from .svg import CORR_CMAP


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
    direct_labels(ax, ends)
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
