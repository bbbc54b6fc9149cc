"""Per-epoch training history (JSON and CSV side by side) and curves in the style of Fig. 6."""
from __future__ import annotations

import csv
import json
import pathlib

FIELDS = ("epoch", "step", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "images_per_s", "seconds")


def save(history: list[dict], folder) -> None:
    """Write ``history.json`` and ``history.csv`` (the CSV for spreadsheets, the JSON for code)."""
    from .checkpoint import write_text_atomic

    folder = pathlib.Path(folder)
    write_text_atomic(folder / "history.json", json.dumps(history, indent=1))
    rows = [",".join(FIELDS)] + [",".join("" if r.get(f) is None else f"{r[f]}" for f in FIELDS) for r in history]
    write_text_atomic(folder / "history.csv", "\n".join(rows) + "\n")


def load(folder) -> list[dict]:
    path = pathlib.Path(folder) / "history.json"
    if not path.is_file():
        raise FileNotFoundError(f"no training history at {path}; train with --checkpoint-dir {folder} first")
    return json.loads(path.read_text())


def load_csv(path) -> list[dict]:
    with open(path, newline="") as f:
        return [{k: (float(v) if v not in ("",) else None) for k, v in row.items()} for row in csv.DictReader(f)]


def plot_curves(histories: dict[str, list[dict]], metric: str = "val_acc", ax=None, x: str = "epoch"):
    """Accuracy (or loss) against epochs for one or more runs, as the paper draws Fig. 6.

    ``histories`` maps a label ("Xception", "Inception V3", ...) to a history list.
    """
    import matplotlib.pyplot as plt

    if metric not in FIELDS:
        raise ValueError(f"metric={metric!r} is not one of {FIELDS}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for label, hist in histories.items():
        points = [(r[x], r[metric]) for r in hist if r.get(metric) is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, label=label, marker="o" if len(xs) < 20 else None)
    ax.set_xlabel("epochs" if x == "epoch" else x)
    ax.set_ylabel({"val_acc": "validation accuracy", "train_acc": "training accuracy",
                   "val_loss": "validation loss", "train_loss": "training loss"}.get(metric, metric))
    ax.grid(alpha=0.3)
    ax.legend()
    return ax.figure


# --- notebook 09: curves drawn live while training (Sec. 4.3, Fig. 6) -------------------------------------

def training_figure(history: list[dict], chance: float | None = None, epochs: int | None = None, title: str = ""):
    """Accuracy and loss against epochs for one run, training beside validation, as Fig. 6 draws
    ImageNet accuracy over the course of training. ``chance`` draws the accuracy of guessing (1 / classes);
    ``epochs`` fixes the x axis to the whole run, so a figure redrawn each epoch does not jump."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, (acc, loss) = plt.subplots(1, 2, figsize=(9, 3.2), dpi=80)
    for ax, metric in ((acc, "acc"), (loss, "loss")):
        plot_curves({"training (during the epoch)": history}, f"train_{metric}", ax)
        plot_curves({"validation (weight average)": history}, f"val_{metric}", ax)
        ax.set_ylabel("accuracy" if metric == "acc" else "cross-entropy loss")
        if epochs:
            ax.set_xlim(0, epochs)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if chance is not None:
        acc.axhline(chance, color="#999999", ls="--", lw=1, label=f"chance ({chance:.3g})")
        acc.legend(fontsize=8)
    acc.set_ylim(0, 1)
    loss.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


class LiveCurves:
    """An ``on_epoch_end`` callback for ``engine.Trainer`` that redraws ``training_figure`` after every
    epoch in ONE notebook output (a display handle updated in place), so the curves grow as the run goes.

        trainer = engine.Trainer(model, train_set, val_set, cfg, on_epoch_end=LiveCurves(chance=1 / 16))

    Outside a notebook the figure is drawn but not shown. ``figure`` is the latest one (for tests).
    """

    def __init__(self, chance: float | None = None, title: str = "", epochs: int | None = None):
        self.chance, self.title, self.epochs = chance, title, epochs
        self.handle = None
        self.figure = None
        self.updates = 0

    def __call__(self, trainer) -> None:
        import matplotlib.pyplot as plt

        epochs = self.epochs or trainer.cfg.epochs
        last = trainer.history[-1]
        title = f"{self.title} — epoch {last['epoch']:g} of {epochs}".lstrip(" —")
        self.figure = training_figure(trainer.history, chance=self.chance, epochs=epochs, title=title)
        self._show(self.figure)
        plt.close(self.figure)
        self.updates += 1

    def _show(self, fig) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
