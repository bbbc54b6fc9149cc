"""The training command line's options (``python -m xception_edu.train --help``), their checks, and the
``TrainConfig`` and model options they describe. The training options default to the recipe of the preset
(``config.RECIPES``: the paper's, Sec. 4.2 and 4.3, for the paper preset; a quick CPU one for the small
preset), and the ``TrainConfig`` checks them, so a bad value gets the same message here as from Python. One
default depends on the device: on the CPU the loader runs in the training process (``--workers 0``), since
the training itself uses every core; on a GPU the recipe's workers feed it.
"""
from __future__ import annotations

import argparse
import functools
import math
import os
import pathlib

import torch

from .. import data, devices
from .._validate import ACTIVATIONS
from ..devices import PRECISIONS
from ..model import MIN_SIZE, presets
from . import checkpoint, distributed
from .config import TrainConfig, recipe

PRESET_RECIPES = {"small": "cpu", "paper": "paper"}
"""The recipe (``config.RECIPES``) each model preset trains with."""

# Options that set a TrainConfig field to their value (option dest -> field) ...
_VALUES = {"epochs": "epochs", "steps": "max_steps", "batch_size": "batch_size", "lr": "lr",
           "weight_decay": "weight_decay", "ema_decay": "ema_decay", "precision": "precision",
           "workers": "workers", "seed": "seed", "checkpoint_every": "checkpoint_every", "device": "device",
           "checkpoint_dir": "checkpoint_dir"}
# ... and flags that set one to a fixed value when given (dest -> (field, value)).
_FLAGS = {"compile": ("compile", True), "no_channels_last": ("channels_last", False),
          "resume": ("resume", True), "overwrite": ("overwrite", True), "no_progress": ("progress", False),
          "data_on_device": ("data_on_device", True), "no_ema": ("ema_decay", None)}


def _default(field: str) -> str:
    """A field's defaults as help text, read from the recipes: 'default: 3 for small, 100 for paper'."""
    shown = {}
    for preset, name in PRESET_RECIPES.items():
        cfg = recipe(name)
        v = getattr(cfg, field)
        if field == "lr" and v is None:
            v = f"{cfg.base_lr:g} x global batch / {cfg.base_batch}"
        shown[preset] = "none" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
    if len(set(shown.values())) == 1:
        return f"default: {next(iter(shown.values()))}"
    return "default: " + ", ".join(f"{v} for {preset}" for preset, v in shown.items())


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it is not None (those options' help says what None means)."""

    def _get_help_string(self, action):
        return action.help if action.default is None else super()._get_help_string(action)


def parser() -> argparse.ArgumentParser:
    c = recipe("paper")
    p = argparse.ArgumentParser(
        prog="python -m xception_edu.train",
        description=f"Train Xception (Chollet, CVPR 2017) with the paper's recipe (Sec. 4): SGD momentum "
                    f"{c.momentum:g}, lr {c.base_lr:g} decayed x{c.lr_decay:g} every {c.decay_every} epochs "
                    f"(taken as the rate for {c.base_batch} images: the paper states no batch size), weight "
                    f"decay {c.weight_decay:g}, dropout in the model, weight averaging for evaluation. "
                    "Several GPUs: launch with torchrun.",
        formatter_class=_Help,
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
                   help=f"input size in pixels (>= {MIN_SIZE}; default: the preset's)")
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
                   help=f"data-loading processes per GPU ({_default('workers')} on a GPU; 0 on the CPU, "
                        "whose cores the training itself uses)")

    m = p.add_argument_group("model")
    m.add_argument("--preset", choices=tuple(PRESET_RECIPES), default="small",
                   help="paper: full Xception of Fig. 5 (299 px); "
                        "small: a CPU-sized Xception with every kind of block")
    m.add_argument("--width", type=float, default=None,
                   help="width multiplier on every channel count (default: the preset's)")
    m.add_argument("--middle-repeats", type=int, default=None,
                   help="number of middle-flow blocks (default: the preset's; the paper's 8)")
    m.add_argument("--no-residual", action="store_true", help="remove the shortcuts (the ablation of Fig. 9)")
    m.add_argument("--mid-activation", choices=[a for a in ACTIVATIONS if a], default=None,
                   help="activation between depthwise and pointwise convs (the ablation of Fig. 10; "
                        "default: the preset's)")
    m.add_argument("--dropout", type=float, default=None,
                   help="dropout before the classifier (default: the preset's)")

    t = p.add_argument_group("training")
    t.add_argument("--epochs", type=int, default=None, help=_default("epochs"))
    t.add_argument("--steps", type=int, default=None,
                   help=f"stop after this many optimizer steps ({_default('max_steps')})")
    t.add_argument("--batch-size", type=int, default=None,
                   help=f"images per process per step ({_default('batch_size')})")
    t.add_argument("--lr", type=float, default=None, help=f"learning rate ({_default('lr')})")
    t.add_argument("--weight-decay", type=float, default=None, help=_default("weight_decay"))
    t.add_argument("--ema-decay", type=float, default=None,
                   help="weight-average decay (the paper uses Polyak averaging but states no decay; "
                        f"{_default('ema_decay')})")
    t.add_argument("--no-ema", action="store_true", help="evaluate the raw weights, no averaging")
    t.add_argument("--precision", default=None, metavar="{" + ",".join(PRECISIONS) + "}",
                   help="autocast dtype on GPU (fp16 uses a GradScaler); the CPU always trains in fp32 "
                        f"({_default('precision')})")
    t.add_argument("--compile", action="store_true",
                   help="torch.compile the model (GPU; first steps are slow)")
    t.add_argument("--no-channels-last", action="store_true", help="keep NCHW memory format")
    t.add_argument("--seed", type=int, default=None, help=_default("seed"))
    t.add_argument("--device", default=None, help="cuda, cuda:1, mps or cpu (default: the best available)")

    c = p.add_argument_group("checkpoints")
    c.add_argument("--checkpoint-dir", default=None, help="where last.pt and history.json/csv are written")
    c.add_argument("--checkpoint-every", type=int, default=None,
                   help=f"steps between checkpoints, 0: each epoch ({_default('checkpoint_every')})")
    c.add_argument("--resume", action="store_true",
                   help="continue exactly from --checkpoint-dir/last.pt if present")
    c.add_argument("--overwrite", action="store_true",
                   help="replace the run whose last.pt is in --checkpoint-dir (without it, and without "
                        "--resume, such a folder is refused); one run per folder at a time (a lock)")
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


def check_args(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    """The command line's own checks: what is no TrainConfig field (the config checks those)."""
    _check_data(p, a)
    _check_numbers(p, a)
    if a.checkpoint_dir:
        _check_checkpoint_dir(p, pathlib.Path(a.checkpoint_dir))
    elif a.save_every_rank:
        p.error("--save-every-rank writes rank<N>.pt into --checkpoint-dir: give one")


def _check_data(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    if a.data in ("folder", "cifar10", "imagenette") and not a.data_dir:
        p.error(f"--data {a.data} needs --data-dir (the folder that holds or will hold the dataset)")
    if a.data in ("synthetic", "random") and (a.data_dir or a.download):
        p.error(f"--data {a.data} is generated offline: drop --data-dir/--download")
    if a.data_on_device and a.data not in ("synthetic", "random"):
        p.error(f"--data-on-device holds a generated set on the device; --data {a.data} is read from files "
                "by the loader's workers (use --data synthetic or random)")
    if a.download and a.data == "folder":
        p.error("--download works for cifar10 and imagenette; an ImageNet folder must be prepared by hand")
    if a.image_size is not None and a.image_size < MIN_SIZE:
        p.error(f"--image-size {a.image_size} is too small: Xception needs at least {MIN_SIZE} px")
    for option in ("synthetic_train", "synthetic_val"):  # the sets' own check would say "length"
        if getattr(a, option) < 1:
            p.error(f"--{option.replace('_', '-')} must be a positive number of images, "
                    f"got {getattr(a, option)}")


def _check_numbers(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    # type=float takes "nan" and "inf", and every comparison with nan is False: refuse them first.
    if a.ddp_timeout is not None and not 0 < a.ddp_timeout < math.inf:
        p.error(f"--ddp-timeout must be positive, got {a.ddp_timeout}")
    # the model's options are XceptionConfig's to check: the same message as from Python
    checked(p, functools.partial(presets.config, a.preset, **model_options(a)))
    if a.no_ema and a.ema_decay is not None:
        p.error("--no-ema and --ema-decay contradict each other: choose one")


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


def _on_cpu(device: str | None) -> bool:
    """Whether the run trains on the CPU: ``device``, or the best one here (an unknown name: not decided
    here, the TrainConfig refuses it)."""
    try:
        return (torch.device(device) if device else devices.best_device()).type == "cpu"
    except (RuntimeError, ValueError):
        return False


def config(a: argparse.Namespace) -> TrainConfig:
    """The TrainConfig these options describe: the preset's recipe, then every option given; a ValueError
    (the TrainConfig's) for a bad value."""
    given = {field: getattr(a, dest) for dest, field in _VALUES.items() if getattr(a, dest) is not None}
    given.update(fv for dest, fv in _FLAGS.items() if getattr(a, dest))
    if "workers" not in given and _on_cpu(a.device):
        given["workers"] = 0
    return recipe(PRESET_RECIPES[a.preset], **given)


def model_options(a: argparse.Namespace) -> dict:
    """The model options given (``presets.model``'s overrides): the preset decides the rest."""
    chosen = {"width": a.width, "middle_repeats": a.middle_repeats, "dropout": a.dropout}
    options = {k: v for k, v in chosen.items() if v is not None}
    if a.no_residual:
        options["residual"] = False
    if a.mid_activation is not None:
        options["mid_activation"] = None if a.mid_activation == "none" else a.mid_activation
    return options


def checked(p: argparse.ArgumentParser, make, *args):
    """``make(*args)``, or argparse's usage error (exit code 2) with the message of its ValueError: the
    command line says what the Python API says."""
    try:
        return make(*args)
    except ValueError as e:
        p.error(str(e))
