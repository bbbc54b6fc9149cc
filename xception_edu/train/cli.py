"""Train Xception from the terminal, on one device or several (``python -m xception_edu.train``).

    python -m xception_edu.train --preset small --data synthetic --epochs 3           # a laptop CPU
    python -m xception_edu.train --preset paper --data folder --data-dir /data/imagenet
    torchrun --nproc_per_node=8 -m xception_edu.train --preset paper --data folder --data-dir ...

Every option is listed by ``--help`` (``options.py``: the options, their checks, the ``TrainConfig`` they
describe). Here: the run they ask for, from the data and the model to the last line, and what the terminal
shows when it ends early (a signal, a divergence, an error) and with which exit code.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

import torch

from .. import data
from ..model import presets
from . import checkpoint, console, distributed, divergence, engine, guard, stop
from .config import TrainConfig
from .console import one_line, rank_prefix
from .options import check_args, checked, config, model_options, parser


def build(a: argparse.Namespace, cfg: TrainConfig | None = None):
    """Model, training set and validation set for these options (and ``cfg``'s seed: ``config(a)``'s)."""
    seed = (cfg or config(a)).seed
    size = a.image_size or presets.image_size(a.preset)
    train_set, val_set = data.datasets(a.data, a.data_dir, size, download=a.download, task=a.synthetic_task,
                                       train_size=a.synthetic_train, val_size=a.synthetic_val, seed=seed)
    torch.manual_seed(seed)  # the initial weights depend on the seed only (resume and DDP rely on it)
    model = presets.model(a.preset, num_classes=len(train_set.classes), **model_options(a))
    return model, train_set, val_set


def main(argv: list[str] | None = None) -> int:
    # In a terminal a warning is one line, not a source listing.
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    p = parser()
    a = p.parse_args(argv)
    check_args(p, a)
    cfg = checked(p, config, a)
    if a.ddp_timeout is not None:  # the Trainer joins the process group; it reads the wait from here
        os.environ[distributed.TIMEOUT_ENV] = repr(a.ddp_timeout)
    try:
        with stop.on_signals(), console.tolerant_stdout():  # a closed or ASCII stdout does not stop a run
            trainer = _train(a, cfg)
            if trainer.ctx.is_main and trainer.history:
                print(_summary(trainer))
    except stop.Stopped as e:  # SIGINT or SIGTERM: saved at a step boundary; one line, from one process
        if distributed.launched()[0] == 0:
            print(e, file=sys.stderr)
        return e.exit_code
    except divergence.NonFiniteLoss as e:  # a RuntimeError too, but its own exit code: the run diverged
        print(f"{rank_prefix()}error: {e.problem} Start a new run (another --checkpoint-dir, or --overwrite) "
              f"with a lower --lr (now {e.lr:g}) or --precision fp32; --resume continues only with the same "
              "settings.", file=sys.stderr)
        return 3
    except (ValueError, OSError, RuntimeError) as e:
        if a.debug:
            raise
        print(f"{rank_prefix()}error: {one_line(e)}", file=sys.stderr)
        return 1
    finally:
        distributed.teardown()
    return 0


def _train(a: argparse.Namespace, cfg: TrainConfig) -> engine.Trainer:
    lock = None
    if cfg.checkpoint_dir and distributed.launched()[0] == 0:  # held from before the data is built
        lock = guard.claim(cfg.checkpoint_dir, cfg.resume, cfg.overwrite)
    try:
        model, train_set, val_set = build(a, cfg)
        trainer = engine.Trainer(model, train_set, val_set, cfg, lock=lock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    trainer.fit()  # releases the lock when it ends
    if a.save_every_rank and a.checkpoint_dir:
        trainer.refresh_ema_bn()  # what evaluation uses: the average with statistics of its own
        ema = trainer.ema.module.state_dict() if trainer.ema is not None else None
        checkpoint.save_atomic({"model": trainer.model.state_dict(), "ema": ema},
                               f"{a.checkpoint_dir}/rank{trainer.ctx.rank}.pt")
    return trainer


def _summary(trainer: engine.Trainer) -> str:
    """The run's last line: its steps, last validation accuracy and (on a GPU) peak memory."""
    last = trainer.history[-1]
    acc = "" if last["val_acc"] is None else f", validation accuracy {last['val_acc']:.3f}"
    mem = ""
    if trainer.ctx.device.type == "cuda":
        mem = f", peak GPU memory {torch.cuda.max_memory_allocated(trainer.ctx.device) / 2**30:.1f} GiB"
    return f"done: {trainer.global_step} steps{acc}{mem}"
