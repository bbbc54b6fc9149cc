"""Notebook 09's miniature of Fig. 6 (Sec. 4.5): a small Xception against a small Inception-style net at one
parameter count (``experiments.fig6``), a small live run beside a longer stored one, each judged by the band
rule of notebook 10 (every seed of one above every seed of the other; ``summary.band_p_value``). The longer
run takes longer than the notebook's minute, so it is stored here with the command that made it."""
from __future__ import annotations

import statistics
from fractions import Fraction

from ..experiments import fig6
from ..experiments.summary import band_p_value, band_verdict
from .ablation_figures import plot_curves
from .figures import Described, described
from .joint_task_depth import paired_wins
from .wording import plural

COMMAND = "python -m xception_edu.experiments.fig6 --seeds 6 --epochs 8 --train-size 1024"
"""The command that made ``STORED`` (its JSON output, written as a Python dict)."""

LIVE = dict(seeds=(0, 1), epochs=4, n_train=384)
"""The notebook's live run: two seeds, four epochs of 384 images (seconds, not minutes)."""

STORED = {'settings': {'task': 'mixed',
                       'seeds': [0, 1, 2, 3, 4, 5],
                       'n_train': 1024,
                       'n_val': 256,
                       'image_size': 32,
                       'epochs': 8,
                       'batch_size': 32,
                       'width': 16},
          'params': {'Xception': 28016, 'Inception': 27736},
          'train_acc': {'Xception': [[0.3594, 0.7031, 0.7998, 0.8506, 0.8936, 0.9023, 0.915, 0.9131],
                                     [0.3574, 0.7754, 0.8682, 0.8711, 0.9062, 0.9131, 0.9375, 0.9385],
                                     [0.3545, 0.7256, 0.8066, 0.8682, 0.8848, 0.8984, 0.9277, 0.9238],
                                     [0.3633, 0.752, 0.8271, 0.8545, 0.9072, 0.9141, 0.9326, 0.9316],
                                     [0.3838, 0.7178, 0.8164, 0.8555, 0.9082, 0.9258, 0.9473, 0.9277],
                                     [0.4355, 0.6934, 0.8008, 0.8662, 0.8779, 0.9014, 0.915, 0.8984]],
                        'Inception': [[0.4902, 0.8066, 0.873, 0.9121, 0.918, 0.9248, 0.9424, 0.9502],
                                      [0.541, 0.8281, 0.8867, 0.8965, 0.9355, 0.9375, 0.9561, 0.9551],
                                      [0.5244, 0.8066, 0.8662, 0.8857, 0.9346, 0.9395, 0.9619, 0.9688],
                                      [0.4922, 0.8057, 0.835, 0.8604, 0.9023, 0.9062, 0.9287, 0.9434],
                                      [0.5488, 0.8105, 0.8691, 0.8936, 0.9209, 0.9541, 0.9678, 0.9492],
                                      [0.5293, 0.792, 0.8564, 0.8867, 0.9111, 0.9434, 0.9492, 0.957]]},
          'val_acc': {'Xception': [0.8867, 0.8789, 0.8555, 0.8984, 0.8906, 0.8867],
                      'Inception': [0.8984, 0.9297, 0.8867, 0.9102, 0.9102, 0.9258]}}
"""``experiments.fig6.fig6_runs`` over seeds 0-5, 8 epochs of 1,024 images: settings, parameters, the
training accuracy of each epoch and the held-out accuracy at the end, per net and seed."""


def live_run() -> dict:
    """Train the two nets as ``LIVE`` says (``experiments.fig6.fig6_runs``)."""
    return fig6.fig6_runs(**LIVE)


def verdict(result: dict) -> tuple[str, Fraction]:
    """The band rule on the held-out accuracies, "Xception beats Inception": its verdict ("agrees",
    "disagrees" or "cannot say") and the smallest p the seeds allow (``band_p_value``: the p of a separated
    verdict either way; a "cannot say" reaches no p at all)."""
    x, i = result["val_acc"]["Xception"], result["val_acc"]["Inception"]
    return band_verdict(x, i), band_p_value(len(x), len(i))


def _run_name(result: dict) -> str:
    s = result["settings"]
    return f"{plural(len(s['seeds']), 'seed')}, {s['epochs']} epochs of {s['n_train']:,} images"


def params_line(result: dict) -> str:
    """Both nets' parameter counts (the package's counter, batch norm included) and how far apart."""
    x, i = result["params"]["Xception"], result["params"]["Inception"]
    return (f"Xception-style: {x:,} parameters; Inception-style: {i:,} parameters "
            f"({100 * abs(x - i) / x:.1f}% apart; count_params, batch norm included)")


def _acc(values) -> str:
    return f"{statistics.fmean(values):.3f} ({min(values):.3f} to {max(values):.3f})"


def _said(said: str, p: Fraction) -> str:
    if said == "cannot say":
        return "cannot say (bands overlap)"
    ahead = "Xception" if said == "agrees" else "Inception"
    return f"{ahead}-style ahead, p = 1/{p.denominator}"


def verdict_table(live: dict, stored: dict | None = None) -> str:
    """Per run (live, stored): the held-out accuracy of both nets (mean, lowest to highest seed), the band
    rule's verdict (every seed of one above every seed of the other) with its p, the seeds in which the
    Xception-style net is ahead (paired: both nets of a seed share data and initial seed), and the command
    that made the stored run."""
    stored = STORED if stored is None else stored
    runs = {"live": live, "stored": stored}
    cells = {name: [f"{name} ({_run_name(r)})", _acc(r["val_acc"]["Xception"]),
                    _acc(r["val_acc"]["Inception"]), _said(*verdict(r)),
                    f"{paired_wins(r['val_acc']['Xception'], r['val_acc']['Inception'])} of "
                    f"{len(r['val_acc']['Xception'])} seeds"] for name, r in runs.items()}
    heads = ["", "Xception-style", "Inception-style", "band rule", "Xception ahead (paired)"]
    lines = [f"{head:<25}" + "".join(f"{c[row]:<44}" for c in cells.values()).rstrip()
             for row, head in enumerate(heads)]
    lines.append("(held-out accuracy at the end: mean (lowest to highest seed); chance = 1/16)")
    lines.append(f"(stored by: {COMMAND})")
    return "\n".join(lines)


def _rows(result: dict) -> list[dict]:
    """The runs as ``ablation_figures.plot_curves`` takes them: one row per net and seed, with its history."""
    return [{"config": f"{name}-style", "seed": seed,
             "history": [{"epoch": e, "train_acc": a} for e, a in enumerate(curve, 1)]}
            for name in fig6.NETS
            for seed, curve in zip(result["settings"]["seeds"], result["train_acc"][name], strict=True)]


def _band_text(result: dict) -> str:
    parts = []
    for name in fig6.NETS:
        band = fig6.seed_band(result["train_acc"][name])
        last = len(band["mean"])
        parts.append(f"{name}-style from {band['mean'][0]:.2f} after epoch 1 to {band['mean'][-1]:.2f} "
                     f"(seeds {band['min'][-1]:.2f} to {band['max'][-1]:.2f}) after epoch {last}")
    return "; ".join(parts)


def figure(live: dict, stored: dict | None = None) -> Described:
    """Fig. 6 in miniature: training accuracy against epochs, live run and stored run side by side, each net
    its mean over seeds in a band from its lowest to its highest seed; one legend under the panels. The
    text alternative and the table give the same numbers."""
    import matplotlib.pyplot as plt

    stored = STORED if stored is None else stored
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.6), layout="constrained", sharey=True)
    for ax, (name, result) in zip(axes, (("live", live), ("stored", stored))):
        plot_curves(_rows(result), "train_acc", ax=ax, title=f"{name}: {_run_name(result)}", legend=False)
        ax.set_ylim(0, 1)
    axes[1].set_ylabel("")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, [label.split(" (")[0] for label in labels], loc="outside lower center", ncol=2,
               fontsize=10)
    alt = ("Training accuracy (averaged over each epoch) against epochs, a small Xception-style net and a "
           "small Inception-style net at one parameter count, each the mean over seeds in a band from the "
           f"lowest to the highest seed. Live run ({_run_name(live)}): {_band_text(live)}. Stored run "
           f"({_run_name(stored)}): {_band_text(stored)}.")
    data = [["run", "net", "epoch", "training accuracy: mean (lowest to highest seed)"]]
    for name, result in (("live", live), ("stored", stored)):
        for net in fig6.NETS:
            band = fig6.seed_band(result["train_acc"][net])
            data += [[name, f"{net}-style", e, f"{m:.3f} ({lo:.3f} to {hi:.3f})"]
                     for e, (m, lo, hi) in enumerate(zip(band["mean"], band["min"], band["max"]), 1)]
    return described(fig, alt, data)
