"""Notebook 07's matplotlib figures of what separable convs save (Sec. 1.2): parameters against width, the
ratio 1/Cout + 1/k**2 and the spectrum in g, counted; and measured time against multiply-adds, where the
separable conv falls short of its arithmetic (Sec. 4.5.2, Table 3). Each ``*_figure`` has a ``Described``
twin whose text alternative and data are computed from the same numbers."""

from __future__ import annotations

import statistics

from .. import counting
from ..experiments import timing as savings
from .figures import LINESTYLES, PALETTE, Described, described, series_style

VARIANT_COLORS = {"standard": PALETTE[6], "grouped": PALETTE[5], "extreme": PALETTE[1],
                  "separable": PALETTE[0], "depthwise": PALETTE[4], "pointwise": PALETTE[2]}
VARIANT_MARKERS = {"standard": "o", "grouped": "^", "extreme": "D", "separable": "s", "depthwise": "v",
                   "pointwise": "P"}
"""Each operator's colour (Okabe-Ito) and marker: never told apart by colour alone."""


def _legend_below(ax, ncol: int = 1) -> None:
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=ncol, frameon=False)


def savings_curves_figure(channels=(8, 16, 32, 64, 128, 256, 512, 728, 1024, 2048), kernels=(1, 3, 5, 7),
                          spectrum_channels: int = 256):
    """Sec. 1.2's savings in three panels: parameters vs channel width (Cin = Cout = C, k = 3) for the four
    operators; the separable/regular ratio 1/C + 1/k**2 vs C for several k, with its floor 1/k**2; and the
    spectrum in g (a conv in g groups, C = ``spectrum_channels``), from regular (g = 1) to depthwise
    (g = C)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), dpi=80)
    ax = axes[0]
    for v in ("standard", "separable", "extreme"):
        # With Cin = Cout the extreme Inception and separable counts are equal: draw Fig. 4 dashed, with
        # open markers, on top of the separable line, and say so in its label.
        extreme = v == "extreme"
        ax.plot(channels, [savings.variant_counts(v, c, c, 3).params for c in channels],
                "--" if extreme else "-", marker=VARIANT_MARKERS[v], ms=7 if extreme else 4,
                mfc="none" if extreme else None, color=VARIANT_COLORS[v],
                label=savings.VARIANT_NAMES[v] + (" (= separable here: Cin = Cout)" if extreme else ""))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("channels C (= Cin = Cout)")
    ax.set_ylabel("parameters")
    _legend_below(ax)
    ax.set_title("3x3 operators: parameters vs width", fontsize=10)
    ax = axes[1]
    for i, k in enumerate(kernels):
        style = series_style(i)
        ax.plot(channels, [counting.separable_ratio(c, k) for c in channels], ms=4, label=f"k = {k}", **style)
        # the floor 1/k²: the same colour, a thin line of a pattern no other floor has
        ax.axhline(1 / k**2, color=style["color"], ls=LINESTYLES[(i + 1) % len(LINESTYLES)], lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("output channels Cout")
    ax.set_ylabel("separable / regular")
    ax.set_title("the ratio 1/Cout + 1/k² (thin lines: 1/k²)", fontsize=10)
    _legend_below(ax, ncol=len(kernels))
    ax = axes[2]
    gs = savings.valid_groups(spectrum_channels, spectrum_channels)
    ax.plot(gs, [savings.variant_counts("grouped", spectrum_channels, spectrum_channels, 3, g).params
                 for g in gs],
            "-", marker=VARIANT_MARKERS["grouped"], color=VARIANT_COLORS["grouped"],
            label="3x3 conv in g groups")
    sep = savings.variant_counts("separable", spectrum_channels, spectrum_channels, 3).params
    ax.axhline(sep, color=VARIANT_COLORS["separable"], ls="--", label=f"separable: {sep:,}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(gs)
    ax.set_xticklabels(gs, fontsize=9)
    ax.minorticks_off()
    ax.set_xlabel("groups g (1: regular, C: depthwise)")
    ax.set_ylabel("parameters")
    ax.set_title(f"the spectrum in g, C = {spectrum_channels}", fontsize=10)
    _legend_below(ax)
    fig.tight_layout()
    return fig


def savings_curves(channels=(8, 16, 32, 64, 128, 256, 512, 728, 1024, 2048), kernels=(1, 3, 5, 7),
                   spectrum_channels: int = 256) -> Described:
    """``savings_curves_figure`` with its text alternative and data, computed from the same formulas."""
    fig = savings_curves_figure(channels, kernels, spectrum_channels)
    reg, sep3 = ([savings.variant_counts(v, c, c, 3).params for c in channels]
                 for v in ("standard", "separable"))
    c, gs = spectrum_channels, savings.valid_groups(spectrum_channels, spectrum_channels)
    grouped = [savings.variant_counts("grouped", c, c, 3, g).params for g in gs]
    sep = savings.variant_counts("separable", c, c, 3).params
    above = max(g for g, p in zip(gs, grouped) if p > sep)
    below = min(g for g, p in zip(gs, grouped) if p <= sep)
    ratios = "; ".join(f"k = {k}: {counting.separable_ratio(channels[-1], k):.3f}, floor {1 / k**2:.3f}"
                       for k in kernels)
    alt = (f"Three log-log panels. Parameters of a 3x3 operator as C grows from {channels[0]} to "
           f"{channels[-1]}: regular {reg[0]:,} to {reg[-1]:,}, depthwise separable {sep3[0]:,} to "
           f"{sep3[-1]:,} "
           f"(Fig. 4's extreme Inception the same). The ratio separable / regular falls towards 1/k² as Cout "
           f"grows; at Cout = {channels[-1]}: {ratios}. A conv in g groups at C = {c}: {grouped[0]:,} "
           f"parameters at g = 1 down to {grouped[-1]:,} at g = {gs[-1]}, crossing the separable conv's "
           f"{sep:,} between g = {above} and g = {below}.")
    data = [["C", "regular 3x3", "separable 3x3", *(f"ratio k = {k}" for k in kernels)]]
    data += [[c, r, s, *(f"{counting.separable_ratio(c, k):.4f}" for k in kernels)]
             for c, r, s in zip(channels, reg, sep3)]
    return described(fig, alt, data)


def time_vs_macs_figure(rows):
    """Measured forward time against multiply-adds (log-log), one point per operator and layout
    (``savings.measure_variants`` rows): points on one diagonal would mean time follows arithmetic.
    Filled markers: NCHW; open: channels_last (NHWC). The dotted diagonal is the time every point would take
    at the regular convs' median rate (GMAC/s), drawn when the rows include a regular conv."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.8), dpi=80)
    seen = set()
    for r in rows:
        label = savings.VARIANT_NAMES[r.variant].strip() if r.variant not in seen else None
        seen.add(r.variant)
        ax.plot(r.macs * r.batch, r.ms, VARIANT_MARKERS[r.variant], ms=7,
                color=VARIANT_COLORS[r.variant],
                mfc=VARIANT_COLORS[r.variant] if r.memory_format == "NCHW" else "none",
                label=label)
    regular = [r.gmacs_per_s for r in rows if r.variant == "standard"]
    if regular:
        rate = statistics.median(regular)
        xs = [min(r.macs * r.batch for r in rows), max(r.macs * r.batch for r in rows)]
        ax.plot(xs, [x / (rate * 1e9) * 1e3 for x in xs], ":", color="#666", lw=1,
                label=f"at the regular conv's rate, {rate:.0f} GMAC/s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("multiply-adds (per batch)")
    ax.set_ylabel("measured time (ms)")
    ax.set_title("time vs arithmetic (filled: NCHW, open: channels_last)", fontsize=10)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    fig.tight_layout()
    return fig


def time_vs_macs(rows) -> Described:
    """``time_vs_macs_figure`` with its text alternative and the measured rows as data."""
    fig = time_vs_macs_figure(rows)
    named = [(savings.VARIANT_NAMES[r.variant].strip(), r) for r in rows]
    said = "; ".join(f"{name} Cout = {r.cout} {r.memory_format}: {r.macs * r.batch / 1e6:.1f} M "
                     f"multiply-adds in {r.ms:.2f} ms" for name, r in named)
    alt = f"Measured time against multiply-adds, log-log, {len(rows)} points: {said}."
    data = [["operator", "Cout", "layout", "multiply-adds", "ms"]]
    data += [[name, r.cout, r.memory_format, r.macs * r.batch, f"{r.ms:.2f}"] for name, r in named]
    return described(fig, alt, data)
