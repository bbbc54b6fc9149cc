"""Notebook 10's figures: the curves of Figs 9 and 10 and the spectrum of Sec. 1.2, over seeds. ``plot_*``
draw on matplotlib; ``*_described`` return the figure with a text alternative and a table of its numbers,
both computed from the same runs it draws (``figures.described``), which is what the notebook shows."""

from __future__ import annotations

import statistics

from ..experiments.ablations import summarize
from .figures import PALETTE, Described, described, series_style
from .wording import plural

__all__ = ["METRIC_LABELS", "curves_described", "plot_curves", "plot_spectrum", "spectrum_described"]

METRIC_LABELS = {"val_acc": "validation accuracy", "train_acc": "training accuracy",
                 "val_loss": "validation loss", "train_loss": "training loss"}
FONT_PT = 10


def _curves(rows: list[dict], metric: str) -> list[tuple[str, list[int], list[list[float]]]]:
    """Per configuration (in the rows' order): its name, the epochs every seed has, and each seed's values
    there (a shorter seed limits its configuration's curve)."""
    out = []
    for name in dict.fromkeys(r["config"] for r in rows):
        runs = [r["history"] for r in rows if r["config"] == name]
        n = min(len(h) for h in runs)
        epochs = [runs[0][j]["epoch"] for j in range(n)]
        out.append((name, epochs, [[h[j][metric] for j in range(n)] for h in runs]))
    return out


def plot_curves(rows: list[dict], metric: str = "val_acc", ax=None, title: str = "", legend: bool = True):
    """Figs 9/10 style: per configuration, the mean curve over seeds (its own colour, line style and
    marker), a band from the lowest to the highest seed, and each seed as a thin line in the same style;
    the legend, if any, outside the axes."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 3.3))
    for i, (name, xs, seeds) in enumerate(_curves(rows, metric)):
        style = series_style(i)
        for ys in seeds:
            ax.plot(xs, ys, color=style["color"], linestyle=style["linestyle"], lw=0.7, alpha=0.5)
        by_epoch = list(zip(*seeds))
        ax.fill_between(xs, [min(y) for y in by_epoch], [max(y) for y in by_epoch], color=style["color"],
                        alpha=0.15)
        ax.plot(xs, [statistics.fmean(y) for y in by_epoch], lw=2, markersize=6, **style,
                label=f"{name} ({plural(len(seeds), 'seed')})")
    ax.set_xlabel("epochs")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    if title:
        ax.set_title(title, fontsize=FONT_PT)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=FONT_PT, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return ax.figure


def _range(values) -> str:
    return f"{statistics.fmean(values):.3f} ({min(values):.3f} to {max(values):.3f})"


def curves_described(rows: list[dict], metrics=("train_loss", "val_acc"), title: str = "") -> Described:
    """One panel per metric, stacked (they share the epochs), with one legend under them; its text
    alternative names each configuration's mean and seed range at its last epoch, its table every epoch."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(metrics), 1, figsize=(5.8, 2.9 * len(metrics) + 0.6), layout="constrained",
                             squeeze=False)
    for ax, metric in zip(axes[:, 0], metrics):
        label = METRIC_LABELS.get(metric, metric)
        plot_curves(rows, metric, ax=ax, title=f"{title}: {label}" if title else "", legend=False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), fontsize=FONT_PT)
    curves = {metric: _curves(rows, metric) for metric in metrics}
    names = [(name, xs, len(seeds)) for name, xs, seeds in curves[metrics[0]]]
    finals = []
    for i, (name, xs, n) in enumerate(names):
        parts = [f"{METRIC_LABELS.get(m, m)} {_range([s[-1] for s in curves[m][i][2]])}" for m in metrics]
        finals.append(f"{name} ({plural(n, 'seed')}) at epoch {xs[-1]}: " + ", ".join(parts))
    alt = (f"{title + ': ' if title else ''}{' and '.join(METRIC_LABELS.get(m, m) for m in metrics)} against "
           f"epochs, {len(names)} configurations, each the mean over its seeds (line with markers) in a band "
           "from its lowest to its highest seed. Mean (lowest to highest seed): " + "; ".join(finals) + ".")
    data = [["configuration", "seeds", "epoch", *(f"{METRIC_LABELS.get(m, m)}: mean (lowest to highest)"
                                                  for m in metrics)]]
    for i, (name, xs, n) in enumerate(names):
        for j, epoch in enumerate(xs):
            data.append([name, n, epoch, *(_range([s[j] for s in curves[m][i][2]]) for m in metrics)])
    return described(fig, alt, data)


def plot_spectrum(rows: list[dict], metric: str = "final_val_acc", title: str = ""):
    """Two panels against the number of groups g, one above the other: accuracy (mean ± std over seeds,
    each seed a dot) and time per training step (mean ± std)."""
    import matplotlib.pyplot as plt

    summary = summarize(rows, metric)
    fig, (a, b) = plt.subplots(2, 1, figsize=(5.8, 6.2))
    xs = range(len(summary))
    labels = [f"{s['groups']}\n{s['params'] / 1e3:.0f}k params" for s in summary]
    a.errorbar(xs, [s["mean"] for s in summary], yerr=[s["std"] for s in summary], fmt="o-",
               color=PALETTE[0], capsize=4)
    for x, s in zip(xs, summary):
        vals = [r[metric] for r in rows if r["config"] == s["config"]]
        a.plot([x] * len(vals), vals, ".", color="#555555", alpha=0.8)
    a.set_ylabel("validation accuracy")
    b.errorbar(xs, [1000 * s["s_per_step"] for s in summary],
               yerr=[1000 * s["s_per_step_std"] for s in summary], fmt="s--", color=PALETTE[1], capsize=4)
    b.set_ylabel("ms per training step")
    for ax in (a, b):
        ax.set_xticks(list(xs), labels, fontsize=9)
        ax.set_xlabel("groups g in the spatial step (C: depthwise)")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=FONT_PT)
    fig.tight_layout()
    return fig


def spectrum_described(rows: list[dict], metric: str = "final_val_acc", title: str = "") -> Described:
    """``plot_spectrum`` with a text alternative and a table: per configuration its groups, parameters,
    accuracy (mean ± std, seed range) and time per step, from the same summary it plots."""
    summary = summarize(rows, metric)
    acc = "; ".join(f"{s['config']} ({s['params']:,} parameters) {s['mean']:.3f} ± {s['std']:.3f}"
                    for s in summary)
    ms = "; ".join(f"{s['config']} {1000 * s['s_per_step']:.1f} ± {1000 * s['s_per_step_std']:.1f} ms"
                   for s in summary)
    alt = (f"{title + ': ' if title else ''}two panels against the groups g of the spatial step, "
           f"mean ± std over seeds. Above, validation accuracy: {acc}. Below, time per training step: {ms}.")
    data = [["configuration", "groups g", "parameters", "seeds", "validation accuracy: mean ± std",
             "lowest to highest seed", "ms per step: mean ± std"]]
    data += [[s["config"], s["groups"], f"{s['params']:,}", s["n"],
              f"{s['mean']:.3f} ± {s['std']:.3f}", f"{s['min']:.3f} to {s['max']:.3f}",
              f"{1000 * s['s_per_step']:.1f} ± {1000 * s['s_per_step_std']:.1f}"] for s in summary]
    return described(plot_spectrum(rows, metric, title), alt, data)
