"""Run a grid of configurations x seeds, resumably: the ablations of Figs 9 and 10 and the \
spectrum (notebook 10).

The grids themselves (Figs 9 and 10, Sec. 4.6 and 4.7; the spectrum of Sec. 1.2 that Sec. 5 leaves open)
are in ``ablation_grids.py``; this module trains them.

A configuration (``Config``) is a name, ``Xception`` keyword arguments, a data description and overrides of
the CPU training recipe. A run is one (configuration, seed). ``run_grid`` trains every run not already in
``results_dir/results.jsonl`` and appends each finished run to it (whole file rewritten atomically, so a
kill leaves the file as it was before the run or after it); ``results.csv`` holds the same table without
the curves. A run is recognised by a hash of what it computes (model, data, training settings; not the
name, not the data folder), so a configuration shared by two grids (Xception itself is the baseline of
Figs 9 and 10 and the depthwise end of the spectrum) is trained once. The seed sets the model's
initialisation, the sample order and dropout; the data set stays the same for every seed, so the spread
between seeds is the spread of training itself. On the CPU, one seed gives the same numbers every time.

On a GPU with CIFAR-10 or Imagenette (downloaded once, see ``data.real``)::

    python -m xception_edu.experiments --grid fig9 --data cifar10 --data-dir ~/data --results runs/ablations

One writer per results folder (a lock, ``train.guard.FolderLock``): a second process is refused by name.
"""
from __future__ import annotations

import contextlib
import functools
import io
import json
import pathlib
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterable

import torch

from .._validate import is_int
from ..counting import count_params
from ..train import fit, recipe
from ..train.checkpoint import write_text_atomic
from ..train.guard import FolderLock
from .ablation_grids import GRIDS, fig9_configs, fig10_configs, params_of, spectrum_configs, width_for_budget
from .grid_config import CPU_TRAIN, DATA_SOURCES, Config, build_model, groups_label, load_data, num_classes
from .pool import default_processes, map_runs
from .summary import TABLE_FIELDS, format_summary, mean_std, summarize, table

# The grids' (ablation_grids.py), grid_config's and summary.py's names are part of this module's interface
# (notebook 10 and the CLI use them from here).
__all__ = ["CPU_TRAIN", "Config", "DATA_SOURCES", "GRIDS", "RESULTS", "TABLE", "TABLE_FIELDS", "build_model",
           "check_grid", "default_processes", "fig10_configs", "fig9_configs", "format_summary", "load_data",
           "load_results", "mean_std", "num_classes", "params_of", "run_grid", "spectrum_configs",
           "summarize", "table", "train_run", "width_for_budget"]

RESULTS, TABLE = "results.jsonl", "results.csv"


def load_results(results_dir) -> list[dict]:
    """Every finished run stored in ``results_dir/results.jsonl`` (an empty list if there is none)."""
    path = pathlib.Path(results_dir) / RESULTS
    if not path.is_file():
        return []
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}, line {n}, is not a result row ({e.msg}, column {e.colno}): delete "
                                 "or repair that line (its run is then trained again)") from None
    return rows


def _store(results_dir, rows: list[dict]) -> None:
    folder = pathlib.Path(results_dir)
    write_text_atomic(folder / RESULTS, "".join(json.dumps(r) + "\n" for r in rows))
    lines = [",".join(TABLE_FIELDS)] + [",".join("" if r.get(f) is None else str(r[f]) for f in TABLE_FIELDS)
                                        for r in rows]
    write_text_atomic(folder / TABLE, "\n".join(lines) + "\n")


def train_run(config: Config, seed: int, datasets=None, quiet: bool = True) -> dict:
    """Train one (configuration, seed) and return its result row, with the per-epoch curve in ``history``.

    ``quiet`` swallows the engine's per-epoch lines (``run_grid`` prints one line per run). Time per step is
    the median over epochs of an epoch's training seconds divided by its steps.
    """
    train_set, val_set = datasets if datasets is not None else load_data(config.data)
    torch.manual_seed(seed)  # the initial weights
    model = build_model(config, len(train_set.classes) if hasattr(train_set, "classes") else None)
    cfg = recipe("cpu", **{**CPU_TRAIN, **config.train, "seed": seed})
    t0 = time.perf_counter()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO() if quiet else sys.stdout):
        warnings.filterwarnings("ignore", message="Training on the CPU")
        trainer = fit(model, train_set, val_set, cfg)
    hist = trainer.history
    steps = [b["step"] - a for a, b in zip([0] + [r["step"] for r in hist], hist)]
    per_step = [r["seconds"] / s for r, s in zip(hist, steps) if s > 0]
    last = hist[-1]
    return dict(config=config.name, seed=seed, key=config.key(), groups=groups_label(config.model),
                params=count_params(model), epochs=last["epoch"], steps=last["step"],
                final_train_loss=last["train_loss"], final_train_acc=last["train_acc"],
                final_val_loss=last["val_loss"], final_val_acc=last["val_acc"],
                best_val_acc=max((r["val_acc"] for r in hist if r["val_acc"] is not None), default=None),
                s_per_step=statistics.median(per_step), seconds=time.perf_counter() - t0,
                model=config.model, data=config.data, train=config.train, history=hist)


def check_grid(configs: Iterable[Config], seeds: Iterable[int]) -> tuple[list[Config], list[int]]:
    """Clear errors before any training: bad seeds, duplicate names, models that cannot be built.
    (A grid of something other than ``Config`` needs only a ``name`` and a ``key()`` per entry.)"""
    configs, seeds = list(configs), list(seeds)
    if not configs:
        raise ValueError("the grid has no configurations")
    if not seeds or any(not is_int(s) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat: {seeds}")
    for c in configs:
        if not (isinstance(getattr(c, "name", None), str) and callable(getattr(c, "key", None))):
            raise ValueError(f"expected Config objects (or entries with a name and a key()), got {c!r}")
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise ValueError(f"configuration names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")
    for c in configs:
        if isinstance(c, Config):
            try:
                with torch.device("meta"):
                    build_model(c, 4 if c.data["source"] == "folder" else None)
            except ValueError as e:
                raise ValueError(f"config {c.name!r}: {e}") from None
    return configs, seeds


@functools.lru_cache(maxsize=1)  # one data set in memory at a time
def _load_cached(data_json: str):
    return load_data(json.loads(data_json))


def _config_data(config: Config, seed: int):
    return _load_cached(json.dumps(config.data, sort_keys=True, default=str))


def run_grid(configs: Iterable[Config], seeds: Iterable[int] = (0, 1, 2), results_dir="runs/ablations",
             train: Callable[[Config, int, object], dict] = train_run,
             log: Callable[[str], None] | None = print,
             data: Callable[[Config, int], object] = _config_data, processes: int = 1) -> list[dict]:
    """Train every (configuration, seed) not yet in ``results_dir``; return the rows of the whole grid.

    Finished runs (same hash and seed) are read back, not retrained; each new run is stored as soon as
    it ends. The returned rows follow the grid's order and carry the grid's names; each has its
    per-epoch curve in ``row["history"]`` (``table`` drops it). ``train(config, seed, data(config, seed))``
    trains one run; ``results_dir=None`` keeps the rows in memory only (nothing read or written), for
    grids whose rows hold objects such as the trained models (notebook 06's ``operators``).
    ``processes`` > 1 trains that many runs at once in worker processes (``pool.map_runs``: same numbers).
    """
    configs, seeds = check_grid(configs, seeds)
    if results_dir is None:
        return _run_grid(configs, seeds, None, train, log, data, processes)
    if pathlib.Path(results_dir).exists() and not pathlib.Path(results_dir).is_dir():
        raise ValueError(f"the results folder {results_dir} is a file: give a folder (created if missing)")
    with FolderLock(results_dir):  # one writer per results folder: a second one would lose runs
        return _run_grid(configs, seeds, results_dir, train, log, data, processes)


def _run_grid(configs, seeds, results_dir, train, log, data, processes) -> list[dict]:
    stored = load_results(results_dir) if results_dir is not None else []
    done = {(r["key"], r["seed"]): r for r in stored}
    todo: dict = {}  # the missing runs, each once (a model under two names trains once, as the first)
    for c in configs:
        for s in seeds:
            if (c.key(), s) not in done:
                todo.setdefault((c.key(), s), (c, s))
    fresh = map_runs(list(todo.values()), train, data, processes)  # the missing runs, in the grid's order
    rows = []
    try:
        for c in configs:
            for s in seeds:
                row = done.get((c.key(), s))
                if row is None:
                    row = next(fresh)
                    stored.append(row)
                    done[(row["key"], s)] = row
                    if results_dir is not None:
                        _store(results_dir, stored)
                    if log:
                        log(f"{c.name:>14} seed {s}: val acc {row['final_val_acc']:.3f}  "
                            f"({row['seconds']:.1f} s, {1000 * row['s_per_step']:.0f} ms/step)")
                elif log:
                    log(f"{c.name:>14} seed {s}: already done, val acc {row['final_val_acc']:.3f}")
                rows.append({**row, "config": c.name})
    finally:
        fresh.close()  # the worker processes end here, and on an error no further run starts
    return rows
