"""What a training run needs besides the model and the data: the paper's recipe (Sec. 4, its optimization
and regularization configurations) as a dataclass.

The paper's: SGD with momentum 0.9, initial learning rate 0.045 decayed by 0.94 every 2 epochs, weight decay
1e-5, dropout 0.5 (in the model), and Polyak averaging of the weights for evaluation. Ours, where the paper
says nothing: its batch size is not stated, so 0.045 is taken as the rate for a global batch of 256 and
scaled linearly with the global batch (lr = 0.045 x B/256, Goyal et al. 2017), which is what
``TrainConfig.learning_rate`` computes; nor is the decay of the average, so ``ema_decay`` = 0.9999 is ours.

Weight decay falls on the convolution and classifier weights only, not on BN's scale and shift nor on
biases (``TrainConfig.param_groups``). The paper gives the rate (1e-5), not which parameters it acts on;
its training ran on TensorFlow with Inception V3's recipe, whose TF-slim code puts the L2 regularizer on
conv and fully-connected kernels only; timm and nanoGPT leave every 1-D parameter undecayed too.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

from .._validate import boolean, choice, finite_number, non_negative_int, positive_int
from ..devices import PRECISIONS, check_device

MAX_SEED = 2**32 - 1
"""The largest seed: every generator seeded from it (numpy's legacy one, torch's, per epoch and sample)
takes it."""


@dataclass
class TrainConfig:
    """Everything a run needs besides the model and the data. Defaults: the paper's recipe."""

    epochs: int = 100
    max_steps: int | None = None      # stop after this many optimizer steps in all (None: run all epochs)
    batch_size: int = 32              # per process; the global batch is batch_size x processes
    lr: float | None = None           # None: base_lr scaled by the global batch
    base_lr: float = 0.045
    base_batch: int = 256
    momentum: float = 0.9
    weight_decay: float = 1e-5
    lr_decay: float = 0.94
    decay_every: int = 2              # epochs
    ema_decay: float | None = 0.9999  # Polyak averaging; 0.9999 is ours (the paper gives none); None: off
    ema_bn_batches: int = 20          # training batches that re-estimate BN statistics for the average
    label_smoothing: float = 0.0
    precision: str = "bf16"           # on the CPU, fp32 is used whatever this says (see Trainer)
    channels_last: bool = True
    compile: bool = False
    workers: int = 4
    data_on_device: bool = False      # hold the sets on the device, batches indexed there (no DataLoader)
    seed: int = 0
    checkpoint_dir: str | None = None
    checkpoint_every: int = 0         # steps between checkpoints; 0: at the end of each epoch only
    resume: bool = False
    overwrite: bool = False           # replace the run already in checkpoint_dir (else refused)
    device: str | None = None
    log_every: int = 10               # steps between progress updates (each one syncs the GPU)
    progress: bool = True

    def __post_init__(self):
        for name in ("epochs", "batch_size", "base_batch", "decay_every", "ema_bn_batches", "log_every"):
            positive_int(name, getattr(self, name))
        for name in ("workers", "seed", "checkpoint_every"):
            non_negative_int(name, getattr(self, name))
        if self.seed > MAX_SEED:  # checked here, before a run builds its data and model
            raise ValueError(f"seed must be an integer from 0 to {MAX_SEED} (2**32 - 1), got {self.seed!r}")
        if self.max_steps is not None:
            positive_int("max_steps", self.max_steps)
        if self.lr is not None:
            finite_number("lr", self.lr, 0, math.inf, open_low=True, open_high=True,
                          note=" or None (base_lr scaled by the global batch)")
        finite_number("base_lr", self.base_lr, 0, math.inf, open_low=True, open_high=True)
        finite_number("momentum", self.momentum, 0, 1, open_high=True)
        finite_number("weight_decay", self.weight_decay, 0, math.inf, open_high=True)
        finite_number("lr_decay", self.lr_decay, 0, 1, open_low=True)
        if self.ema_decay is not None:
            finite_number("ema_decay", self.ema_decay, 0, 1, open_low=True, open_high=True,
                          note=" or None (no weight average)")
        finite_number("label_smoothing", self.label_smoothing, 0, 1, open_high=True)
        choice("precision", self.precision, PRECISIONS)
        for name in ("channels_last", "compile", "data_on_device", "resume", "overwrite", "progress"):
            boolean(name, getattr(self, name))
        if self.device is not None:
            check_device(self.device)
        self._check_run_folder()

    def _check_run_folder(self) -> None:
        # where the run is kept, and whether it continues or replaces the one already there
        if self.checkpoint_dir is not None and not (isinstance(self.checkpoint_dir, (str, os.PathLike))
                                                    and str(self.checkpoint_dir)):
            raise ValueError(f"checkpoint_dir must be a folder path or None, got {self.checkpoint_dir!r}")
        if self.resume and not self.checkpoint_dir:
            raise ValueError("resume=True needs a checkpoint_dir to resume from")
        if self.resume and self.overwrite:
            raise ValueError("resume=True and overwrite=True contradict each other: continue the run in "
                             "checkpoint_dir, or replace it")

    def param_groups(self, model) -> list[dict]:
        """The optimizer's groups: conv and linear weights (2-D and up) at ``weight_decay``, BN's scale and
        shift and every bias (1-D) at none (see the module docstring)."""
        params = list(model.parameters())
        groups = [{"params": [p for p in params if p.ndim > 1], "weight_decay": self.weight_decay},
                  {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}]
        return [g for g in groups if g["params"]]

    def learning_rate(self, world_size: int = 1) -> float:
        """The paper's 0.045 at a global batch of 256, scaled linearly with the global batch."""
        if self.lr is not None:
            return self.lr
        return self.base_lr * self.batch_size * world_size / self.base_batch


# The paper's recipe (with our batch-256 reading and our average decay, above), and one of ours, not the
# paper's, that makes a small model learn on a laptop CPU: a few hundred steps instead of hundreds of
# thousands, so a higher rate than the linear rule gives, decayed every epoch, a short average, and a weight
# decay that hardly acts in so few steps (notebook 09).
RECIPES = {
    "paper": dict(),
    "cpu": dict(epochs=3, batch_size=64, lr=0.05, lr_decay=0.7, decay_every=1, ema_decay=0.99,
                weight_decay=5e-5, workers=0, precision="fp32", log_every=5),
}


def recipe(name: str, **overrides) -> TrainConfig:
    if name not in RECIPES:
        raise ValueError(f"recipe {name!r} is not one of {sorted(RECIPES)}")
    return TrainConfig(**{**RECIPES[name], **overrides})


def ema_decay_for(steps: int) -> float:
    """The weight average's decay for a run of ``steps`` optimizer steps in all.

    An average with decay d spans about 1 / (1 - d) steps: our 0.9999 (``TrainConfig.ema_decay``) spans
    some 10,000, made for a run of hundreds of thousands; in a short run such an average would still hold
    mostly the initial weights. So a short run averages its last 5% (steps / 20), at least 10 steps, and
    never with more than 0.9999."""
    positive_int("steps", steps)
    return min(TrainConfig.ema_decay, 1 - 20 / max(200, steps))


# Settings that change the trajectory: resuming with different ones cannot continue "exactly".
_MUST_MATCH = ("batch_size", "lr", "base_lr", "base_batch", "momentum", "weight_decay", "lr_decay",
               "decay_every", "ema_decay", "ema_bn_batches", "label_smoothing", "seed", "channels_last")
