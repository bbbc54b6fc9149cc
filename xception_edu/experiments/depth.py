"""Notebook 06's joint task at one more layer of depth (Sec. 1.1): a separable conv's two linear steps cannot
form, in one layer, a detector that needs a channel pattern AND a spatial pattern at once (its kernel is a
channel mix times one spatial filter per channel); a second separable block, after a ReLU, can combine what
the first mapped separately. ``deeper_separable`` is the separable ``SmallNet`` with extra blocks at the
same parameter budget; ``joint_task_depth`` trains it beside the regular and the separable net on the same
data, seeds and recipe as ``operators.which_learns_what``.

``python -m xception_edu.experiments.depth --seeds 6`` prints the result as JSON (notebook 06 shows a
stored copy: six seeds take longer than the notebook's minute)."""
from __future__ import annotations

import argparse
import json
import math
from collections import OrderedDict

import torch
import torch.nn as nn

from .._validate import positive_int
from ..counting import count_params
from ..devices import cpu_threads
from ..ops import SeparableConv2d
from .nets import BUDGET, SmallNet, small_net
from .operators import _rendered, fit_small

NETS = ("regular", "separable", "separable + 1 block")


def deeper_separable(width: int, extra_blocks: int = 1, classes: int = 4) -> SmallNet:
    """The separable ``SmallNet`` of ``width`` with ``extra_blocks`` more separable blocks (SC -> BN -> ReLU,
    stride 1, channels unchanged), one after each of its first stages (1 to 3)."""
    positive_int("width", width)
    if extra_blocks not in (1, 2, 3):
        raise ValueError(f"extra_blocks={extra_blocks!r}: one extra block after each of the first 1, 2 or 3 "
                         "stages")
    net = SmallNet("separable", width, classes=classes)
    layers = OrderedDict()
    for name, module in net.features.named_children():
        layers[name] = module
        if name.startswith("stage") and int(name[-1]) <= extra_blocks:
            c = module.bn.num_features
            layers[f"{name}_extra"] = nn.Sequential(OrderedDict(
                op=SeparableConv2d(c, c, 3), bn=nn.BatchNorm2d(c), relu=nn.ReLU()))
    net.features = nn.Sequential(layers)
    return net


def deeper_width(budget: int = BUDGET, extra_blocks: int = 1, classes: int = 4) -> int:
    """The width whose ``deeper_separable`` net is closest to ``budget`` parameters (as ``small_net``)."""
    positive_int("budget", budget)
    best, best_gap, w = 1, math.inf, 1
    while True:
        with torch.device("meta"):  # shapes only: no memory, no initialisation
            n = count_params(deeper_separable(w, extra_blocks, classes))
        if abs(n - budget) < best_gap:
            best, best_gap = w, abs(n - budget)
        if n > budget:
            return best
        w += 1


def _net(name: str, budget: int, classes: int) -> nn.Module:
    if name == NETS[2]:
        return deeper_separable(deeper_width(budget, 1, classes), 1, classes)
    return small_net(name, budget, classes=classes)


def joint_task_depth(seeds=(0, 1), task: str = "joint", n_train: int = 1024, n_val: int = 512,
                     image_size: int = 32, epochs: int = 4, budget: int = BUDGET, batch_size: int = 64,
                     threads: int | None = 1) -> dict:
    """Validation accuracy, per seed, of the regular, the separable and the separable net with one more
    block (``NETS``), all at ``budget`` parameters, trained on ``task`` with the settings of
    ``which_learns_what`` (the 'cpu' recipe, no weight averaging; the same data and initial seed for
    each net). Returns {"settings": ..., "params": {net: n}, "val_acc": {net: [one per seed]}}."""
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. seeds=(0,)")
    settings = dict(task=task, seeds=list(seeds), n_train=n_train, n_val=n_val, image_size=image_size,
                    epochs=epochs, budget=budget, batch_size=batch_size)
    params, acc = {}, {name: [] for name in NETS}
    with cpu_threads(threads or None):
        for seed in seeds:
            train = _rendered(n_train, image_size, task, seed, "train")
            val = _rendered(n_val, image_size, task, seed, "val")
            for name in NETS:
                torch.manual_seed(seed)  # the same initial seed for every net, as which_learns_what
                model = _net(name, budget, len(train.classes))
                params[name] = count_params(model)
                trainer = fit_small(model, train, epochs, batch_size, seed)
                acc[name].append(round(trainer.evaluate(val)[1], 4))
    return {"settings": settings, "params": params, "val_acc": acc}


def main(argv=None) -> dict:
    """``python -m xception_edu.experiments.depth``: run ``joint_task_depth`` and print its JSON."""
    p = argparse.ArgumentParser(prog="python -m xception_edu.experiments.depth",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=6, help="seeds 0..N-1")
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error(f"--seeds must be at least 1, got {args.seeds}")
    result = joint_task_depth(seeds=range(args.seeds))
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
