"""Per-epoch training history, written as JSON (for code) and CSV (for spreadsheets) side by side.
Notebook 09 draws it as the paper draws Fig. 6."""
from __future__ import annotations

import csv
import io
import json
import pathlib

from .checkpoint import write_text_atomic

FIELDS = ("epoch", "step", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "images_per_s", "seconds")


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
