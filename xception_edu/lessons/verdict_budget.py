"""Notebook 10's grid (Figs 9 and 10, Sec. 4; the spectrum of Sec. 1.2) at a second training budget, as
stored: the same models, data, seeds and recipe, twice the epochs. Twice the epochs take longer than the
notebook's minute, so the run is stored here with the command that made it (``python -m`` this module);
``moved`` sets its verdicts beside those of the notebook's live run, comparison by comparison."""
from __future__ import annotations

import json

from ..experiments import ablations
from ..experiments.summary import band_verdict

COMMAND = "python -m xception_edu.lessons.verdict_budget"
"""The command that made ``STORED`` (its JSON output, written as a Python dict), under the Makefile's CPU
settings (the AVX2 kernels of ATen, oneDNN and MKL), as the notebooks' stored outputs are."""

MODEL = dict(width=0.125, middle_repeats=1, bn_momentum=0.1)
"""Notebook 10's CPU model (its ``MODEL``)."""
SEEDS = (0, 1, 2)
GROUPS = (1, 8, None)
"""The spectrum points notebook 10 trains (None: depthwise, g = C)."""
EPOCHS = 2 * ablations.CPU_TRAIN["epochs"]


def configs(epochs: int | None = None) -> list[ablations.Config]:
    """Notebook 10's three grids (Fig. 9, Fig. 10, the spectrum) with ``epochs`` epochs (None: the
    notebook's own budget); nothing else changes."""
    train = {} if epochs is None else {"epochs": epochs}
    return (ablations.fig9_configs(MODEL, train=train) + ablations.fig10_configs(MODEL, train=train)
            + ablations.spectrum_configs(GROUPS, MODEL, train=train))


def make(epochs: int = EPOCHS, results_dir=None, processes: int = 1) -> dict:
    """Train the grid at ``epochs`` and return what ``STORED`` holds: the settings and, per configuration,
    the final validation accuracy of each seed."""
    grid = configs(epochs)
    rows = ablations.run_grid(grid, SEEDS, results_dir, log=None, processes=processes)
    acc: dict[str, list[float]] = {}
    for r in rows:
        acc.setdefault(r["config"], []).append(round(float(r["final_val_acc"]), 4))
    train = {**ablations.CPU_TRAIN, **grid[0].train}
    return {"settings": {"model": MODEL, "data": grid[0].data, "train": train,
                         "seeds": list(SEEDS), "groups": ["C" if g is None else g for g in GROUPS]},
            "final_val_acc": acc}


STORED = {'settings': {'model': {'width': 0.125, 'middle_repeats': 1, 'bn_momentum': 0.1},
                       'data': {'source': 'synthetic',
                                'task': 'mixed',
                                'train_size': 160,
                                'val_size': 96,
                                'image_size': 71,
                                'data_seed': 0},
                       'train': {'epochs': 6,
                                 'batch_size': 16,
                                 'lr': 0.02,
                                 'ema_decay': 0.8,
                                 'ema_bn_batches': 3,
                                 'progress': False,
                                 'log_every': 10},
                       'seeds': [0, 1, 2],
                       'groups': [1, 8, 'C']},
          'final_val_acc': {'residual': [0.6875, 0.6979, 0.6458],
                            'no residual': [0.5417, 0.4271, 0.4792],
                            'no activation': [0.6875, 0.6979, 0.6458],
                            'ELU': [0.5833, 0.6562, 0.5208],
                            'ReLU': [0.5625, 0.5521, 0.5417],
                            'g=1': [0.4583, 0.4583, 0.5625],
                            'g=8': [0.6979, 0.6146, 0.6875],
                            'depthwise (g=C)': [0.6875, 0.6979, 0.6458]}}
"""``make()``'s output: the settings and the final validation accuracy per configuration and seed."""


def budget_verdicts(final_val_acc: dict, comparisons) -> list[str]:
    """``band_verdict`` on each (better, worse, ...) of ``comparisons`` from per-seed final accuracies."""
    return [band_verdict(final_val_acc[better], final_val_acc[worse]) for better, worse, *_ in comparisons]


def moved(live: dict, comparisons, stored: dict = STORED) -> list[tuple[str, str, str, bool]]:
    """Per comparison: its name, the verdict of the ``live`` run (per-seed final accuracies at the notebook's
    budget), the verdict of the stored run at ``EPOCHS``, and whether the verdict moved between them."""
    a, b = budget_verdicts(live, comparisons), budget_verdicts(stored["final_val_acc"], comparisons)
    return [(f"{c[0]} > {c[1]}", x, y, x != y) for c, x, y in zip(comparisons, a, b, strict=True)]


def format_moved(table: list[tuple[str, str, str, bool]], live_epochs: int, stored_epochs: int) -> str:
    """The table of ``moved``, one comparison a line, with the two budgets and how many verdicts moved."""
    lines = [f"{'comparison':<32}{f'{live_epochs} epochs (live)':<20}"
             f"{f'{stored_epochs} epochs (stored)':<22}moved"]
    lines += [f"{name:<32}{x:<20}{y:<22}{'yes' if m else 'no'}" for name, x, y, m in table]
    lines.append(f"({sum(m for *_, m in table)} of {len(table)} verdicts moved; stored by: {COMMAND})")
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(make(processes=ablations.default_processes())))
