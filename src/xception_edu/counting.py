"""Exact parameter and multiply-add counts: closed-form, measured on a module, and timed.

The closed forms are the ones a learner writes on paper (Sec. 1.2 of the paper):
a k x k convolution from Cin to Cout channels in g groups has k*k*(Cin/g)*Cout weights, and
spends that many multiply-adds at every output pixel. Everything else is sums of that.

Convention for multiply-adds (MACs): every weight of a conv or linear layer is used once per
output position; a bias adds one per output value. Batch norm, activations and pooling are not
counted (torchinfo counts BN's affine parameters once per image; see ``torchinfo_counts``).
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
import torch.nn as nn

from ._checks import groups_divide, positive_int


@dataclass(frozen=True)
class Counts:
    """Parameters and multiply-adds of one operator at one input size (per image)."""

    params: int
    macs: int

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.params + other.params, self.macs + other.macs)


ZERO = Counts(0, 0)


def conv(cin: int, cout: int, k: int, out_hw: tuple[int, int], groups: int = 1, bias: bool = False) -> Counts:
    """One k x k convolution: k*k*(Cin/g)*Cout weights (+Cout biases), each used at every output pixel."""
    for name, v in (("cin", cin), ("cout", cout), ("k", k)):
        positive_int(name, v)
    groups_divide(groups, ("in_channels", cin), ("out_channels", cout))
    h, w = out_hw
    weights = k * k * (cin // groups) * cout
    params = weights + (cout if bias else 0)
    return Counts(params, params * h * w)


def linear(cin: int, cout: int, bias: bool = True) -> Counts:
    params = cin * cout + (cout if bias else 0)
    return Counts(params, params)


def batchnorm(channels: int) -> Counts:
    """BN's learnable scale and shift (its running statistics are buffers, not parameters)."""
    return Counts(2 * channels, 0)


def standard(cin: int, cout: int, k: int, out_hw, bias: bool = False) -> Counts:
    """A regular convolution maps cross-channel and spatial correlations jointly: k*k*Cin*Cout."""
    return conv(cin, cout, k, out_hw, bias=bias)


def spectrum(cin: int, cout: int, k: int, groups: int, hw, bias: bool = False) -> Counts:
    """1x1 conv (Cin*Cout) then k x k conv in g groups (k*k*Cout*Cout/g): Sec. 1.2's spectrum.

    g=1 is a regular conv after a 1x1, g=n is the reformulated Inception module of Fig. 3,
    g=Cout is the "extreme" Inception of Fig. 4.
    """
    return conv(cin, cout, 1, hw, bias=bias) + conv(cout, cout, k, hw, groups=groups, bias=bias)


def separable(cin: int, cout: int, k: int, out_hw, in_hw=None, order: str = "depthwise_first",
              groups: int | None = None, bias: bool = False) -> Counts:
    """Depthwise separable conv: k*k*C (one k x k filter per channel) plus Cin*Cout (pointwise).

    ``order='depthwise_first'`` (the usual one, Sec. 1.2) filters the Cin input channels;
    ``'pointwise_first'`` (Fig. 4's order) filters the Cout channels after the 1x1.
    ``groups`` replaces the depthwise stage with a g-group conv (None: depthwise).
    With stride 1 ``in_hw`` equals ``out_hw``.
    """
    in_hw = out_hw if in_hw is None else in_hw
    if order == "depthwise_first":
        g = cin if groups is None else groups
        return conv(cin, cin, k, out_hw, groups=g, bias=bias) + conv(cin, cout, 1, out_hw, bias=bias)
    if order == "pointwise_first":
        g = cout if groups is None else groups
        return conv(cin, cout, 1, in_hw, bias=bias) + conv(cout, cout, k, out_hw, groups=g, bias=bias)
    raise ValueError(f"order={order!r} is not 'depthwise_first' or 'pointwise_first'")


def separable_ratio(cout: int, k: int) -> float:
    """Cost of a depthwise separable conv relative to a regular one with Cin=Cout: 1/Cout + 1/k**2."""
    return 1 / cout + 1 / k**2


def inception_v3(cin: int, widths, reduce, k: int, hw) -> Counts:
    """Fig. 1: 1x1 | 1x1 -> kxk | 1x1 -> kxk -> kxk | pool -> 1x1, every conv followed by BN."""
    c1, c2, c3, c4 = widths
    r2, r3 = reduce
    convs = [
        conv(cin, c1, 1, hw),
        conv(cin, r2, 1, hw), conv(r2, c2, k, hw),
        conv(cin, r3, 1, hw), conv(r3, c3, k, hw), conv(c3, c3, k, hw),
        conv(cin, c4, 1, hw),
    ]
    bns = [batchnorm(c) for c in (c1, r2, c2, r3, c3, c3, c4)]
    return sum(convs + bns, ZERO)


# --- measured on a module ------------------------------------------------------------------

def count_params(module: nn.Module) -> int:
    """Trainable parameters as PyTorch sees them: ``sum(p.numel())``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def measure(module: nn.Module, input_size) -> Counts:
    """Parameters and MACs measured by running ``module`` once on zeros of ``input_size`` (N, C, H, W).

    MACs are read off every Conv2d and Linear actually called (output size x weights per output),
    per image; so they follow the forward pass, not the formulas.
    """
    macs = 0

    def hook(m, inputs, out):
        nonlocal macs
        per_output = m.weight[0].numel()  # (Cin/g)*k*k for a conv, Cin for a linear
        bias = 1 if m.bias is not None else 0
        macs += (per_output + bias) * out[0].numel()  # out[0]: one image of the batch

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        was_training = module.training
        module.eval()
        param = next(module.parameters(), None)
        device = param.device if param is not None else "cpu"
        with torch.no_grad():
            module(torch.zeros(input_size, device=device))
        module.train(was_training)
    finally:
        for h in handles:
            h.remove()
    return Counts(count_params(module), macs)


def torchinfo_counts(module: nn.Module, input_size) -> Counts:
    """What torchinfo reports (per image). Note: torchinfo also adds 2*C 'mult-adds' per BN layer."""
    from torchinfo import summary

    s = summary(module, input_size=input_size, verbose=0, device="cpu")
    return Counts(s.trainable_params, s.total_mult_adds // input_size[0])


# --- timed ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Timing:
    """Median and spread of repeated forward passes, in seconds."""

    median: float
    times: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return self.median * 1e3


def _sync(device) -> None:
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def time_forward(module: nn.Module, x: torch.Tensor, repeats: int = 10, warmup: int = 2) -> Timing:
    """Median wall time of ``module(x)`` without gradients, after warm-up, synchronised on GPU.

    The median (not the mean) so that one hiccup of a shared laptop does not move the figure.
    """
    positive_int("repeats", repeats)
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            _sync(x.device)
            t0 = time.perf_counter()
            module(x)
            _sync(x.device)
            if i >= warmup:
                times.append(time.perf_counter() - t0)
    return Timing(statistics.median(times), tuple(times))
