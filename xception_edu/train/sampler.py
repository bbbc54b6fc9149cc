"""The order of the samples in an epoch, and the randomness of each sample's augmentation, as functions of
(seed, epoch) and the sample only: what makes resume exact, with loader workers or without."""
from __future__ import annotations

import random

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler


class EpochSampler(Sampler[int]):
    """Shuffles with a permutation that depends only on (seed, epoch), shards it over ranks like
    ``DistributedSampler`` (drop_last), and can skip the samples already used, for exact resume."""

    def __init__(self, n: int, seed: int, epoch: int, rank: int = 0, world_size: int = 1, skip: int = 0):
        self.n, self.seed, self.epoch, self.rank, self.world, self.skip = (
            n, seed, epoch, rank, world_size, skip)
        self.per_rank = n // world_size

    def indices(self) -> list[int]:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(self.n, generator=g)[: self.per_rank * self.world]
        return order[self.rank :: self.world].tolist()[self.skip :]

    def __iter__(self):
        return iter(self.indices())

    def __len__(self) -> int:
        return max(self.per_rank - self.skip, 0)


class SeededSamples(Dataset):
    """``dataset`` whose sample ``i`` is drawn (augmented) with the random generators seeded from (seed,
    epoch, i): the same crop and flip whichever loader worker draws it, and after a resume mid-epoch, when
    the remaining batches go to other workers than in the unbroken run. The caller's generators are put
    back after each sample (a loader without workers draws in the training process)."""

    def __init__(self, dataset: Dataset, seed: int, epoch: int):
        self.dataset, self.seed, self.epoch = dataset, seed, epoch

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        s = ((self.seed * 1_000_003 + self.epoch) * 1_000_000_007 + i) % 2**63
        saved = random.getstate(), np.random.get_state()
        try:
            with torch.random.fork_rng(devices=[]):  # the CPU generator only: no CUDA state is touched
                torch.default_generator.manual_seed(s)
                random.seed(s)
                np.random.seed(s % 2**32)
                return self.dataset[i]
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
