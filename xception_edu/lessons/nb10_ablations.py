"""Notebook 10, the ablations of Figs 9 and 10 (Sec. 4) and the spectrum of Sec. 1.2 whose intermediate
points Sec. 5 leaves open: their curves and the spectrum plot, with error bars over seeds, and the exercise
checks. The grids run in ``experiments/ablations.py``."""

from __future__ import annotations

import statistics

import torch.nn as nn

from .. import counting
from ..exercises import Mismatch, check, register
from ..experiments import ablations
from ..experiments.ablations import summarize

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "plot_curves", "plot_spectrum",
]


def plot_curves(rows: list[dict], metric: str = "val_acc", ax=None, title: str = ""):
    """Figs 9/10 style: per configuration, the mean curve over seeds, a band from the lowest to the
    highest seed, and each seed as a thin line."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 3.3))
    names = list(dict.fromkeys(r["config"] for r in rows))
    for i, name in enumerate(names):
        runs = [r["history"] for r in rows if r["config"] == name]
        n = min(len(h) for h in runs)
        xs = [runs[0][j]["epoch"] for j in range(n)]
        ys = [[h[j][metric] for h in runs] for j in range(n)]
        color = f"C{i}"
        for h in runs:
            ax.plot(xs, [h[j][metric] for j in range(n)], color=color, lw=0.6, alpha=0.4)
        ax.fill_between(xs, [min(y) for y in ys], [max(y) for y in ys], color=color, alpha=0.15)
        ax.plot(xs, [statistics.fmean(y) for y in ys], color=color, lw=2, marker="o",
                label=f"{name} ({len(runs)} seeds)")
    ax.set_xlabel("epochs")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel({"val_acc": "validation accuracy", "train_acc": "training accuracy",
                   "val_loss": "validation loss", "train_loss": "training loss"}.get(metric, metric))
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax.figure


def plot_spectrum(rows: list[dict], metric: str = "final_val_acc", title: str = ""):
    """Two panels against the number of groups g: accuracy (mean ± std over seeds, each seed a dot)
    and time per training step (mean ± std)."""
    import matplotlib.pyplot as plt

    summary = summarize(rows, metric)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    xs = range(len(summary))
    labels = [f"{s['groups']}\n{s['params'] / 1e3:.0f}k params" for s in summary]
    a.errorbar(xs, [s["mean"] for s in summary], yerr=[s["std"] for s in summary], fmt="o-", capsize=4)
    for x, s in zip(xs, summary):
        vals = [r[metric] for r in rows if r["config"] == s["config"]]
        a.plot([x] * len(vals), vals, ".", color="grey", alpha=0.6)
    a.set_ylabel("validation accuracy")
    b.errorbar(xs, [1000 * s["s_per_step"] for s in summary],
               yerr=[1000 * s["s_per_step_std"] for s in summary],
               fmt="s-", color="C3", capsize=4)
    b.set_ylabel("ms per training step")
    for ax in (a, b):
        ax.set_xticks(list(xs), labels, fontsize=8)
        ax.set_xlabel("groups g in the spatial step (C: depthwise)")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# --- exercise checks --------------------------------------------------------------------------------------


@register("10.group_params")
def _group_params(fn):
    for c, g, k in [(8, 8, 3), (8, 1, 3), (32, 4, 3), (184, 8, 3), (16, 2, 5)]:
        got, want = fn(c, g, k), counting.count_params(nn.Conv2d(c, c, k, groups=g, bias=False))
        if got != want:
            hint = (" Each of the g groups maps c/g channels to c/g channels: g x (c/g)^2 x k^2 weights."
                    if got in (k * k * c * c, k * k * c * g) else
                    " Count one group first, then multiply by g.")
            raise Mismatch(f"group_params({c}, {g}, {k}) returned {got}, expected {want}.{hint}")


@register("10.mean_std")
def _mean_std(fn):
    for values in ([0.5, 0.7, 0.6], [0.25, 0.25, 0.25], [0.1, 0.9], [0.31, 0.42, 0.38, 0.55]):
        got, want = tuple(float(v) for v in fn(values)), ablations.mean_std(values)
        if abs(got[0] - want[0]) > 1e-9 or abs(got[1] - want[1]) > 1e-9:
            hint = (" That is the population std (divide by n); with 3 seeds use the sample std (n - 1)."
                    if len(values) > 1 and abs(got[1] - statistics.pstdev(values)) < 1e-9 else "")
            raise Mismatch(f"mean_std({values}) returned ({got[0]:.4f}, {got[1]:.4f}), expected "
                           f"({want[0]:.4f}, {want[1]:.4f}).{hint}")
