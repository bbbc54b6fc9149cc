"""Tiny synthetic data and tiny training runs, so that a notebook can train in a few seconds on a
laptop CPU (notebook 05's preview of Fig. 10: an activation between depthwise and pointwise, or not).

The task needs both of the things a convolution maps: the class of an image is its stripe orientation
(a spatial pattern) crossed with its dominant colour (a cross-channel pattern).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .convs import SeparableConv2d
from .devices import cpu_threads


def stripes(n: int = 256, size: int = 10, noise: float = 0.8, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` RGB images of noisy stripes and their labels in {0, 1, 2, 3}:
    label = 2 * (stripes are vertical) + (the stripes are red rather than blue). Deterministic in ``seed``."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n,), generator=g)
    vertical, red = (y // 2).bool(), (y % 2).bool()
    period = torch.randint(3, 6, (n,), generator=g).float()
    phase = torch.rand(n, generator=g) * 6.2832
    coord = torch.arange(size).float()
    rows = torch.sin(2 * torch.pi * coord[None, :, None] / period[:, None, None] + phase[:, None, None])
    cols = torch.sin(2 * torch.pi * coord[None, None, :] / period[:, None, None] + phase[:, None, None])
    pattern = torch.where(vertical[:, None, None], cols.expand(n, size, size), rows.expand(n, size, size))
    colour = torch.where(red[:, None], torch.tensor([1.0, 0.2, 0.0]), torch.tensor([0.0, 0.2, 1.0]))  # (n, 3)
    x = colour[:, :, None, None] * pattern[:, None] + noise * torch.randn(n, 3, size, size, generator=g)
    return x, y


class TinySeparableNet(nn.Module):
    """A 3x3 stem, ``blocks`` depthwise separable convs (each ReLU -> SeparableConv -> BN, as in
    Xception's middle flow, Fig. 5) with ``mid_activation`` between depthwise and pointwise, then
    global average pooling and a linear classifier."""

    def __init__(self, mid_activation: str | None = None, channels: int = 16, blocks: int = 2, classes: int = 4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.blocks = nn.Sequential(*(nn.Sequential(nn.ReLU(), SeparableConv2d(channels, channels, 3, mid_activation=mid_activation),
                                                    nn.BatchNorm2d(channels)) for _ in range(blocks)))
        self.head = nn.Linear(channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.relu(self.blocks(self.stem(x))).mean(dim=(2, 3)))


def train_tiny(mid_activation: str | None, steps: int = 40, batch: int = 32, lr: float = 0.05,
               seed: int = 0, data=None) -> list[float]:
    """Train a ``TinySeparableNet`` on ``stripes`` with SGD (momentum 0.9) and return the training loss of
    every step. Same seed, same data, same initial weights for every ``mid_activation``: only the
    activation between the two steps differs (the comparison of Fig. 10, in miniature)."""
    x, y = stripes(seed=seed) if data is None else data
    torch.manual_seed(seed)
    model = TinySeparableNet(mid_activation)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    g = torch.Generator().manual_seed(seed)
    losses = []
    with cpu_threads(1):  # tensors this small run fastest on one thread, above all on a busy machine
        for _ in range(steps):
            idx = torch.randint(0, len(x), (batch,), generator=g)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses
