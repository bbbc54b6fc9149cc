"""Depthwise separable convolution (Sec. 1.2), as Xception uses it (Fig. 5), and the regrouping that shows
the order of its two steps matters only at the ends of a stack."""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn

from .. import counting
from .._validate import activation, groups_divide, in_out, odd_kernel, positive_int


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
        in_out(in_channels, out_channels)
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


# --- Sec. 1.2, the first difference between Fig. 4 and a separable conv: the order ------------------------

def pointwise_first_stack(channels: int, blocks: int, kernel_size: int = 3,
                          activation: str = "relu") -> torch.nn.Sequential:
    """``blocks`` extreme-Inception blocks in a row (Fig. 4's order): each is 1x1 conv -> ReLU ->
    depthwise kxk (``SeparableConv2d(order='pointwise_first', mid_activation='relu')``), i.e. Fig. 4
    WITHOUT its ReLU after the depthwise step (``ExtremeInception`` keeps both, as in Inception)."""
    return torch.nn.Sequential(*(SeparableConv2d(channels, channels, kernel_size, order="pointwise_first",
                                                 mid_activation=activation) for _ in range(blocks)))


@torch.no_grad()
def regroup_stack(stack: torch.nn.Sequential) -> torch.nn.Sequential:
    """The same function as a stack of pointwise-first blocks, regrouped into depthwise-first
    (separable) blocks: the order of the two steps matters only at the ends of a stack.

    The stack computes ``PW1 σ DW1 · PW2 σ DW2 · ... · PWn σ DWn``. Cut it differently:
    ``[PW1 σ] · [DW1 PW2] σ · [DW2 PW3] σ · ... · [DWn]`` — a leading 1x1 conv (and its ReLU), n-1 usual
    depthwise separable convs each followed by a ReLU, and a trailing depthwise conv. Weights are carried
    over, so both compute the same outputs. This holds because the blocks have no ReLU after their
    depthwise step; with Inception's ReLU there too, the cut puts a ReLU between each separable conv's
    depthwise and pointwise steps (Sec. 1.2's second difference).
    """
    blocks = list(stack)
    if not blocks or not all(isinstance(b, SeparableConv2d) and b.order == "pointwise_first" for b in blocks):
        raise TypeError("regroup_stack expects a Sequential of "
                        "SeparableConv2d(order='pointwise_first') blocks")
    first, last = blocks[0], blocks[-1]
    layers: dict[str, torch.nn.Module] = {}
    lead = torch.nn.Conv2d(first.in_channels, first.out_channels, 1, bias=False)
    lead.weight.copy_(first.pointwise.weight)
    layers["lead_pointwise"], layers["lead_act"] = lead, activation(first.mid_activation)
    for i, (a, b) in enumerate(zip(blocks[:-1], blocks[1:]), 1):
        sep = SeparableConv2d(a.out_channels, b.out_channels, a.kernel_size, order="depthwise_first")
        sep.depthwise.weight.copy_(a.depthwise.weight)
        sep.pointwise.weight.copy_(b.pointwise.weight)
        layers[f"separable{i}"], layers[f"act{i}"] = sep, activation(b.mid_activation)
    tail = torch.nn.Conv2d(last.out_channels, last.out_channels, last.kernel_size,
                           padding=last.kernel_size // 2, groups=last.out_channels, bias=False)
    tail.weight.copy_(last.depthwise.weight)
    layers["trailing_depthwise"] = tail
    return torch.nn.Sequential(OrderedDict(layers)).to(first.pointwise.weight.device)
