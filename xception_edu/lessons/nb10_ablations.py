"""Notebook 10, the ablations of Figs 9 and 10 (Sec. 4) and the spectrum of Sec. 1.2 whose intermediate
points Sec. 5 leaves open: their curves and the spectrum plot, with error bars over seeds, and the exercise
checks. The grids run in ``experiments/ablations.py``."""

from __future__ import annotations

import statistics

import torch.nn as nn

from .. import counting
from ..exercises import check, register
from ..experiments import ablations
from ..experiments.ablations import summarize
from .checking import Mistake, closed_form

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
    closed_form(
        "group_params", fn, [(8, 8, 3), (8, 1, 3), (32, 4, 3), (184, 8, 3), (16, 2, 5), (12, 3, 1)],
        lambda c, g, k: counting.count_params(nn.Conv2d(c, c, k, groups=g, bias=False)), [
            Mistake(lambda c, g, k: k * k * c * c, "That ignores the groups: each group's filters see only "
                    "the c/g channels of their own group."),
            Mistake(lambda c, g, k: k * k * c * g, "Each of the g groups maps c/g channels to c/g channels: "
                    "count one group's weights first."),
            Mistake(lambda c, g, k: k * k * c * c // (g * g), "That is ONE group: multiply by the g groups."),
            Mistake(lambda c, g, k: k * k * c * c // (g * g * g),
                    "You divided by g once too often: g groups, "
                    "each mapping c/g channels to c/g."),
            Mistake(lambda c, g, k: k * c * c // g, "A k x k filter has k*k weights, not k."),
        ], nudge="Count one group first (c/g channels in, c/g out, k x k filters), then multiply by g.",
        fix="group_params = g * (c // g) * (c // g) * k * k.")


@register("10.mean_std")
def _mean_std(fn):
    closed_form(
        "mean_std", lambda values: tuple(fn(list(values))),
        [((0.5, 0.7, 0.6),), ((0.25, 0.25, 0.25),), ((0.1, 0.9),), ((0.31, 0.42, 0.38, 0.55),), ((0.4,),)],
        lambda values: ablations.mean_std(values), [
            Mistake(lambda values: (statistics.fmean(values), statistics.pstdev(values)), "That is the "
                    "population std (divide by n); for a few seeds use the sample std (divide by n - 1)."),
            Mistake(lambda values: (statistics.fmean(values), statistics.variance(values)), "That is the "
                    "variance: the standard deviation is its square root."),
            Mistake(lambda values: ablations.mean_std(values)[::-1], "You returned (std, mean): the order is "
                    "(mean, std)."),
            Mistake(lambda values: (statistics.median(values), statistics.stdev(values)),
                    "That is the median: "
                    "the mean is the sum divided by n."),
        ], describe=lambda values: f"mean_std({list(values)})",
        nudge="The mean, then the square root of the sum of squared deviations from it over n - 1.",
        fix="mean = sum(values) / n; std = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5 "
            "(0.0 for a single value).")
