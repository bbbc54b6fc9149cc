"""``python -m xception_edu.experiments``: the grids of notebook 10 (Figs 9, 10, the spectrum) on any data,
resumably (``ablations.run_grid``)."""
from __future__ import annotations

import argparse
import math
import pathlib
import sys

import torch

from ..devices import check_device
from ..train.cli import checked, one_line
from ..train.divergence import NonFiniteLoss
from . import ablations
from .ablations import DATA_SOURCES, GRIDS, RESULTS, TABLE, format_summary, run_grid, summarize

MAX_SEEDS = 1000
"""The most seeds per configuration: each is a training run."""


def _check_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.data != "synthetic" and not args.data_dir:
        p.error(f"--data {args.data} needs --data-dir (download once with python -m xception_edu.train "
                f"--data {args.data} --download, or torchvision)")
    for name in ("seeds", "epochs", "batch_size", "train_size"):
        v = getattr(args, name)
        if v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {v}")
    if args.seeds > MAX_SEEDS:  # a list of 10**9 seeds would not even fit in memory
        p.error(f"--seeds {args.seeds} is more runs per configuration than a grid needs: at most {MAX_SEEDS}")
    for name in ("middle_repeats", "workers"):
        v = getattr(args, name)
        if v < 0:
            p.error(f"--{name.replace('_', '-')} must be 0 or more, got {v}")
    for name in ("lr", "width"):  # type=float takes "nan" and "inf"; nan > 0 is False, inf > 0 is not
        v = getattr(args, name)
        if not 0 < v < math.inf:
            p.error(f"--{name} must be a positive, finite number, got {v}")
    if args.device is not None:
        checked(p, check_device, args.device)


def _groups(p: argparse.ArgumentParser, text: str) -> tuple[int | None, ...]:
    try:
        return tuple(None if g.strip().upper() == "C" else int(g) for g in text.split(","))
    except ValueError:
        p.error(f"--groups {text!r} is not a comma-separated list of group counts and C (depthwise), "
                "e.g. 1,2,4,8,C")


def main(argv=None) -> list[dict]:
    """``python -m xception_edu.experiments``: train one of ``GRIDS`` and print its summary."""
    p = argparse.ArgumentParser(prog="python -m xception_edu.experiments",
                                description=ablations.__doc__.split("\n\n")[0])
    p.add_argument("--grid", choices=sorted(GRIDS), required=True)
    p.add_argument("--data", choices=DATA_SOURCES, default="synthetic")
    p.add_argument("--data-dir", default=None, help="root folder of cifar10/imagenette/folder data")
    p.add_argument("--results", default="runs/ablations", help="results folder (resumable)")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per configuration")
    p.add_argument("--image-size", type=int, default=None,
                   help="input side (default: 71 synthetic, 128 real)")
    p.add_argument("--width", type=float, default=0.5)
    p.add_argument("--middle-repeats", type=int, default=4)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--train-size", type=int, default=4096, help="synthetic only")
    p.add_argument("--groups", default="1,2,4,8,C", help="spectrum only: comma-separated, C for depthwise")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--device", default=None)
    p.add_argument("--debug", action="store_true", help="on an error, show Python's traceback, not one line")
    args = p.parse_args(argv)
    _check_args(p, args)
    size = args.image_size or (71 if args.data == "synthetic" else 128)
    data = (dict(source="synthetic", image_size=size, train_size=args.train_size,
                 val_size=args.train_size // 4)
            if args.data == "synthetic" else dict(source=args.data, root=args.data_dir, image_size=size))
    gpu = args.device != "cpu" and torch.cuda.is_available()
    train = dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, lr_decay=0.94 ** 0.5,
                 workers=args.workers, device=args.device, precision="bf16" if gpu else "fp32")
    model = dict(width=args.width, middle_repeats=args.middle_repeats, bn_momentum=0.1)
    kw = dict(model=model, data=data, train=train)
    if args.grid == "spectrum":
        kw["groups"] = _groups(p, args.groups)
    try:
        rows = run_grid(GRIDS[args.grid](**kw), range(args.seeds), args.results)
    except NonFiniteLoss as e:  # the engine's advice names the Python API; this command has only --lr
        if args.debug:
            raise
        print(f"error: {e.problem} Run again with a lower --lr (now {e.lr:g}); the runs already finished in "
              f"{args.results} are kept.", file=sys.stderr)
        raise SystemExit(3) from None
    except (ValueError, OSError, RuntimeError) as e:
        if args.debug:
            raise
        print(f"error: {one_line(e)}", file=sys.stderr)
        raise SystemExit(1) from None
    print(format_summary(summarize(rows)))
    print(f"results: {pathlib.Path(args.results) / RESULTS} (curves) and {TABLE} (table)")
    return rows
