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
