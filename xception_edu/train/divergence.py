"""A run that diverges stops with one named error (``NonFiniteLoss``), and never writes a checkpoint it
could not be resumed from: the loss is checked at each log step, and the weights, BN statistics and weight
average (the Polyak averaging of Sec. 4.2) before every save. The error names the step, what went wrong,
and the last good checkpoint, which is kept.
"""
from __future__ import annotations

import math

import torch

from . import checkpoint, distributed


class NonFiniteLoss(RuntimeError):
    """Training diverged: a non-finite or exploding loss, or non-finite weights or BN statistics.
    ``problem`` says what, where, and which checkpoint is kept; ``lr`` is the run's learning rate (a command
    line gives its advice in its own options)."""

    def __init__(self, problem: str, lr: float):
        super().__init__(problem, lr)
        self.problem, self.lr = problem, lr

    def __str__(self) -> str:
        return (f"{self.problem} Start a new run (another checkpoint_dir) with a lower learning rate (lr, "
                f"now {self.lr:g}) or precision='fp32'; resume=True continues only with the same settings.")


# A cross-entropy starts near ln(classes) (6.9 for 1000 classes) and falls; one this large means divergence.
LOSS_LIMIT = 1e3


def diverged(trainer, what: str) -> NonFiniteLoss:
    """The error for ``what`` went wrong at the trainer's step, naming the checkpoint that is kept."""
    last = trainer._good
    kept = (f"The last good checkpoint is kept in {last} (every checkpoint is checked finite before "
            "it is written)" if last is not None else "No checkpoint was written")
    return NonFiniteLoss(f"{what} at step {trainer.global_step}: training diverged. {kept}.", trainer.lr)


def check_tensors(trainer) -> None:
    """Stop if a weight or buffer of the model (or of the weight average) is not finite."""
    ema = trainer.ema
    bad = checkpoint.non_finite(trainer.model.state_dict(), ema=ema.state_dict() if ema else {})
    if bad:
        raise diverged(trainer, f"{len(bad)} weight or statistics tensors became inf or NaN ({bad[0]}, ...)")


def check_finite(trainer, sums: torch.Tensor) -> tuple[float, float]:
    """Stop if the loss of ``sums`` (loss x n, correct, n; summed over ranks) is not finite or explodes, or
    a tensor is not finite; else return the mean loss and accuracy."""
    loss_sum, correct, n = distributed.all_sum(sums.tolist(), trainer.ctx)
    loss = loss_sum / max(n, 1)
    if not math.isfinite(loss_sum):
        raise diverged(trainer, f"the loss became {loss}")
    if loss > LOSS_LIMIT:
        raise diverged(trainer, f"the loss reached {loss:.3g}, far above any cross-entropy of a learning "
                                f"classifier (limit {LOSS_LIMIT:g})")
    check_tensors(trainer)
    return loss, correct / max(n, 1)
