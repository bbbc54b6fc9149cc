"""What depthwise separable convolutions save, counted and timed (Sec. 1.2, Table 3; notebook 07).

Closed forms, per image, for a k x k operator from Cin to Cout channels on an H x W output ("same"
padding, stride 1, no bias), with MACs = parameters x H x W for every conv:

    standard    k*k*Cin*Cout                 a regular conv (Sec. 1): space and channels jointly
    grouped     k*k*(Cin/g)*Cout             a conv in g groups ("segments", Sec. 1.2); g | Cin and g | Cout
    extreme     Cin*Cout + k*k*Cout          Fig. 4: a 1x1 conv, then one k x k filter per output channel
    separable   k*k*Cin + Cin*Cout           Sec. 1.2: depthwise (one k x k filter per input channel),
                                             then 1x1

so with Cin = Cout = C a separable conv costs 1/C + 1/k**2 of a regular one (``counting.separable_ratio``).
``measure_variants`` times the same operators with ``counting.alternating_medians``.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn

from .. import counting
from .._validate import common_divisors, groups_divide, odd_kernel, positive_int
from ..counting import Counts, Timing, alternating_medians
from ..devices import cpu_threads
from ..ops import ExtremeInception, SeparableConv2d, StandardConv

VARIANTS = ("standard", "grouped", "extreme", "separable")


PARTS = ("depthwise", "pointwise")
"""The two steps of a separable conv, timed on their own: ``measure_variants(..., variants=PARTS)``."""


VARIANT_NAMES = {
    "depthwise": "  its depthwise step alone",
    "pointwise": "  its pointwise step alone",
    "standard": "regular conv",
    "grouped": "grouped conv (g groups)",
    "extreme": "extreme Inception (Fig. 4)",
    "separable": "depthwise separable",
}


def variant_counts(variant: str, cin: int, cout: int, k: int, groups: int = 1, hw=(1, 1)) -> Counts:
    """Parameters and multiply-adds of one of ``VARIANTS`` (closed form, see the module docstring).

    ``groups`` is used by ``'grouped'`` only; it must divide both Cin and Cout. ``PARTS`` ('depthwise',
    'pointwise') are the two steps of the separable conv on their own.
    """
    if variant == "standard":
        return counting.standard(cin, cout, k, hw)
    if variant == "grouped":
        return counting.conv(cin, cout, k, hw, groups=groups)
    if variant == "extreme":
        return counting.conv(cin, cout, 1, hw) + counting.conv(cout, cout, k, hw, groups=cout)
    if variant == "separable":
        return counting.separable(cin, cout, k, hw)
    if variant == "depthwise":
        return counting.conv(cin, cin, k, hw, groups=cin)
    if variant == "pointwise":
        return counting.conv(cin, cout, 1, hw)
    raise ValueError(f"variant={variant!r} is not one of {VARIANTS + PARTS}")


def all_counts(cin: int, cout: int, k: int, groups: int = 1, hw=(1, 1)) -> OrderedDict[str, Counts]:
    """``variant_counts`` for every variant, in the order of ``VARIANTS``."""
    return OrderedDict((v, variant_counts(v, cin, cout, k, groups, hw)) for v in VARIANTS)


def build_variant(variant: str, cin: int, cout: int, k: int, groups: int = 1) -> nn.Module:
    """The module whose counts ``variant_counts`` gives ("same" padding, no bias, no activation except
    Fig. 4's own: a ReLU after each of its two steps, Sec. 1.2)."""
    odd_kernel(k)  # 'same' padding keeps the map size (and so the closed-form MACs) only for odd k
    if variant == "standard":
        return StandardConv(cin, cout, k)
    if variant == "grouped":
        groups_divide(groups, ("cin", cin), ("cout", cout))
        return nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=False)
    if variant == "extreme":
        return ExtremeInception(cin, cout, k, mid_activation="relu", out_activation="relu")
    if variant == "separable":
        return SeparableConv2d(cin, cout, k)
    if variant == "depthwise":
        return nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False)
    if variant == "pointwise":
        return nn.Conv2d(cin, cout, 1, bias=False)
    raise ValueError(f"variant={variant!r} is not one of {VARIANTS + PARTS}")


def valid_groups(cin: int, cout: int) -> list[int]:
    """Group counts a grouped conv from Cin to Cout accepts: the common divisors of both."""
    return common_divisors(positive_int("cin", cin), positive_int("cout", cout))


@dataclass(frozen=True)
class VariantTiming:
    """One variant at one size: closed-form counts and the measured median forward time."""

    variant: str
    cin: int
    cout: int
    k: int
    groups: int
    size: int
    memory_format: str  # 'NCHW' or 'NHWC' (channels_last)
    params: int
    macs: int  # per image
    ms: float  # median forward time of the batch, milliseconds

    @property
    def gmacs_per_s(self) -> float:
        """Achieved arithmetic rate: how many of the multiply-adds the hardware did per second."""
        return self.macs * self.batch / (self.ms * 1e-3) / 1e9 if self.ms > 0 else float("nan")

    batch: int = 1


def measure_variants(cin: int, cout: int, k: int = 3, groups: int = 1, size: int = 19, batch: int = 1,
                     variants=VARIANTS, channels_last: bool = False, repeats: int = 5, warmup: int = 1,
                     device="cpu", threads: int | None = None, seed: int = 0) -> list[VariantTiming]:
    """Time a forward pass (no gradients) of each variant on a (batch, Cin, size, size) input, alternating
    between the variants, and return the medians next to the closed-form counts.

    ``channels_last`` stores input and weights as NHWC (``torch.channels_last``): the layout in which a
    depthwise conv reads the C values of one pixel contiguously. ``threads`` limits PyTorch's CPU threads
    during the measurement (restored afterwards).
    """
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    torch.manual_seed(seed)
    modules = {v: build_variant(v, cin, cout, k, groups).eval().to(device, memory_format=fmt)
               for v in variants}
    x = torch.randn(batch, cin, size, size, device=device).to(memory_format=fmt)

    def forward(m):
        def run():
            with torch.no_grad():
                return m(x)
        return run

    with cpu_threads(threads):
        medians = alternating_medians({v: forward(m) for v, m in modules.items()}, repeats, warmup, device)
    out = []
    for v in variants:
        c = variant_counts(v, cin, cout, k, groups, (size, size))
        out.append(VariantTiming(v, cin, cout, k, groups, size, "NHWC" if channels_last else "NCHW",
                                 c.params, c.macs, medians[v].median * 1e3, batch))
    return out


def timing_table(rows: list[VariantTiming]) -> str:
    """``measure_variants`` rows as a table to print: counts, time, and the achieved G multiply-adds/s."""
    lines = [f"{'operator':28s} {'Cin':>5s} {'Cout':>5s} {'k':>2s} {'map':>4s} {'layout':6s} "
             f"{'parameters':>11s} {'mult-adds':>10s} {'time':>10s} {'GMAC/s':>7s}"]
    for r in rows:
        lines.append(f"{VARIANT_NAMES[r.variant]:28s} {r.cin:5d} {r.cout:5d} {r.k:2d} {r.size:4d} "
                     f"{r.memory_format:6s} "
                     f"{r.params:11,d} {r.macs * r.batch / 1e6:9.1f}M {r.ms:7.2f} ms {r.gmacs_per_s:7.1f}")
    return "\n".join(lines)


def time_training_steps(models: dict[str, nn.Module], batch: int = 2, image_size: int = 299, repeats: int = 3,
                        warmup: int = 1, channels_last: bool = False, device="cpu", num_classes: int = 1000,
                        seed: int = 0) -> OrderedDict[str, Timing]:
    """Median time of one forward + backward pass (loss = cross-entropy on random labels; no optimizer
    step) of each model on the same random batch, alternating between the models round by round.
    Table 3 of the paper compares training speed the same way: steps per second, same hardware."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 3, image_size, image_size, generator=g).to(device)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = x.to(memory_format=fmt)
    loss_fn = nn.CrossEntropyLoss()

    def step(m):
        m.train().to(device, memory_format=fmt)
        y = torch.randint(0, num_classes, (batch,), generator=g).to(device)

        def run():
            m.zero_grad(set_to_none=True)
            loss_fn(m(x), y).backward()
        return run

    return alternating_medians({name: step(m) for name, m in models.items()}, repeats, warmup, device)
