"""Several GPUs through PyTorch's own runtime: ``torchrun --nproc_per_node=N -m xception_edu.train``.

torchrun sets RANK / WORLD_SIZE / LOCAL_RANK; without them we are a single process. NCCL on CUDA,
gloo on the CPU (which is how the tests run two processes on a laptop).

A rank that stalls (a hung data loader, a dead disk) keeps the others waiting in their next collective;
PyTorch's default wait is 30 minutes on gloo (10 on NCCL). We set one wait for both, ``DEFAULT_TIMEOUT_S``
(10 minutes: far above any step, checkpoint write or evaluation here), or ``$XE_DDP_TIMEOUT`` seconds
(``--ddp-timeout`` on the command line); then the collective fails and the run stops with an error.
"""
from __future__ import annotations

import datetime
import math
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..devices import best_device


@dataclass(frozen=True)
class Context:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Only rank 0 logs, draws progress bars and writes files."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


DEFAULT_TIMEOUT_S = 600.0
TIMEOUT_ENV = "XE_DDP_TIMEOUT"


def timeout(timeout_s: float | None = None) -> datetime.timedelta:
    """How long a collective waits for the other ranks: ``timeout_s``, else $XE_DDP_TIMEOUT, else 600 s."""
    source = "timeout_s"
    if timeout_s is None:
        source, env = TIMEOUT_ENV, os.environ.get(TIMEOUT_ENV)
        try:
            timeout_s = float(env) if env else DEFAULT_TIMEOUT_S
        except ValueError:
            raise ValueError(f"{TIMEOUT_ENV}={env!r} is not a number of seconds") from None
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not 0 < timeout_s < math.inf:
        raise ValueError(f"{source} (the DDP timeout) must be a positive, finite number of seconds, "
                         f"got {timeout_s!r}")
    return datetime.timedelta(seconds=timeout_s)


def launched() -> tuple[int, int, int]:
    """(rank, world size, local rank) as torchrun set them, (0, 1, 0) without torchrun; readable before the
    process group exists."""
    return (int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")),
            int(os.environ.get("LOCAL_RANK", "0")))


def setup(device: str | None = None, timeout_s: float | None = None) -> Context:
    """Join the process group if torchrun started us; pick this process's device.

    ``timeout_s``: see ``timeout`` (the Trainer passes none, so $XE_DDP_TIMEOUT is how to set it)."""
    rank, world, local = launched()
    dev = torch.device(device) if device else best_device()
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", local if world > 1 else torch.cuda.current_device())
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo", timeout=timeout(timeout_s))
    return Context(rank, world, local, dev)


def teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def all_sum(values: list[float], ctx: Context) -> list[float]:
    """Sum a few numbers over all ranks (one small all-reduce); identity on one process."""
    if not ctx.distributed:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(t)
    return t.tolist()


def barrier(ctx: Context) -> None:
    if ctx.distributed:
        dist.barrier()


def sync_buffers(module: torch.nn.Module, ctx: Context) -> None:
    """Copy rank 0's buffers (BN running statistics) to every rank.

    DDP averages gradients, so parameters stay identical, but each rank's BN statistics follow its own
    batches; after training, evaluation on every rank should use one model, so rank 0's buffers win."""
    if ctx.distributed:
        for b in module.buffers():
            dist.broadcast(b, src=0)


def average_bn_statistics(module: torch.nn.Module, ctx: Context) -> None:
    """Average the BN running statistics of ``module`` over the ranks (each measured on its own batches)."""
    if ctx.distributed:
        for m in module.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                for buf in (m.running_mean, m.running_var):
                    dist.all_reduce(buf)
                    buf /= ctx.world_size
