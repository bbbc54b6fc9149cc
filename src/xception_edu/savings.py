"""What depthwise separable convolutions save, counted and timed (Sec. 1.2, Sec. 3, Fig. 5, Table 3).

Notebook 07 (the savings of one operator) and notebook 08 (the whole network) use this module.

Closed forms, per image, for a k x k operator from Cin to Cout channels on an H x W output ("same"
padding, stride 1, no bias), with MACs = parameters x H x W for every conv:

    standard    k*k*Cin*Cout                 a regular conv (Sec. 1): space and channels jointly
    grouped     k*k*(Cin/g)*Cout             a conv in g groups ("segments", Sec. 1.2); g | Cin and g | Cout
    extreme     Cin*Cout + k*k*Cout          Fig. 4: a 1x1 conv, then one k x k filter per output channel
    separable   k*k*Cin + Cin*Cout           Sec. 1.2: depthwise (one k x k filter per input channel), then 1x1

so with Cin = Cout = C a separable conv costs 1/C + 1/k**2 of a regular one (``counting.separable_ratio``).

``measure_variants`` times the same operators. Times are medians of rounds that ALTERNATE between the
variants, so a shared machine that slows down hurts every variant alike.
"""
from __future__ import annotations

import statistics
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn as nn

from . import counting
from ._checks import divisors, groups_divide, odd_kernel, positive_int
from .counting import Counts, Timing
from .devices import cpu_threads

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


# --- closed forms ---------------------------------------------------------------------------------

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
    Fig. 4's ReLU between its two steps)."""
    from .convs import ExtremeInception, SeparableConv2d, StandardConv

    odd_kernel(k)  # 'same' padding keeps the map size (and so the closed-form MACs) only for odd k
    if variant == "standard":
        return StandardConv(cin, cout, k)
    if variant == "grouped":
        groups_divide(groups, ("cin", cin), ("cout", cout))
        return nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=False)
    if variant == "extreme":
        return ExtremeInception(cin, cout, k, mid_activation="relu", out_activation=None)
    if variant == "separable":
        return SeparableConv2d(cin, cout, k)
    if variant == "depthwise":
        return nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False)
    if variant == "pointwise":
        return nn.Conv2d(cin, cout, 1, bias=False)
    raise ValueError(f"variant={variant!r} is not one of {VARIANTS + PARTS}")


def valid_groups(cin: int, cout: int) -> list[int]:
    """Group counts a grouped conv from Cin to Cout accepts: the common divisors of both."""
    return sorted(set(divisors(positive_int("cin", cin))) & set(divisors(positive_int("cout", cout))))


# --- timing -----------------------------------------------------------------------------------------

def alternating_medians(fns: dict[str, Callable[[], object]], repeats: int = 5, warmup: int = 1,
                        device="cpu") -> OrderedDict[str, Timing]:
    """Call every function ``warmup`` times, then ``repeats`` rounds of one call each, in turn; return each
    function's median. Alternating (instead of all runs of A, then all of B) makes a slowdown of a shared
    machine hit every contender alike; the median ignores a single hiccup."""
    positive_int("repeats", repeats)
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            counting._sync(device)
            t0 = time.perf_counter()
            fn()
            counting._sync(device)
            times[name].append(time.perf_counter() - t0)
    return OrderedDict((n, Timing(statistics.median(t), tuple(t))) for n, t in times.items())


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
    modules = {v: build_variant(v, cin, cout, k, groups).eval().to(device, memory_format=fmt) for v in variants}
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
        lines.append(f"{VARIANT_NAMES[r.variant]:28s} {r.cin:5d} {r.cout:5d} {r.k:2d} {r.size:4d} {r.memory_format:6s} "
                     f"{r.params:11,d} {r.macs * r.batch / 1e6:9.1f}M {r.ms:7.2f} ms {r.gmacs_per_s:7.1f}")
    return "\n".join(lines)


# --- Xception: separable convs vs regular convs in their place (Sec. 3, Fig. 5) ---------------------

@dataclass(frozen=True)
class SeparableLayer:
    """One ``SeparableConv2d`` of a network, with what a regular conv in its place would cost."""

    name: str
    cin: int
    cout: int
    k: int
    out_hw: tuple[int, int]
    separable: Counts  # k*k*Cin + Cin*Cout weights
    regular: Counts  # k*k*Cin*Cout weights


def _hw(image_size) -> tuple[int, int]:
    return (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)


def _io_shapes(model: nn.Module, hw, types) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """(input shape, output shape) of one image at every submodule of ``types``, from one forward pass of a
    copy of ``model`` on PyTorch's 'meta' device: shapes propagate but nothing is computed, so a 299 px
    Xception answers in a fraction of a second even on a busy laptop. (A module called twice keeps its last call.)"""
    import copy

    ghost = copy.deepcopy(model).to("meta").eval()
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    handles = [m.register_forward_hook(lambda mod, i, o, n=n: shapes.__setitem__(n, (tuple(i[0].shape[1:]),
                                                                                    tuple(o.shape[1:]))))
               for n, m in ghost.named_modules() if isinstance(m, types)]
    try:
        with torch.no_grad():
            ghost(torch.zeros(1, getattr(model, "in_channels", 3), *hw, device="meta"))
    finally:
        for h in handles:
            h.remove()
    return shapes


def separable_layers(model: nn.Module, image_size=299) -> list[SeparableLayer]:
    """Every ``SeparableConv2d`` of ``model`` with its counts as it is and as a regular k x k conv from Cin
    to Cout (same stride) would have them, at the map sizes of one forward pass (no huge model is built)."""
    from .convs import SeparableConv2d

    return _separable_rows(model, _io_shapes(model, _hw(image_size), SeparableConv2d))


def _separable_rows(model: nn.Module, shapes) -> list[SeparableLayer]:
    from .convs import SeparableConv2d

    rows = []
    for n, m in model.named_modules():
        if isinstance(m, SeparableConv2d):
            (_, *in_hw), (_, *out) = shapes[n]
            rows.append(SeparableLayer(n, m.in_channels, m.out_channels, m.kernel_size, tuple(out), m.counts(*in_hw),
                                       counting.standard(m.in_channels, m.out_channels, m.kernel_size, out)))
    return rows


def regular_equivalent(model: nn.Module, image_size=299) -> dict[str, Counts]:
    """The whole model (``actual``) against a hypothetical one with a regular conv in place of every
    separable conv (``regular``): everything else (stem, shortcuts, BN, classifier) is unchanged.

    Returns ``{'actual', 'regular', 'separable_layers', 'regular_layers'}``; MACs per image, counted as
    ``counting.measure`` does (every conv and linear weight once per output position, plus biases).
    """
    import math

    from .convs import SeparableConv2d

    shapes = _io_shapes(model, _hw(image_size), (nn.Conv2d, nn.Linear, SeparableConv2d))
    layers = _separable_rows(model, shapes)
    macs = sum((m.weight[0].numel() + (m.bias is not None)) * math.prod(shapes[n][1])
               for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear)) and n in shapes)
    actual = Counts(counting.count_params(model), macs)
    sep = sum((r.separable for r in layers), counting.ZERO)
    reg = sum((r.regular for r in layers), counting.ZERO)
    return {"actual": actual, "regular": Counts(actual.params - sep.params + reg.params, actual.macs - sep.macs + reg.macs),
            "separable_layers": sep, "regular_layers": reg}


# --- where Xception's parameters go (Fig. 5) -------------------------------------------------------------

KINDS = ("depthwise", "pointwise", "regular convs", "batch norm", "classifier")


def _kind(model: nn.Module, name: str, module: nn.Module) -> str | None:
    if isinstance(module, nn.Linear):
        return "classifier"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return "batch norm"
    if isinstance(module, nn.Conv2d):
        parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
        from .convs import SeparableConv2d

        if isinstance(parent, SeparableConv2d):
            return "depthwise" if module is parent.depthwise else "pointwise"
        return "regular convs"
    return None


def breakdown(model: nn.Module, image_size=299) -> OrderedDict[str, Counts]:
    """Parameters and multiply-adds per image of ``model`` by kind of layer: the separable convs' depthwise
    and pointwise steps, the regular convs (Xception: the two stem convs and the 1x1 shortcut convs),
    batch norm (scale and shift; no multiply-adds counted) and the classifier. The kinds sum to the total."""
    hw = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    kinds = {}
    for name, m in model.named_modules():
        kind = _kind(model, name, m)
        if kind is not None:
            kinds[m] = kind
    totals = OrderedDict((k, [0, 0]) for k in KINDS)
    handles = []
    for m, kind in kinds.items():
        totals[kind][0] += sum(p.numel() for p in m.parameters(recurse=False) if p.requires_grad)
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            def hook(mod, i, out, kind=kind):
                bias = 1 if mod.bias is not None else 0
                totals[kind][1] += (mod.weight[0].numel() + bias) * out[0].numel()
            handles.append(m.register_forward_hook(hook))
    was_training = model.training
    try:
        model.eval()
        p = next(model.parameters())
        with torch.no_grad():
            model(torch.zeros(1, getattr(model, "in_channels", 3), *hw, device=p.device, dtype=p.dtype))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return OrderedDict((k, Counts(*v)) for k, v in totals.items())


# --- closed-form Xception, for the architecture widget (Fig. 5) ---------------------------------------------

def _tf_same_pool(n: int) -> int:
    return -(-n // 2)


def xception_counts(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299,
                    num_classes: int = 1000) -> OrderedDict[str, Counts]:
    """Parameters and multiply-adds per image of ``Xception(middle_repeats=..., width=...)``, per flow
    (stem, entry, middle, exit, classifier, total), in closed form: no model is built, so it answers in
    microseconds. Layer by layer as in Fig. 5 (tests compare it with ``summary.flow_counts``).
    """
    from .xception import MIN_SIZE, PAPER_WIDTHS, make_divisible

    if image_size < MIN_SIZE:
        raise ValueError(f"image_size={image_size} is below Xception's minimum of {MIN_SIZE} px")
    c32, c64, c128, c256, c728, c1024, c1536, c2048 = (make_divisible(c * width) for c in PAPER_WIDTHS)
    conv, sep, bn = counting.conv, counting.separable, counting.batchnorm

    def sq(n):
        return (n, n)

    n1 = (image_size - 3) // 2 + 1
    n2 = n1 - 2
    stem = conv(3, c32, 3, sq(n1)) + bn(c32) + conv(c32, c64, 3, sq(n2)) + bn(c64)

    def block(cin, widths, n, pool=True):
        total, c = counting.ZERO, cin
        for w in widths:
            total += sep(c, w, 3, sq(n)) + bn(w)
            c = w
        m = _tf_same_pool(n) if pool else n
        if pool or c != cin:
            total += conv(cin, c, 1, sq(m)) + bn(c)
        return total, m

    entry, n = counting.ZERO, n2
    for cin, w in ((c64, c128), (c128, c256), (c256, c728)):
        b, n = block(cin, (w, w), n)
        entry += b
    mid, _ = block(c728, (c728,) * 3, n, pool=False)
    middle = Counts(mid.params * middle_repeats, mid.macs * middle_repeats)
    b13, n = block(c728, (c728, c1024), n)
    exit_ = b13 + sep(c1024, c1536, 3, sq(n)) + bn(c1536) + sep(c1536, c2048, 3, sq(n)) + bn(c2048)
    classifier = counting.linear(c2048, num_classes)
    parts = OrderedDict(stem=stem, entry=entry, middle=middle, exit=exit_, classifier=classifier)
    parts["total"] = sum(parts.values(), counting.ZERO)
    return parts


# --- Xception vs Inception V3: training steps, timed (Table 3) --------------------------------------------

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
