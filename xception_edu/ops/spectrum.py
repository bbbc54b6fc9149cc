"""The spectrum of Sec. 1.2: a 1x1 conv, then a kxk conv over g channel segments, from g = 1 (a regular
conv) through Fig. 3 (g = towers: the reformulated Inception module) to Fig. 4 (g = C: "extreme"
Inception); ``reformulate`` proves Fig. 2 == Fig. 3, and the connectivity functions show who feeds whom.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from .. import counting
from .._validate import activation, groups_divide, in_out, odd_kernel, positive_int
from .inception import SimplifiedInception, _tower_width


class SpectrumConv(nn.Module):
    """A 1x1 conv then a kxk conv over ``groups`` non-overlapping channel segments (Sec. 1.2).

    The number of segments spans the spectrum the paper describes: ``groups=1`` is a regular conv
    after a 1x1, ``groups=n`` the reformulated Inception module of Fig. 3, ``groups=out_channels``
    the "extreme" Inception of Fig. 4 (one spatial filter per channel). Only divisors of
    ``out_channels`` are valid group counts.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, groups: int = 1,
                 mid_activation: str | None = "relu", out_activation: str | None = "relu",
                 bias: bool = False):
        super().__init__()
        in_out(in_channels, out_channels)
        odd_kernel(kernel_size)
        groups_divide(groups, ("out_channels", out_channels))
        self.in_channels, self.out_channels, self.kernel_size, self.groups = (
            in_channels, out_channels, kernel_size, groups)
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
                 mid_activation: str | None = "relu", out_activation: str | None = "relu",
                 bias: bool = False):
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
                 mid_activation: str | None = "relu", out_activation: str | None = "relu",
                 bias: bool = False):
        positive_int("out_channels", out_channels)
        super().__init__(in_channels, out_channels, kernel_size, groups=out_channels,
                         mid_activation=mid_activation, out_activation=out_activation, bias=bias)


@torch.no_grad()
def reformulate(module: SimplifiedInception) -> ReformulatedInception:
    """Return the Fig. 3 module carrying exactly the weights of ``module`` (a Fig. 2 module)."""
    if not isinstance(module, SimplifiedInception):
        raise TypeError(f"reformulate expects a SimplifiedInception, got {type(module).__name__}")
    first = module.branches[0]
    bias = first[0].bias is not None
    out = ReformulatedInception(module.in_channels, module.out_channels, module.kernel_size, module.towers,
                                mid_activation=module.mid_activation, out_activation=module.out_activation,
                                bias=bias)
    out = out.to(device=first[0].weight.device, dtype=first[0].weight.dtype)
    # Tower i's filters become output channels [i*w, (i+1)*w) of both stages, in tower order,
    # matching the order of torch.cat in SimplifiedInception.forward.
    out.pointwise.weight.copy_(torch.cat([b[0].weight for b in module.branches]))
    out.spatial.weight.copy_(torch.cat([b[2].weight for b in module.branches]))
    if bias:
        out.pointwise.bias.copy_(torch.cat([b[0].bias for b in module.branches]))
        out.spatial.bias.copy_(torch.cat([b[2].bias for b in module.branches]))
    return out.train(module.training)



# --- which channels feed which (Figs 3-4) ----------------------------------------------------------------

def connectivity_matrix(channels: int, groups: int, in_channels: int | None = None) -> np.ndarray:
    """Closed form: output channel o of a conv with ``groups`` groups reads input channel i exactly
    when both fall in the same segment. ``groups=1``: all ones (a regular conv); ``groups=n``: n
    blocks on the diagonal (Fig. 3); ``groups=channels``: the identity (Fig. 4, depthwise)."""
    cin = channels if in_channels is None else in_channels
    groups_divide(groups, ("in_channels", cin), ("channels", channels))
    return np.kron(np.eye(groups, dtype=bool), np.ones((channels // groups, cin // groups), dtype=bool))


@torch.no_grad()
def measured_connectivity(conv: nn.Conv2d) -> np.ndarray:
    """Measured, not assumed: feed one impulse per input channel (a batch of Cin images) and record
    which output channels respond. Returns a ``(Cout, Cin)`` boolean matrix."""
    cin, k = conv.in_channels, conv.kernel_size[0]
    p = next(conv.parameters())
    x = torch.zeros(cin, cin, 2 * k + 1, 2 * k + 1, device=p.device, dtype=p.dtype)
    x[torch.arange(cin), torch.arange(cin), k, k] = 1.0
    response = conv(x) - conv(torch.zeros_like(x[:1]))  # remove the bias, if any
    return (response.abs().sum(dim=(2, 3)) > 0).T.cpu().numpy()


def dense_weight(conv: nn.Conv2d) -> torch.Tensor:
    """The ``(Cout, Cin, k, k)`` weight a grouped conv acts as: its ``(Cout, Cin/g, k, k)`` weight put in
    its diagonal blocks, zeros elsewhere. For ``groups=1`` this is the weight itself."""
    w = conv.weight.detach()
    g, cout, cin_g = conv.groups, w.shape[0], w.shape[1]
    dense = torch.zeros(cout, cin_g * g, *w.shape[2:], dtype=w.dtype, device=w.device)
    step = cout // g
    for i in range(g):
        dense[i * step:(i + 1) * step, i * cin_g:(i + 1) * cin_g] = w[i * step:(i + 1) * step]
    return dense
