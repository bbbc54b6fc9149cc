"""The Inception module of Fig. 1 and its simplified form of Fig. 2 (Sec. 1.1-1.2)."""
from __future__ import annotations

import torch
import torch.nn as nn

from .. import counting
from .._validate import activation, groups_divide, in_out, odd_kernel, positive_int


class ConvBNReLU(nn.Sequential):
    """Conv -> BN -> ReLU, the unit every Inception V3 tower is made of (BN eps 1e-3 as in Inception V3)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels, eps=1e-3),
            nn.ReLU(inplace=True),
        )


class InceptionV3Module(nn.Module):
    """The canonical Inception V3 module of Fig. 1: four towers side by side, outputs concatenated.

        tower1: 1x1                     (c1 channels)
        tower2: 1x1 (r2) -> kxk         (c2)
        tower3: 1x1 (r3) -> kxk -> kxk  (c3)
        tower4: avg-pool 3x3 -> 1x1     (c4)

    ``widths=(c1, c2, c3, c4)`` must sum to ``out_channels`` (default: four equal quarters);
    ``reduce=(r2, r3)`` are the 1x1 "bottleneck" widths (default: the tower's own width).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 widths: tuple[int, int, int, int] | None = None, reduce: tuple[int, int] | None = None):
        super().__init__()
        in_out(in_channels, out_channels)
        odd_kernel(kernel_size)
        if widths is None:
            if out_channels % 4:
                raise ValueError(f"out_channels={out_channels} cannot be split into four equal towers; "
                                 f"pass widths=(c1, c2, c3, c4) summing to it, or use a multiple of 4")
            widths = (out_channels // 4,) * 4
        widths = tuple(positive_int("tower width", w) for w in widths)
        if len(widths) != 4 or sum(widths) != out_channels:
            raise ValueError(f"widths={widths} must be four tower widths summing to "
                             f"out_channels={out_channels}")
        reduce = tuple(positive_int("reduce width", r) for r in (reduce or widths[1:3]))
        if len(reduce) != 2:
            raise ValueError(f"reduce={reduce} must be two 1x1 widths (r2, r3)")
        c1, c2, c3, c4 = widths
        r2, r3 = reduce
        k = kernel_size
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, k
        self.widths, self.reduce = widths, reduce
        self.tower1 = ConvBNReLU(in_channels, c1, 1)
        self.tower2 = nn.Sequential(ConvBNReLU(in_channels, r2, 1), ConvBNReLU(r2, c2, k))
        self.tower3 = nn.Sequential(ConvBNReLU(in_channels, r3, 1), ConvBNReLU(r3, c3, k),
                                    ConvBNReLU(c3, c3, k))
        self.tower4 = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1), ConvBNReLU(in_channels, c4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.tower1(x), self.tower2(x), self.tower3(x), self.tower4(x)], dim=1)

    def counts(self, height: int, width: int) -> counting.Counts:
        return counting.inception_v3(self.in_channels, self.widths, self.reduce, self.kernel_size,
                                     (height, width))


def _tower_width(out_channels: int, towers: int) -> int:
    positive_int("towers", towers)
    groups_divide(towers, ("out_channels", out_channels))
    return out_channels // towers


class SimplifiedInception(nn.Module):
    """The simplified Inception module of Fig. 2: ``towers`` parallel towers of 1x1 -> kxk, each
    Cout/towers wide, concatenated; no pooling tower. As in Inception, a ReLU follows each conv
    (``mid_activation``/``out_activation`` change or drop them).

    ``reformulate`` turns it into the strictly equivalent ``ReformulatedInception`` of Fig. 3.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, towers: int = 3,
                 mid_activation: str | None = "relu", out_activation: str | None = "relu",
                 bias: bool = False):
        super().__init__()
        in_out(in_channels, out_channels)
        odd_kernel(kernel_size)
        w = _tower_width(out_channels, towers)
        self.in_channels, self.out_channels, self.kernel_size, self.towers = (
            in_channels, out_channels, kernel_size, towers)
        self.mid_activation, self.out_activation = mid_activation, out_activation
        self.branches = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(in_channels, w, 1, bias=bias),
                activation(mid_activation),
                nn.Conv2d(w, w, kernel_size, padding=kernel_size // 2, bias=bias),
                activation(out_activation),
            )
            for _ in range(towers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)

    def counts(self, height: int, width: int) -> counting.Counts:
        # n towers of (Cin*w + k*k*w*w) with w = Cout/n: the same sum as the g=n spectrum point.
        bias = self.branches[0][0].bias is not None
        return counting.spectrum(self.in_channels, self.out_channels, self.kernel_size, self.towers,
                                 (height, width), bias=bias)
