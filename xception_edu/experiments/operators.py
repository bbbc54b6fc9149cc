"""Which operator learns which kind of correlation? Notebook 06's controlled experiment (Sec. 1.1): a
regular, an Inception-style and a depthwise separable ``nets.small_net`` at one parameter budget, trained
on synthetic tasks whose label lives in spatial correlations only, in cross-channel ones only, or in both."""
from __future__ import annotations

import contextlib
import functools
import io
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import data
from ..counting import count_params
from ..devices import cpu_threads
from ..train import fit, recipe
from .ablations import run_grid
from .nets import BUDGET, DEFAULT_GROUPS, KINDS, _check_kind, small_net

TASKS = ("spatial", "channel", "joint")


CONTROL = "shuffled"     # a control task: the spatial task's images with their labels shuffled


@dataclass(frozen=True)
class _Run:
    """One cell of the experiment's grid: an operator ``kind`` trained on a ``task``."""

    kind: str
    task: str

    @property
    def name(self) -> str:
        return f"{self.kind} on {self.task}"

    def key(self) -> str:
        return self.name


@dataclass
class Experiment:
    """The result of ``which_learns_what``: one row per (kind, task, seed) and the trained models."""

    rows: list[dict]
    models: dict = field(repr=False)
    # (kind, task, seed) -> state dict before training
    initial: dict = field(repr=False, default_factory=dict)
    settings: dict = field(default_factory=dict)

    def accuracy(self, kind: str, task: str) -> list[float]:
        """Validation accuracies of ``kind`` on ``task``, one per seed."""
        return [r["val_acc"] for r in self.rows if r["kind"] == kind and r["task"] == task]

    def table(self) -> str:
        """Validation accuracy (mean over seeds, and each seed) of each kind on each task, as text."""
        tasks = list(dict.fromkeys(r["task"] for r in self.rows))
        kinds = list(dict.fromkeys(r["kind"] for r in self.rows))
        head = f"{'network':<12}{'params':>8}  " + "".join(f"{t:>22}" for t in tasks)
        lines = [head, "-" * len(head)]
        for k in kinds:
            params = next(r["params"] for r in self.rows if r["kind"] == k)
            cells = []
            for t in tasks:
                accs = self.accuracy(k, t)
                each = "/".join(f"{a:.2f}" for a in accs)
                cells.append(f"{np.mean(accs):.2f} ({each})" if len(accs) > 1 else f"{accs[0]:.2f}")
            lines.append(f"{k:<12}{params:>8,}  " + "".join(f"{c:>22}" for c in cells))
        chance = 1 / 4
        lines.append(f"(validation accuracy; chance = {chance:.2f}"
                     + ("; mean (seed by seed)" if len(self.settings.get("seeds", ())) > 1 else "") + ")")
        return "\n".join(lines)


def which_learns_what(tasks=TASKS, kinds=KINDS, seeds=(0,), n_train: int = 1024, n_val: int = 512,
                      image_size: int = 32, epochs: int = 4, budget: int = BUDGET,
                      groups: int = DEFAULT_GROUPS, batch_size: int = 64, lr: float | None = None,
                      threads: int | None = 1, verbose: bool = False, processes: int = 1) -> Experiment:
    """Train a regular, an Inception-style and a depthwise separable ``small_net`` (one parameter budget)
    on the synthetic tasks where the label is carried by spatial correlations only, by cross-channel
    correlations only, or by both jointly (``data.synthetic``), with the package's trainer (``engine.fit``,
    the 'cpu' recipe, no weight averaging); evaluate each on a held-out split. Same data and seed for
    every kind. The paper's hypothesis (Sec. 1.1) predicts no penalty for mapping the two kinds
    separately; the joint task is where a penalty would show. The task ``'shuffled'`` (``CONTROL``) is
    the spatial task with its labels shuffled (in training and validation): nothing general to learn,
    a control for what training does to the weights by itself. The grid runs through ``ablations.run_grid``
    (in memory: the trained models and their initial weights come back in the ``Experiment``).

    ``lr``: the learning rate (None: the 'cpu' recipe's). ``threads``: torch threads while training
    (restored after); tensors this small train fastest on one thread, above all on a busy 2-core machine
    (measured here: 3-8x faster than two threads while other processes ran). ``verbose``: show the
    trainer's per-epoch lines. ``processes``: runs trained at once in worker processes (``pool``; the same
    numbers and weights as one after another)."""
    tasks, kinds, seeds = tuple(tasks), tuple(kinds), tuple(seeds)
    for t in tasks:
        if t not in TASKS + (CONTROL,):
            raise ValueError(f"task {t!r} is not one of {TASKS + (CONTROL,)}")
    for k in kinds:
        _check_kind(k)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. seeds=(0,)")
    if n_train < batch_size:
        raise ValueError(f"n_train={n_train} is smaller than one batch of {batch_size}")
    settings = dict(tasks=tasks, kinds=kinds, seeds=seeds, n_train=n_train, n_val=n_val,
                    image_size=image_size, epochs=epochs, budget=budget, groups=groups,
                    batch_size=batch_size, lr=lr)
    grid = [_Run(kind, task) for task in tasks for kind in kinds]
    with cpu_threads(threads or None):
        rows = run_grid(grid, seeds, results_dir=None, log=None, processes=processes,
                        train=functools.partial(_train_one, settings, verbose),
                        data=functools.partial(_data, n_train, n_val, image_size))
    models = {(r["kind"], r["task"], r["seed"]): r["model"] for r in rows}
    initial = {(r["kind"], r["task"], r["seed"]): r["initial"] for r in rows}
    rows = [{k: v for k, v in r.items() if k not in ("key", "config", "model", "initial")} for r in rows]
    return Experiment(rows, models, initial, settings)


# Module-level (not closures) so that worker processes can run them (``processes`` > 1).
def _data(n_train: int, n_val: int, image_size: int, run: _Run, seed: int):
    source = "spatial" if run.task == CONTROL else run.task
    train = _rendered(n_train, image_size, source, seed, "train")
    val = _rendered(n_val, image_size, source, seed, "val")
    if run.task == CONTROL:
        train, val = _shuffled(train, seed), _shuffled(val, seed + 1)
    return train, val


def fit_small(model, train, epochs: int, batch_size: int, seed: int, lr: float | None = None,
              verbose: bool = False):
    """Train a small net as these experiments do: the 'cpu' recipe without weight averaging (``lr``: the
    recipe's unless given), the trainer's lines and its "training on the CPU" note silenced unless
    ``verbose``. Returns the trainer."""
    cfg = recipe("cpu", epochs=epochs, batch_size=batch_size, progress=False, ema_decay=None, seed=seed,
                 **({"lr": lr} if lr else {}))
    sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
    with warnings.catch_warnings(), sink:
        warnings.simplefilter("ignore")  # the trainer's "training on the CPU" note
        return fit(model, train, None, cfg)


def _train_one(settings: dict, verbose: bool, run: _Run, seed: int, datasets) -> dict:
    train, val = datasets
    torch.manual_seed(seed)
    model = small_net(run.kind, settings["budget"], settings["groups"], classes=len(train.classes))
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    t0 = time.perf_counter()
    trainer = fit_small(model, train, settings["epochs"], settings["batch_size"], seed, settings["lr"],
                        verbose)
    _, acc = trainer.evaluate(val)
    model.eval()
    return dict(key=run.key(), kind=run.kind, task=run.task, seed=seed, params=count_params(model),
                width=model.width, val_acc=acc, train_acc=trainer.history[-1]["train_acc"],
                seconds=time.perf_counter() - t0, model=model, initial=initial)


@functools.lru_cache(maxsize=16)
def _rendered(n: int, image_size: int, task: str, seed: int, split: str):
    """A synthetic split rendered into memory once per session (a few MB; rendering is the slow part).
    The trainer only reads it."""
    return data.synthetic(n, image_size, task=task, seed=seed, split=split, materialize=True)


def _shuffled(ds, seed: int):
    """The same images with their labels permuted (``TensorImages``)."""
    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(10_007 + seed))
    return data.TensorImages(ds.images, ds.targets_tensor[perm], ds.classes)
