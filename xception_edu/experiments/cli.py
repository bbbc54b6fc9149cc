"""``python -m xception_edu.experiments``: the grids of notebook 10 (Figs 9, 10, the spectrum) on any data,
resumably (``ablations.run_grid``)."""
from __future__ import annotations

import argparse
import pathlib

import torch

from . import ablations
from .ablations import DATA_SOURCES, GRIDS, RESULTS, TABLE, format_summary, run_grid, summarize


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
    args = p.parse_args(argv)
    if args.data != "synthetic" and not args.data_dir:
        p.error(f"--data {args.data} needs --data-dir (download once with python -m xception_edu.train "
                f"--data {args.data} --download, or torchvision)")
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
        kw["groups"] = tuple(None if g.strip().upper() == "C" else int(g) for g in args.groups.split(","))
    configs = GRIDS[args.grid](**kw)
    rows = run_grid(configs, range(args.seeds), args.results)
    print(format_summary(summarize(rows)))
    print(f"results: {pathlib.Path(args.results) / RESULTS} (curves) and {TABLE} (table)")
    return rows


