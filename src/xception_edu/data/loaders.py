"""DataLoaders for notebooks and scripts: shuffled per epoch from a seed, one process or several.

(The Trainer builds its own loaders with a sampler that can also skip what a resumed run already saw.)
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler


class EpochLoader(DataLoader):
    """A DataLoader with ``set_epoch``: epoch e's order is a function of (seed, e) only."""

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)


def build_dataloader(dataset: Dataset, batch_size: int, train: bool, workers: int = 0, seed: int = 0,
                     distributed: bool = False) -> EpochLoader:
    """Training loaders shuffle by (seed, epoch) and drop the last partial batch; evaluation loaders keep
    order and every sample. ``distributed=True`` gives each process its own shard (DistributedSampler)."""
    if not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be an integer >= 0, got {workers!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if train and len(dataset) < batch_size:
        raise ValueError(f"the training set has {len(dataset)} samples, not one full batch of {batch_size}; "
                         "lower batch_size")
    if distributed:
        if not (dist.is_available() and dist.is_initialized()):
            raise ValueError("distributed=True needs torch.distributed initialised (launch with torchrun and call "
                             "torch.distributed.init_process_group first)")
        sampler = DistributedSampler(dataset, shuffle=train, seed=seed, drop_last=train)
    else:
        # One replica of the same sampler: the same (seed, epoch) order, and set_epoch, without a process group.
        sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=train, seed=seed) if train else None
    return EpochLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=train, num_workers=workers,
                       pin_memory=torch.cuda.is_available(), persistent_workers=workers > 0)


def make_loaders(train_set: Dataset, val_set: Dataset | None, batch_size: int, seed: int = 0, workers: int = 0,
                 distributed: bool = False) -> tuple[EpochLoader, EpochLoader | None]:
    """(training loader, evaluation loader) with the same batch size."""
    train = build_dataloader(train_set, batch_size, True, workers, seed, distributed)
    val = None if val_set is None else build_dataloader(val_set, batch_size, False, workers, seed, distributed)
    return train, val
