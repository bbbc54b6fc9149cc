"""Train Xception from the terminal, on one device or several (``python -m xception_edu.train``).

    python -m xception_edu.train --preset small --data synthetic --epochs 3           # a laptop, ~1 min
    python -m xception_edu.train --preset paper --data folder --data-dir /data/imagenet
    torchrun --nproc_per_node=8 -m xception_edu.train --preset paper --data folder --data-dir ...

Every option is listed by ``--help``. The defaults follow the paper's recipe (engine.py) for the
paper preset, and a quick CPU recipe for the small one.
"""
from __future__ import annotations

import argparse
import math
import os
import pathlib
import sys
import warnings

import torch

from .. import data
from .._validate import ACTIVATIONS
from ..devices import PRECISIONS, check_device
from ..model import presets
from . import checkpoint, distributed, engine
from .config import TrainConfig, recipe


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m xception_edu.train",
        description="Train Xception (Chollet, CVPR 2017) with the paper's recipe: SGD momentum 0.9, "
                    "lr 0.045 decayed x0.94 every 2 epochs (taken as the rate for 256 images: the paper "
                    "states no batch size), weight decay 1e-5, dropout 0.5, "
                    "weight averaging for evaluation. Several GPUs: launch with torchrun.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    d = p.add_argument_group("data")
    d.add_argument("--data", choices=data.SOURCES, default="synthetic",
                   help="synthetic: generated offline; random: random pixels and labels, for throughput "
                        "measurements (nothing to learn); folder: ImageNet layout "
                        "(DIR/train/<class>/*.jpg, DIR/val/...); "
                        "cifar10 / imagenette: torchvision's datasets in --data-dir")
    d.add_argument("--data-dir", default=None,
                   help="folder of the dataset (needed for folder, cifar10, imagenette)")
    d.add_argument("--download", action="store_true",
                   help="download cifar10/imagenette into --data-dir if missing")
    d.add_argument("--image-size", type=int, default=None,
                   help="input size in pixels (>= 71; default: the preset's)")
    d.add_argument("--synthetic-task", choices=("spatial", "channel", "joint", "mixed"), default="mixed",
                   help="which synthetic classes: by spatial pattern, by channel correlation, "
                        "by both (joint), or every combination (mixed, 16 classes)")
    d.add_argument("--synthetic-train", type=int, default=4096, help="synthetic (or random) training images")
    d.add_argument("--synthetic-val", type=int, default=512, help="synthetic (or random) validation images")
    d.add_argument("--data-on-device", action="store_true",
                   help="hold the training and validation sets on the training device and take batches "
                        "there, without a DataLoader (synthetic or random data): the model's own speed, "
                        "with no loader in it")
    d.add_argument("--workers", type=int, default=None,
                   help="data-loading processes per GPU (default: 4 on GPU, 0 on CPU)")

    m = p.add_argument_group("model")
    m.add_argument("--preset", choices=("small", "paper"), default="small",
                   help="paper: full Xception of Fig. 5 (299 px); "
                        "small: a CPU-sized Xception with every kind of block")
    m.add_argument("--width", type=float, default=None, help="width multiplier on every channel count")
    m.add_argument("--middle-repeats", type=int, default=None, help="number of middle-flow blocks (paper: 8)")
    m.add_argument("--no-residual", action="store_true", help="remove the shortcuts (the ablation of Fig. 9)")
    m.add_argument("--mid-activation", choices=[a for a in ACTIVATIONS if a], default="none",
                   help="activation between depthwise and pointwise convs (the ablation of Fig. 10)")
    m.add_argument("--dropout", type=float, default=0.5, help="dropout before the classifier")

    t = p.add_argument_group("training")
    t.add_argument("--epochs", type=int, default=None, help="epochs (default: the recipe's)")
    t.add_argument("--steps", type=int, default=None, help="stop after this many optimizer steps")
    t.add_argument("--batch-size", type=int, default=None, help="images per process per step")
    t.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: 0.045 x global batch / 256 for paper)")
    t.add_argument("--weight-decay", type=float, default=None)
    t.add_argument("--ema-decay", type=float, default=None,
                   help="weight-average decay (the paper uses Polyak averaging but states no decay; "
                        "default: 0.9999)")
    t.add_argument("--no-ema", action="store_true", help="evaluate the raw weights, no averaging")
    t.add_argument("--precision", choices=PRECISIONS, default="bf16",
                   help="autocast dtype on GPU (fp16 uses a GradScaler); the CPU always trains in fp32")
    t.add_argument("--compile", action="store_true",
                   help="torch.compile the model (GPU; first steps are slow)")
    t.add_argument("--no-channels-last", action="store_true", help="keep NCHW memory format")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default=None, help="cuda, cuda:1, mps or cpu (default: the best available)")

    c = p.add_argument_group("checkpoints")
    c.add_argument("--checkpoint-dir", default=None, help="where last.pt and history.json/csv are written")
    c.add_argument("--checkpoint-every", type=int, default=0,
                   help="steps between checkpoints (0: each epoch)")
    c.add_argument("--resume", action="store_true",
                   help="continue exactly from --checkpoint-dir/last.pt if present")
    c.add_argument("--no-progress", action="store_true", help="no progress bars (logs only)")
    c.add_argument("--save-every-rank", action="store_true",
                   help="each process also writes its final weights and their average (with its BN "
                        "statistics) to rank<N>.pt, to check that replicas agree")
    c.add_argument("--ddp-timeout", type=float, default=None, metavar="SECONDS",
                   help="several processes: how long one waits for the others in a collective before the "
                        "run stops with an error, so a stalled process cannot hang the rest forever "
                        f"(default: ${distributed.TIMEOUT_ENV} or {distributed.DEFAULT_TIMEOUT_S:.0f}; "
                        "raise it if a first --compile step or a checkpoint write takes longer)")
    c.add_argument("--debug", action="store_true",
                   help="on an error, show Python's traceback instead of one line")
    return p


def _check_args(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    # type=float takes "nan" and "inf", and every comparison with nan is False: refuse them first.
    for name in ("lr", "weight_decay", "ema_decay", "dropout", "width", "ddp_timeout"):
        v = getattr(a, name)
        if v is not None and not math.isfinite(v):
            p.error(f"--{name.replace('_', '-')} must be a finite number, got {v}")
    if a.data in ("folder", "cifar10", "imagenette") and not a.data_dir:
        p.error(f"--data {a.data} needs --data-dir (the folder that holds or will hold the dataset)")
    if a.data in ("synthetic", "random") and (a.data_dir or a.download):
        p.error(f"--data {a.data} is generated offline: drop --data-dir/--download")
    if a.data_on_device and a.data not in ("synthetic", "random"):
        p.error(f"--data-on-device holds a generated set on the device; --data {a.data} is read from files "
                "by the loader's workers (use --data synthetic or random)")
    if a.download and a.data == "folder":
        p.error("--download works for cifar10 and imagenette; an ImageNet folder must be prepared by hand")
    if a.no_ema and a.ema_decay is not None:
        p.error("--no-ema and --ema-decay contradict each other: choose one")
    if a.resume and not a.checkpoint_dir:
        p.error("--resume needs --checkpoint-dir")
    if a.image_size is not None and a.image_size < 71:
        p.error(f"--image-size {a.image_size} is too small: Xception needs at least 71 px")
    for name in ("epochs", "steps", "batch_size"):
        v = getattr(a, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {v}")
    if a.middle_repeats is not None and a.middle_repeats < 0:
        p.error(f"--middle-repeats must be 0 or more, got {a.middle_repeats}")
    if a.width is not None and a.width <= 0:
        p.error(f"--width must be positive, got {a.width}")
    if not 0 <= a.dropout < 1:
        p.error(f"--dropout must be in [0, 1), got {a.dropout}")
    for name, v in (("lr", a.lr), ("ddp_timeout", a.ddp_timeout)):
        if v is not None and v <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive, got {v}")
    for name in ("weight_decay", "workers", "checkpoint_every"):
        v = getattr(a, name)
        if v is not None and v < 0:
            p.error(f"--{name.replace('_', '-')} must be 0 or more, got {v}")
    if a.device is not None:
        try:
            check_device(a.device)
        except ValueError as e:  # "device 'cuda:3': ..." -> "--device 'cuda:3': ..."
            p.error(f"--{e}")
    if a.checkpoint_dir:
        _check_checkpoint_dir(p, pathlib.Path(a.checkpoint_dir))


def _check_checkpoint_dir(p: argparse.ArgumentParser, folder: pathlib.Path) -> None:
    """Fail now, not after an epoch of training, if the checkpoints could not be written."""
    if folder.exists() and not folder.is_dir():
        p.error(f"--checkpoint-dir {folder} is a file, not a folder: give a folder (created if missing)")
    last = folder / checkpoint.LATEST
    if last.exists() and not last.is_file():
        p.error(f"--checkpoint-dir {folder}: {last} is not a file; move it away or give another folder")
    # The folder, or the nearest parent that exists (the folder is created there on the first save).
    existing = next(d for d in (folder.absolute(), *folder.absolute().parents) if d.exists())
    if not existing.is_dir():
        p.error(f"--checkpoint-dir {folder} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        p.error(f"--checkpoint-dir {folder}: {existing} is not writable; give a folder you can write to")


def config(a: argparse.Namespace) -> TrainConfig:
    """The TrainConfig these options describe: the preset's recipe, then every explicit option."""
    name = "paper" if a.preset == "paper" else "cpu"
    overrides = dict(seed=a.seed, precision=a.precision, compile=a.compile,
                     channels_last=not a.no_channels_last, checkpoint_dir=a.checkpoint_dir,
                     checkpoint_every=a.checkpoint_every, resume=a.resume, device=a.device,
                     progress=not a.no_progress, data_on_device=a.data_on_device)
    for opt, field in (("epochs", "epochs"), ("steps", "max_steps"), ("batch_size", "batch_size"),
                       ("lr", "lr"), ("weight_decay", "weight_decay"), ("ema_decay", "ema_decay"),
                       ("workers", "workers")):
        if getattr(a, opt) is not None:
            overrides[field] = getattr(a, opt)
    if a.no_ema:
        overrides["ema_decay"] = None
    return recipe(name, **overrides)


def build(a: argparse.Namespace):
    """Model, training set and validation set for these options."""
    size = a.image_size or presets.image_size(a.preset)
    train_set, val_set = data.datasets(a.data, a.data_dir, size, download=a.download, task=a.synthetic_task,
                                       train_size=a.synthetic_train, val_size=a.synthetic_val, seed=a.seed)
    torch.manual_seed(a.seed)  # the initial weights depend on --seed only (resume and DDP rely on it)
    model = presets.model(a.preset, num_classes=len(train_set.classes), width=a.width,
                          middle_repeats=a.middle_repeats, residual=not a.no_residual,
                          mid_activation=None if a.mid_activation == "none" else a.mid_activation,
                          dropout=a.dropout)
    return model, train_set, val_set


def one_line(e: BaseException) -> str:
    """An exception's message on one line (PyTorch's often span several), or its type if it has none."""
    return " ".join(str(e).split()) or type(e).__name__


def main(argv: list[str] | None = None) -> int:
    # In a terminal a warning is one line, not a source listing.
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    p = parser()
    a = p.parse_args(argv)
    _check_args(p, a)
    try:
        cfg = config(a)
    except ValueError as e:
        p.error(str(e))
    if a.ddp_timeout is not None:  # the Trainer joins the process group; it reads the wait from here
        os.environ[distributed.TIMEOUT_ENV] = repr(a.ddp_timeout)
    try:
        model, train_set, val_set = build(a)
        trainer = engine.Trainer(model, train_set, val_set, cfg)
        trainer.fit()
        if a.save_every_rank and a.checkpoint_dir:
            trainer.refresh_ema_bn()  # what evaluation uses: the average with statistics of its own
            ema = trainer.ema.module.state_dict() if trainer.ema is not None else None
            checkpoint.save_atomic({"model": trainer.model.state_dict(), "ema": ema},
                                   f"{a.checkpoint_dir}/rank{trainer.ctx.rank}.pt")
    except engine.NonFiniteLoss as e:  # a RuntimeError too, but its own exit code: the run diverged
        print(f"error: {e}", file=sys.stderr)
        return 3
    except (ValueError, OSError, RuntimeError) as e:
        if a.debug:
            raise
        print(f"error: {one_line(e)}", file=sys.stderr)
        return 1
    finally:
        distributed.teardown()
    if trainer.ctx.is_main and trainer.history:
        last = trainer.history[-1]
        acc = "" if last["val_acc"] is None else f", validation accuracy {last['val_acc']:.3f}"
        mem = ""
        if trainer.ctx.device.type == "cuda":
            mem = f", peak GPU memory {torch.cuda.max_memory_allocated(trainer.ctx.device) / 2**30:.1f} GiB"
        print(f"done: {trainer.global_step} steps{acc}{mem}")
    return 0
