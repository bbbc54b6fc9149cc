"""What notebook 09's training run shows: its curves in the style of Fig. 6 (Sec. 4.5), redrawn live after
each epoch, and the model's guesses on a few images. The figure functions draw on matplotlib; the
``*_described`` ones return the figure with a text alternative and a table computed from the same data
(``figures.described``), which is what the notebook shows."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ..train.history import FIELDS
from .figures import PALETTE, Described, described, series_style

FONT_PT = 10
METRIC_LABELS = {"val_acc": "validation accuracy", "train_acc": "training accuracy",
                 "val_loss": "validation loss", "train_loss": "training loss"}
# A right guess and a wrong one differ by a mark and a word, not by colour alone (the frame repeats it).
VERDICT_MARK = {True: ("✓ right", PALETTE[2]), False: ("✗ wrong", PALETTE[1])}


def plot_curves(histories: dict[str, list[dict]], metric: str = "val_acc", ax=None, x: str = "epoch",
                first_style: int = 0):
    """Accuracy (or loss) against epochs for one or more runs, as the paper draws Fig. 6.

    ``histories`` maps a label ("Xception", "Inception V3", ...) to a history list; the i-th run gets
    ``figures.series_style(first_style + i)`` (colour, line style and marker); the legend sits outside the
    axes."""
    import matplotlib.pyplot as plt

    if metric not in FIELDS:
        raise ValueError(f"metric={metric!r} is not one of {FIELDS}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 3.2))
    for i, (label, hist) in enumerate(histories.items()):
        points = [(r[x], r[metric]) for r in hist if r.get(metric) is not None]
        if points:
            xs, ys = zip(*points)
            style = series_style(first_style + i)
            if len(xs) >= 20:
                style["marker"] = None
            ax.plot(xs, ys, label=label, **style)
    ax.set_xlabel("epochs" if x == "epoch" else x)
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=FONT_PT, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return ax.figure


def training_figure(history: list[dict], chance: float | None = None, epochs: int | None = None,
                    title: str = ""):
    """Accuracy and loss against epochs for one run, training beside validation, as Fig. 6 draws
    ImageNet accuracy over the course of training. ``chance`` draws the accuracy of guessing (1 / classes);
    ``epochs`` fixes the x axis to the whole run, so a figure redrawn each epoch does not jump. One legend,
    under the panels."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, (acc, loss) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=80, layout="constrained")
    for ax, metric in ((acc, "acc"), (loss, "loss")):
        plot_curves({"training (during the epoch)": history}, f"train_{metric}", ax)
        plot_curves({"validation (weight average)": history}, f"val_{metric}", ax, first_style=1)
        ax.set_ylabel("accuracy" if metric == "acc" else "cross-entropy loss")
        if epochs:
            ax.set_xlim(0, epochs)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if chance is not None:
        acc.axhline(chance, color="#555555", ls=(0, (1, 3)), lw=1.2, label=f"chance ({chance:.3g})")
    acc.set_ylim(0, 1)
    for ax in (acc, loss):
        ax.get_legend().remove()
    handles, labels = acc.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=FONT_PT)
    if title:
        fig.suptitle(title, fontsize=FONT_PT + 1)
    return fig


def _change(history: list[dict], metric: str) -> str:
    values = [r[metric] for r in history if r.get(metric) is not None]
    if not values:
        return f"no {METRIC_LABELS[metric]}"
    return f"{METRIC_LABELS[metric]} {values[0]:.3f} to {values[-1]:.3f}"


def training_described(history: list[dict], chance: float | None = None, epochs: int | None = None,
                       title: str = "") -> Described:
    """``training_figure`` with a text alternative (each curve from its first epoch to its last) and a
    table of every epoch's numbers, from the same history."""
    if not history:
        raise ValueError("the history is empty: train at least one epoch")
    last = history[-1]["epoch"]
    alt = (f"{title + ': ' if title else ''}accuracy and loss against epochs 1 to {last:g}"
           + (f" of {epochs}" if epochs else "") + ". "
           + "; ".join(_change(history, m) for m in ("train_acc", "val_acc", "train_loss", "val_loss"))
           + (f"; chance accuracy {chance:.3g}." if chance is not None else "."))
    data = [["epoch", *METRIC_LABELS.values()]]
    data += [[f"{r['epoch']:g}", *("" if r.get(m) is None else f"{r[m]:.3f}" for m in METRIC_LABELS)]
             for r in history]
    return described(training_figure(history, chance, epochs, title), alt, data)


class LiveCurves:
    """An ``on_epoch_end`` callback for ``engine.Trainer`` that redraws ``training_described`` after every
    epoch in ONE notebook output (a display handle updated in place), so the curves grow as the run goes.

        trainer = engine.Trainer(model, train_set, val_set, cfg, on_epoch_end=LiveCurves(chance=1 / 16))

    Outside a notebook the figure is drawn but not shown. ``shown`` is the latest one (for tests), its
    ``fig`` the figure.
    """
    def __init__(self, chance: float | None = None, title: str = "", epochs: int | None = None):
        self.chance, self.title, self.epochs = chance, title, epochs
        self.handle = None
        self.shown: Described | None = None
        self.updates = 0

    @property
    def figure(self):
        return None if self.shown is None else self.shown.fig

    def __call__(self, trainer) -> None:
        epochs = self.epochs or trainer.cfg.epochs
        last = trainer.history[-1]
        title = f"{self.title} — epoch {last['epoch']:g} of {epochs}".lstrip(" —")
        self.shown = training_described(trainer.history, chance=self.chance, epochs=epochs, title=title)
        self._show(self.shown)
        self.updates += 1

    def _show(self, shown: Described) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        if self.handle is None:
            self.handle = display(shown, display_id=True)
        else:
            self.handle.update(shown)


@torch.no_grad()
def predictions(model: nn.Module, dataset, indices) -> dict:
    """The model's guesses (eval mode) on ``dataset[i]`` for each index: the images (N, 3, H, W) in
    [-1, 1], the true and predicted labels, and the probability the model gave its guess."""
    was_training = model.training
    model.eval()
    try:
        images, labels = zip(*(dataset[i] for i in indices))
        x = torch.stack(images)
        device = next(model.parameters()).device
        probs = model(x.to(device)).float().softmax(dim=1).cpu()
    finally:
        model.train(was_training)
    confidence, predicted = probs.max(dim=1)
    return {"images": x, "labels": torch.tensor(labels), "predicted": predicted, "confidence": confidence}


def predictions_figure(result: dict, classes, columns: int = 4):
    """A grid of images (``predictions``' result), each titled with the guess, its probability and the
    truth, and marked under the image "✓ right" or "✗ wrong" (a coloured frame repeats the mark)."""
    import matplotlib.pyplot as plt

    n = len(result["labels"])
    rows = math.ceil(n / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 3.1 * rows), dpi=80, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([]), ax.set_yticks([])
        if k >= n:
            ax.axis("off")
            continue
        image = ((result["images"][k] + 1) / 2).clamp(0, 1).permute(1, 2, 0).numpy()
        truth, guess = int(result["labels"][k]), int(result["predicted"][k])
        mark, colour = VERDICT_MARK[guess == truth]
        ax.imshow(image, interpolation="nearest")
        ax.set_title(f"guess: {classes[guess]} ({float(result['confidence'][k]):.0%})\n"
                     f"true: {classes[truth]}", fontsize=9)
        ax.set_xlabel(mark, fontsize=FONT_PT, fontweight="bold")
        for spine in ax.spines.values():
            spine.set(color=colour, linewidth=3)
    fig.tight_layout()
    return fig


def predictions_described(result: dict, classes, columns: int = 4) -> Described:
    """``predictions_figure`` with a text alternative (how many guesses are right, and each guess) and a
    table of the guesses, from the same result."""
    rows = [(k + 1, classes[int(g)], float(p), classes[int(t)], int(g) == int(t)) for k, (g, p, t) in
            enumerate(zip(result["predicted"], result["confidence"], result["labels"]))]
    right = sum(r[-1] for r in rows)
    alt = (f"{len(rows)} images with the model's guesses: {right} right, {len(rows) - right} wrong. "
           + "; ".join(f"image {k}: guess {g} ({p:.0%}), true {t}, {'right' if ok else 'wrong'}"
                       for k, g, p, t, ok in rows) + ".")
    data = [["image", "guess", "probability", "true class", "right?"]]
    data += [[k, g, f"{p:.0%}", t, "right" if ok else "wrong"] for k, g, p, t, ok in rows]
    return described(predictions_figure(result, classes, columns), alt, data)


__all__ = ["METRIC_LABELS", "LiveCurves", "plot_curves", "predictions", "predictions_described",
           "predictions_figure", "training_described", "training_figure"]
