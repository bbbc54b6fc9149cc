"""Per-epoch training history, written as JSON (for code) and CSV (for spreadsheets) side by side.
Notebook 09 draws it as the paper draws Fig. 6. ``val_top5`` was added after the other fields: a row of
an older run lacks it (read rows with ``r.get("val_top5")``), and a run resumed from such a checkpoint
keeps those rows as they were."""
from __future__ import annotations

import csv
import io
import json
import pathlib

from .checkpoint import write_text_atomic

FIELDS = ("epoch", "step", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "val_top5",
          "images_per_s", "seconds")


def row(epoch: float, step: int, lr: float, progress: dict, val_loss: float | None,
        val_acc: float | None, val_top5: float | None = None) -> dict:
    """One row of ``FIELDS``: the epoch's training loss and accuracy from its sums over every rank
    (``progress``: sums of loss x n, correct and n, images, seconds), and the validation figures (top-1
    and top-5 accuracy, as Table 1)."""
    loss_sum, correct, n = progress["sums"]
    return {"epoch": epoch, "step": step, "lr": lr,
            "train_loss": loss_sum / max(n, 1), "train_acc": correct / max(n, 1),
            "val_loss": val_loss, "val_acc": val_acc, "val_top5": val_top5,
            "images_per_s": progress["images"] / progress["seconds"], "seconds": progress["seconds"]}


def line(r: dict) -> str:
    """A row as the one line a run prints at the end of each epoch."""
    val = "" if r["val_acc"] is None else f" | val loss {r['val_loss']:.3f} acc {r['val_acc']:.3f}"
    val += "" if r.get("val_top5") is None else f" top-5 {r['val_top5']:.3f}"
    return (f"epoch {r['epoch']:g}: train loss {r['train_loss']:.3f} acc {r['train_acc']:.3f}{val}"
            f" | {r['images_per_s']:.0f} img/s")


def save(history: list[dict], folder) -> None:
    """Write ``history.json`` and ``history.csv`` into ``folder``, each atomically."""
    folder = pathlib.Path(folder)
    write_text_atomic(folder / "history.json", json.dumps(history, indent=1))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_text_atomic(folder / "history.csv", buf.getvalue())


def load(folder) -> list[dict]:
    """The history a run saved in ``folder`` (its ``history.json``)."""
    path = pathlib.Path(folder) / "history.json"
    if not path.is_file():
        raise FileNotFoundError(f"no training history at {path}; train with --checkpoint-dir {folder} first")
    return json.loads(path.read_text())
