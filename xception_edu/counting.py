"""Exact parameter and multiply-add counts: in closed form, traced on a module, and timed.

The closed forms are the ones a learner writes by hand (the paper states none; they count the operators
of its Sec. 1.2 and the sizes of its Table 3): a k x k convolution
from Cin to Cout channels in g groups has k*k*(Cin/g)*Cout weights, and spends that many multiply-adds
at every output pixel. Everything else is sums of that.

Convention for multiply-adds (MACs): every weight of a conv or linear layer is used once per output
position; a bias adds one per output value. Batch norm, activations and pooling are not counted
(torchinfo counts BN's affine parameters once per image; see ``torchinfo_counts``).

``trace`` is the one forward-hook counter every table of the suite reads (``measure``, the flows of
Fig. 5, where the parameters go); ``alternating_medians`` is the one timer.
"""
from __future__ import annotations

import copy
import numbers
import statistics
import time
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn

from ._validate import groups_divide, non_negative_int, positive_int, size_pair
from .devices import sync


@dataclass(frozen=True)
class Counts:
    """Parameters and multiply-adds of one operator at one input size (per image)."""

    params: int
    macs: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.params + other.params, self.macs + other.macs)


ZERO = Counts(0, 0)


def conv(cin: int, cout: int, k: int, out_hw: tuple[int, int], groups: int = 1, bias: bool = False) -> Counts:
    """One k x k convolution: k*k*(Cin/g)*Cout weights (+Cout biases), each used at every output pixel."""
    for name, v in (("cin", cin), ("cout", cout), ("k", k)):
        positive_int(name, v)
    groups_divide(groups, ("in_channels", cin), ("out_channels", cout))
    h, w = size_pair("out_hw", out_hw)
    weights = k * k * (cin // groups) * cout
    params = weights + (cout if bias else 0)
    return Counts(params, params * h * w)


def linear(cin: int, cout: int, bias: bool = True) -> Counts:
    positive_int("cin", cin)
    positive_int("cout", cout)
    params = cin * cout + (cout if bias else 0)
    return Counts(params, params)


def batchnorm(channels: int) -> Counts:
    """BN's learnable scale and shift (its running statistics are buffers, not parameters)."""
    positive_int("channels", channels)
    return Counts(2 * channels, 0)


def standard(cin: int, cout: int, k: int, out_hw, bias: bool = False) -> Counts:
    """A regular convolution maps cross-channel and spatial correlations jointly: k*k*Cin*Cout."""
    return conv(cin, cout, k, out_hw, bias=bias)


def spectrum(cin: int, cout: int, k: int, groups: int, hw, bias: bool = False) -> Counts:
    """1x1 conv (Cin*Cout) then k x k conv in g groups (k*k*Cout*Cout/g): Sec. 1.2's spectrum.

    g=1 is a regular conv after a 1x1, g=n is the reformulated Inception module of Fig. 3,
    g=Cout is the "extreme" Inception of Fig. 4.
    """
    size_pair("hw", hw)  # checked here too, so the error names this function's argument
    return conv(cin, cout, 1, hw, bias=bias) + conv(cout, cout, k, hw, groups=groups, bias=bias)


def separable(cin: int, cout: int, k: int, out_hw, in_hw=None, order: str = "depthwise_first",
              groups: int | None = None, bias: bool = False) -> Counts:
    """Depthwise separable conv: k*k*C (one k x k filter per channel) plus Cin*Cout (pointwise).

    ``order='depthwise_first'`` (the usual one, Sec. 1.2) filters the Cin input channels;
    ``'pointwise_first'`` (Fig. 4's order) filters the Cout channels after the 1x1.
    ``groups`` replaces the depthwise stage with a g-group conv (None: depthwise).
    With stride 1 ``in_hw`` equals ``out_hw``.
    """
    size_pair("out_hw", out_hw)
    in_hw = out_hw if in_hw is None else size_pair("in_hw", in_hw)
    if order == "depthwise_first":
        g = cin if groups is None else groups
        return conv(cin, cin, k, out_hw, groups=g, bias=bias) + conv(cin, cout, 1, out_hw, bias=bias)
    if order == "pointwise_first":
        g = cout if groups is None else groups
        return conv(cin, cout, 1, in_hw, bias=bias) + conv(cout, cout, k, out_hw, groups=g, bias=bias)
    raise ValueError(f"order={order!r} is not 'depthwise_first' or 'pointwise_first'")


def separable_ratio(cout: int, k: int) -> float:
    """Cost of a depthwise separable conv relative to a regular one with Cin=Cout: 1/Cout + 1/k**2."""
    positive_int("cout", cout)
    positive_int("k", k)
    return 1 / cout + 1 / k**2


def inception_v3(cin: int, widths, reduce, k: int, hw) -> Counts:
    """Fig. 1: 1x1 | 1x1 -> kxk | 1x1 -> kxk -> kxk | pool -> 1x1, every conv followed by BN."""
    size_pair("hw", hw)
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


# --- traced on a module: one forward pass with hooks ------------------------------------------------------

def count_params(module: nn.Module) -> int:
    """Trainable parameters as PyTorch sees them: ``sum(p.numel())``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@dataclass
class Traced:
    """What one submodule saw in a forward pass: input and output shape of ONE image (its last call)
    and its multiply-adds per image over all its calls (conv and linear layers only; 0 otherwise)."""

    name: str
    module: nn.Module  # the module of the model that was traced (not the copy that ran)
    input: tuple[int, ...]
    output: tuple[int, ...]
    macs: int = 0


def _macs(m: nn.Module, out: torch.Tensor) -> int:
    # weight[0] is one output's (Cin/g)*k*k weights for a conv, Cin for a linear; out[0] is one image.
    bias = 1 if m.bias is not None else 0
    return (m.weight[0].numel() + bias) * out[0].numel()


def trace(module: nn.Module, input_size) -> OrderedDict[str, Traced]:
    """Run a copy of ``module`` once, in eval mode, on PyTorch's 'meta' device (shapes propagate, nothing
    is computed, no memory is used: a 299 px Xception answers in a fraction of a second) and record every
    submodule it calls, keyed and ordered by its name in ``module.named_modules()``.

    ``input_size``: (N, C, H, W); counts are per image. The model itself is not touched. A size without
    the batch dimension (torchsummary's (C, H, W)) is refused: Conv2d would take it as one unbatched image
    and the per-image counts would lose a factor of the channel count.
    """
    if isinstance(input_size, torch.Size):
        input_size = tuple(input_size)
    if not isinstance(input_size, (tuple, list)) or not input_size:
        raise ValueError(f"input_size must be a tuple like (N, C, H, W), got {input_size!r}")
    # numpy's integers too (a size computed with numpy), but not True, nor 9.0
    input_size = tuple(int(n) if isinstance(n, numbers.Integral) and not isinstance(n, bool) else n
                       for n in input_size)
    for i, n in enumerate(input_size):
        positive_int(f"input_size[{i}]", n)
    ghost = copy.deepcopy(module).to("meta").eval()
    originals = dict(module.named_modules())
    seen: OrderedDict[str, Traced] = OrderedDict()

    def hook(name):
        def record(m, inputs, out):
            first = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
            if isinstance(m, nn.Conv2d) and first is not None and first.dim() == 3:
                raise ValueError(f"input_size {tuple(input_size)} reaches {name or 'the model'} "
                                 "(a Conv2d) as one unbatched (C, H, W) image; give (N, C, H, W), "
                                 f"e.g. (1, *{tuple(input_size)}) for torchsummary's (C, H, W)")
            row = seen.get(name) or Traced(name, originals[name], (), ())
            row.input = tuple(first.shape[1:]) if first is not None else ()
            row.output = tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else ()
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                row.macs += _macs(m, out)
            seen[name] = row
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in ghost.named_modules()]
    try:
        with torch.no_grad():
            ghost(torch.zeros(tuple(input_size), device="meta"))
    finally:
        for h in handles:
            h.remove()
    # Hooks fire as modules return (children before parents): give the rows the model's own order.
    order = {n: i for i, n in enumerate(originals)}
    return OrderedDict(sorted(seen.items(), key=lambda kv: order[kv[0]]))


def macs_of(rows) -> int:
    """Multiply-adds per image of traced rows (leaf layers only, so nothing is counted twice)."""
    return sum(r.macs for r in rows)


def measure(module: nn.Module, input_size) -> Counts:
    """Parameters and MACs of ``module`` on an input of ``input_size`` (N, C, H, W), per image, read off
    every Conv2d and Linear the forward pass actually calls (``trace``): they follow the forward pass,
    not the formulas."""
    return Counts(count_params(module), macs_of(trace(module, input_size).values()))


def torchinfo_counts(module: nn.Module, input_size) -> Counts:
    """What torchinfo reports (per image). Note: torchinfo also adds 2*C 'mult-adds' per BN layer."""
    from torchinfo import summary

    s = summary(module, input_size=input_size, verbose=0, device="cpu")
    return Counts(s.trainable_params, s.total_mult_adds // input_size[0])


# --- timed --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Timing:
    """Median and spread of repeated calls, in seconds."""

    median: float
    times: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return self.median * 1e3


def alternating_medians(fns: dict, repeats: int = 5, warmup: int = 1,
                        device="cpu") -> OrderedDict[str, Timing]:
    """Call every function ``warmup`` times, then ``repeats`` rounds of one call each, in turn, with the
    device synchronised around each call; return each function's median time.

    Alternating (instead of all runs of A, then all of B) makes a slowdown of a shared machine hit every
    contender alike; the median (not the mean) ignores a single hiccup of a busy laptop.
    """
    positive_int("repeats", repeats)
    non_negative_int("warmup", warmup)
    if not fns:
        raise ValueError("fns is empty: give {name: function} for each thing to time")
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            sync(device)
            t0 = time.perf_counter()
            fn()
            sync(device)
            times[name].append(time.perf_counter() - t0)
    return OrderedDict((n, Timing(statistics.median(t), tuple(t))) for n, t in times.items())
