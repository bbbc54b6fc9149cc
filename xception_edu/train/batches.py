"""The trainer's batches: a ``DataLoader`` over the sampler's share of an epoch (full batches only), whose
workers draw each sample's augmentation from (seed, epoch, sample), so an epoch is the same whichever
worker loads it (exact resume); or, for a set held on the device, the same order indexed there.
"""
from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from . import stop
from .config import TrainConfig
from .device_data import device_batches
from .sampler import SeededSamples


def loader(dataset, cfg: TrainConfig, device: torch.device, sampler=None, indices: list[int] | None = None,
           shuffle_seed: int | None = None):
    """Batches of ``dataset`` in the sampler's order (full batches only), or of ``indices`` in order
    (the last batch may be short). A set held on the device is indexed there, batch by batch."""
    if cfg.data_on_device:
        order = list(sampler) if sampler is not None else indices
        return device_batches(dataset, order, cfg.batch_size, drop_last=sampler is not None)
    if indices is not None:
        dataset = torch.utils.data.Subset(dataset, indices)
    if sampler is not None:  # training: each sample's augmentation a function of (seed, epoch, sample)
        dataset = SeededSamples(dataset, sampler.seed, sampler.epoch)
    cuda = device.type == "cuda"
    return DataLoader(dataset, batch_size=cfg.batch_size, sampler=sampler,
                      drop_last=sampler is not None, num_workers=cfg.workers, pin_memory=cuda,
                      worker_init_fn=stop.ignore_in_worker,
                      generator=torch.Generator().manual_seed(shuffle_seed or 0))
