"""The order of the samples in an epoch, as a function of (seed, epoch) only: what makes resume exact."""
from __future__ import annotations

import torch
from torch.utils.data import Sampler


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
