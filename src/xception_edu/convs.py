"""The convolution family the paper's argument walks through (Sec. 1-2, Figs 1-4).

Every operator takes ``(in_channels, out_channels, kernel_size, ...)`` and keeps the spatial size
("same" padding, stride 1) unless told otherwise, so any two can be swapped in an experiment.
Each has ``counts(height, width)``: its closed-form parameters and multiply-adds (``counting``).

    StandardConv          one kernel maps channels and space jointly
    InceptionV3Module     Fig. 1: four towers, concatenated
    SimplifiedInception   Fig. 2: n towers of 1x1 -> kxk
    ReformulatedInception Fig. 3: one big 1x1, then kxk on n channel segments (groups=n)
    ExtremeInception      Fig. 4: one big 1x1, then one kxk per channel (groups=C)
    SpectrumConv          1x1 then kxk in any number g of groups: the whole spectrum of Sec. 1.2
    SeparableConv2d       depthwise kxk then pointwise 1x1, as in Xception (Sec. 1.2, Fig. 5)
"""
from __future__ import annotations

import torch
import torch.nn as nn

from . import counting
from ._checks import activation, groups_divide, odd_kernel, positive_int


def _channels(in_channels, out_channels) -> None:
    positive_int("in_channels", in_channels)
    positive_int("out_channels", out_channels)


class StandardConv(nn.Conv2d):
    """A regular convolution (Sec. 1): each of the Cout kernels has shape Cin x k x k, so a single
    kernel maps cross-channel and spatial correlations jointly.

    ``padding='same'`` (odd k) keeps the size; ``'valid'`` shrinks it by k-1, as in Xception's stem.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: str = "same", bias: bool = False):
        _channels(in_channels, out_channels)
        positive_int("stride", stride)
        if padding == "same":
            pad = odd_kernel(kernel_size) // 2
        elif padding == "valid":
            pad = positive_int("kernel_size", kernel_size) and 0
        else:
            raise ValueError(f"padding={padding!r} is not 'same' or 'valid'")
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=pad, bias=bias)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        k, s, p = self.kernel_size[0], self.stride[0], self.padding[0]
        return (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1

    def counts(self, height: int, width: int) -> counting.Counts:
        return counting.standard(self.in_channels, self.out_channels, self.kernel_size[0],
                                 self.output_size(height, width), bias=self.bias is not None)


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
        _channels(in_channels, out_channels)
        odd_kernel(kernel_size)
        if widths is None:
            if out_channels % 4:
                raise ValueError(f"out_channels={out_channels} cannot be split into four equal towers; "
                                 f"pass widths=(c1, c2, c3, c4) summing to it, or use a multiple of 4")
            widths = (out_channels // 4,) * 4
        widths = tuple(positive_int("tower width", w) for w in widths)
        if len(widths) != 4 or sum(widths) != out_channels:
            raise ValueError(f"widths={widths} must be four tower widths summing to out_channels={out_channels}")
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
        self.tower3 = nn.Sequential(ConvBNReLU(in_channels, r3, 1), ConvBNReLU(r3, c3, k), ConvBNReLU(c3, c3, k))
        self.tower4 = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1), ConvBNReLU(in_channels, c4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.tower1(x), self.tower2(x), self.tower3(x), self.tower4(x)], dim=1)

    def counts(self, height: int, width: int) -> counting.Counts:
        return counting.inception_v3(self.in_channels, self.widths, self.reduce, self.kernel_size, (height, width))


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
                 mid_activation: str | None = "relu", out_activation: str | None = "relu", bias: bool = False):
        super().__init__()
        _channels(in_channels, out_channels)
        odd_kernel(kernel_size)
        w = _tower_width(out_channels, towers)
        self.in_channels, self.out_channels, self.kernel_size, self.towers = in_channels, out_channels, kernel_size, towers
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


class SpectrumConv(nn.Module):
    """A 1x1 conv then a kxk conv over ``groups`` non-overlapping channel segments (Sec. 1.2).

    The number of segments spans the spectrum the paper describes: ``groups=1`` is a regular conv
    after a 1x1, ``groups=n`` the reformulated Inception module of Fig. 3, ``groups=out_channels``
    the "extreme" Inception of Fig. 4 (one spatial filter per channel). Only divisors of
    ``out_channels`` are valid group counts.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, groups: int = 1,
                 mid_activation: str | None = "relu", out_activation: str | None = "relu", bias: bool = False):
        super().__init__()
        _channels(in_channels, out_channels)
        odd_kernel(kernel_size)
        groups_divide(groups, ("out_channels", out_channels))
        self.in_channels, self.out_channels, self.kernel_size, self.groups = in_channels, out_channels, kernel_size, groups
        self.mid_activation, self.out_activation = mid_activation, out_activation
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)
        self.mid_act = activation(mid_activation)
        self.spatial = nn.Conv2d(out_channels, out_channels, kernel_size, padding=kernel_size // 2,
                                 groups=groups, bias=bias)
        self.act = activation(out_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.spatial(self.mid_act(self.pointwise(x))))

    def counts(self, height: int, width: int) -> counting.Counts:
        return counting.spectrum(self.in_channels, self.out_channels, self.kernel_size, self.groups,
                                 (height, width), bias=self.pointwise.bias is not None)


class ReformulatedInception(SpectrumConv):
    """Fig. 3: the simplified Inception module rewritten as ONE large 1x1 conv followed by kxk convs
    on ``towers`` non-overlapping segments of its output channels (``groups=towers``).
    Strictly equivalent to Fig. 2: see ``reformulate``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, towers: int = 3,
                 mid_activation: str | None = "relu", out_activation: str | None = "relu", bias: bool = False):
        _tower_width(out_channels, towers)
        super().__init__(in_channels, out_channels, kernel_size, groups=towers,
                         mid_activation=mid_activation, out_activation=out_activation, bias=bias)

    @property
    def towers(self) -> int:
        return self.groups


class ExtremeInception(SpectrumConv):
    """Fig. 4, the "extreme" version of an Inception module: a 1x1 conv, then one kxk spatial conv
    per output channel (``groups=out_channels``). ``mid_activation='relu'`` keeps Inception's ReLU
    after the 1x1; ``None`` removes it (one of the two differences from a separable conv, Sec. 1.2).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 mid_activation: str | None = "relu", out_activation: str | None = "relu", bias: bool = False):
        positive_int("out_channels", out_channels)
        super().__init__(in_channels, out_channels, kernel_size, groups=out_channels,
                         mid_activation=mid_activation, out_activation=out_activation, bias=bias)


class SeparableConv2d(nn.Module):
    """Depthwise separable convolution (Sec. 1.2; Keras ``SeparableConv2D``): a kxk spatial conv on each
    channel independently (``depthwise``, ``groups=channels``), then a 1x1 conv across channels
    (``pointwise``). No bias and no activation in between by default, as in Xception (Fig. 5).

    Options for the paper's comparisons:
      ``order='pointwise_first'``  Fig. 4's order (1x1 first, then depthwise on its outputs).
      ``mid_activation``           None (Xception), 'relu' or 'elu' between the steps (Fig. 10).
      ``spatial_groups``           replace the depthwise stage by a grouped conv with this many
                                   groups (None: depthwise), for the spectrum beyond the paper.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 dilation: int = 1, bias: bool = False, order: str = "depthwise_first",
                 mid_activation: str | None = None, spatial_groups: int | None = None):
        super().__init__()
        _channels(in_channels, out_channels)
        odd_kernel(kernel_size)
        positive_int("stride", stride)
        positive_int("dilation", dilation)
        if order not in ("depthwise_first", "pointwise_first"):
            raise ValueError(f"order={order!r} is not 'depthwise_first' or 'pointwise_first'")
        if order == "pointwise_first" and stride != 1:
            # A strided 1x1 first would drop pixels before any filter has seen them.
            raise ValueError(f"stride={stride} is only supported with order='depthwise_first'")
        spatial_channels = in_channels if order == "depthwise_first" else out_channels
        groups = spatial_channels if spatial_groups is None else spatial_groups
        groups_divide(groups, ("spatial channels", spatial_channels))
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.order, self.mid_activation, self.groups = stride, order, mid_activation, groups
        self.depthwise = nn.Conv2d(spatial_channels, spatial_channels, kernel_size, stride=stride,
                                   padding=dilation * (kernel_size // 2), dilation=dilation,
                                   groups=groups, bias=bias)
        self.mid_act = activation(mid_activation)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.order == "depthwise_first":
            return self.pointwise(self.mid_act(self.depthwise(x)))
        return self.depthwise(self.mid_act(self.pointwise(x)))

    def counts(self, height: int, width: int) -> counting.Counts:
        s = self.stride
        out_hw = ((height - 1) // s + 1, (width - 1) // s + 1)
        return counting.separable(self.in_channels, self.out_channels, self.kernel_size, out_hw,
                                  in_hw=(height, width), order=self.order, groups=self.groups,
                                  bias=self.pointwise.bias is not None)
