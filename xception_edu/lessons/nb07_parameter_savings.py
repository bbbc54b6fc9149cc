"""Notebook 07, what separable convs save (Sec. 1.2): parameters, multiply-adds and measured time of every
variant. The figures, the four-operator widget, the exercise checks; the measurements live in
``experiments/timing.py``."""

from __future__ import annotations

import statistics

import ipywidgets as W

from .. import counting
from ..devices import cpu_threads
from ..exercises import check, register
from ..experiments import timing as savings
from ..experiments.timing import (
    PARTS,
    VARIANT_NAMES,
    VARIANTS,
    all_counts,
    build_variant,
    measure_variants,
    timing_table,
    valid_groups,
    variant_counts,
)
from ..model.anatomy import regular_equivalent, separable_layers
from ..ops import SeparableConv2d
from .app import KERNEL_CHOICES, App, check_choices
from .checking import Mistake, closed_form
from .svg import html_bar, svg_plot

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "all_counts", "build_variant", "check", "measure_variants", "PARTS", "regular_equivalent",
    "savings_curves_figure", "savings_explorer", "savings_numbers", "savings_table_view",
    "separable_layers", "time_vs_macs_figure", "timing_table", "valid_groups", "variant_counts",
    "VARIANT_NAMES", "VARIANTS",
]


VARIANT_COLORS = {"standard": "#999999", "grouped": "#b2abd2", "extreme": "#e66101", "separable": "#5b3f8c",
                  "depthwise": "#fdb863", "pointwise": "#1b9e77"}


def savings_curves_figure(channels=(8, 16, 32, 64, 128, 256, 512, 728, 1024, 2048), kernels=(1, 3, 5, 7),
                          spectrum_channels: int = 256):
    """Sec. 1.2's savings in three panels: parameters vs channel width (Cin = Cout = C, k = 3) for the four
    operators; the separable/regular ratio 1/C + 1/k**2 vs C for several k, with its floor 1/k**2; and the
    spectrum in g (a conv in g groups, C = ``spectrum_channels``), from regular (g = 1) to depthwise
    (g = C)."""
    import matplotlib.pyplot as plt


    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), dpi=80)
    ax = axes[0]
    for v in ("standard", "separable", "extreme"):
        # With Cin = Cout the extreme Inception and separable counts are equal: draw Fig. 4 dashed, with
        # open markers, on top of the separable line, and say so in its label.
        extreme = v == "extreme"
        ax.plot(channels, [savings.variant_counts(v, c, c, 3).params for c in channels],
                "o--" if extreme else "o-", ms=6 if extreme else 3, mfc="none" if extreme else None,
                color=VARIANT_COLORS[v],
                label=savings.VARIANT_NAMES[v] + ("\n(= separable here: Cin = Cout)" if extreme else ""))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("channels C (= Cin = Cout)")
    ax.set_ylabel("parameters")
    ax.set_ylim(top=ax.get_ylim()[1] * 300)  # room for the legend above the curves
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("3x3 operators: parameters vs width", fontsize=10)
    ax = axes[1]
    for k, color in zip(kernels, ("#999", "#5b3f8c", "#e66101", "#1b9e77")):
        ax.plot(channels, [counting.separable_ratio(c, k) for c in channels], "o-", ms=3, color=color,
                label=f"k = {k}")
        ax.axhline(1 / k**2, color=color, ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("output channels Cout")
    ax.set_ylabel("separable / regular")
    ax.set_title("the ratio 1/Cout + 1/k² (dotted: 1/k²)", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    gs = savings.valid_groups(spectrum_channels, spectrum_channels)
    ax.plot(gs, [savings.variant_counts("grouped", spectrum_channels, spectrum_channels, 3, g).params
                 for g in gs],
            "o-", color=VARIANT_COLORS["grouped"], label="3x3 conv in g groups")
    sep = savings.variant_counts("separable", spectrum_channels, spectrum_channels, 3).params
    ax.axhline(sep, color=VARIANT_COLORS["separable"], ls="--", label=f"separable: {sep:,}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(gs)
    ax.set_xticklabels(gs, fontsize=7)
    ax.minorticks_off()
    ax.set_xlabel("groups g (1: regular, C: depthwise)")
    ax.set_ylabel("parameters")
    ax.set_title(f"the spectrum in g, C = {spectrum_channels}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def time_vs_macs_figure(rows):
    """Measured forward time against multiply-adds (log-log), one point per operator and layout
    (``savings.measure_variants`` rows): points on one diagonal would mean time follows arithmetic.
    Filled markers: NCHW; open: channels_last (NHWC). The dotted diagonal is the time every point would take
    at the regular convs' median rate (GMAC/s), drawn when the rows include a regular conv."""
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=80)
    seen = set()
    for r in rows:
        label = savings.VARIANT_NAMES[r.variant].strip() if r.variant not in seen else None
        seen.add(r.variant)
        ax.plot(r.macs * r.batch, r.ms, "o" if r.memory_format == "NCHW" else "s", ms=7,
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
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- every count and the measured time of four operators (Sec. 1.2) ---------------------------------------


SAVINGS_CHANNEL_CHOICES = (8, 16, 32, 64, 128, 256)


SAVINGS_MAP_SIZE = 14


def savings_numbers(cin: int, cout: int, kernel_size: int, groups: int, time_it: bool = True,
                    repeats: int = 3) -> dict:
    """The numbers behind notebook 07's widget: closed-form parameters and multiply-adds of the four
    operators (``savings.VARIANTS``) on a 14x14 map, and, when ``time_it``, each one's median forward time
    (one image, one thread, alternating rounds; a few repeats so that the widget answers at once)."""
    counts = savings.all_counts(cin, cout, kernel_size, groups, (SAVINGS_MAP_SIZE, SAVINGS_MAP_SIZE))
    times = None
    if time_it:
        rows = savings.measure_variants(cin, cout, kernel_size, groups, size=SAVINGS_MAP_SIZE,
                                        repeats=repeats, warmup=1, threads=1)
        times = {r.variant: r.ms for r in rows}
    return {"counts": counts, "times": times}


_FORMULAS = {"standard": "k²·Cin·Cout", "grouped": "k²·(Cin/g)·Cout", "extreme": "Cin·Cout + k²·Cout",
             "separable": "k²·Cin + Cin·Cout"}


def savings_table_view(cin: int, cout: int, kernel_size: int, groups: int, time_it: bool = True) -> str:
    """HTML for notebook 07's widget: a row per operator with its formula, parameters, multiply-adds (with a
    bar relative to the regular conv) and measured time in stable spans (``xe-params-<variant>``,
    ``xe-macs-<variant>``, ``xe-time-<variant>``), and the spectrum of g as an inline SVG plot."""
    with cpu_threads(1):
        r = savings_numbers(cin, cout, kernel_size, groups, time_it=time_it)
    counts, times = r["counts"], r["times"]
    ref = counts["standard"].macs
    rows = []
    for v, c in counts.items():
        name = savings.VARIANT_NAMES[v].replace("g groups", f"g = {groups}")
        bar = html_bar(c.macs, ref, VARIANT_COLORS[v], length=160, height=10)
        t = f"<span class='xe-time-{v}'>{times[v]:.2f} ms</span>" if times else ""
        rows.append(f"<tr><td>{name}</td><td>{_FORMULAS[v]}</td>"
                    f"<td style='text-align:right'><span class='xe-params-{v}'>{c.params:,}</span></td>"
                    f"<td style='text-align:right'><span class='xe-macs-{v}'>{c.macs:,}</span></td>"
                    f"<td>{bar}</td><td style='text-align:right'>{t}</td></tr>")
    gs = savings.valid_groups(cin, cout)
    spectrum = [savings.variant_counts("grouped", cin, cout, kernel_size, g).params for g in gs]
    ratio = counts["separable"].params / counts["standard"].params
    plot = (svg_plot(gs, spectrum, mark=groups, width=300, height=200, xlabel="groups g", ylabel="parameters",
                     title="grouped conv: parameters vs g") if len(gs) > 1 else "")
    return (
        f"<p>Cin = {cin}, Cout = {cout}, k = {kernel_size}, g = {groups}; multiply-adds per image on a "
        f"{SAVINGS_MAP_SIZE}x{SAVINGS_MAP_SIZE} map; time: median forward pass on this machine, "
        "one thread</p>"
        "<div style='display:flex;gap:12px;align-items:flex-start'>"
        "<table><tr><th>operator</th><th>weights</th><th>parameters</th><th>multiply-adds</th>"
        "<th>vs regular</th><th>time</th></tr>" + "".join(rows) + "</table>" + plot + "</div>"
        f"<p>separable / regular = <span class='xe-ratio'>{ratio:.4f}</span> = 1/{cout} + 1/{kernel_size}² "
        f"= {1 / cout + 1 / kernel_size**2:.4f}</p>"
    )


def savings_explorer(cin: int = 64, cout: int = 64, kernel_size: int = 3, groups: int = 4) -> App:
    """Notebook 07's widget: Cin, Cout, k and g (only the common divisors of Cin and Cout) -> the counts
    and measured time of a regular, grouped, extreme-Inception and depthwise separable conv, live."""
    check_choices(cin=(cin, SAVINGS_CHANNEL_CHOICES), cout=(cout, SAVINGS_CHANNEL_CHOICES),
                  kernel_size=(kernel_size, KERNEL_CHOICES))
    valid = tuple(savings.valid_groups(cin, cout))
    if groups not in valid:
        raise ValueError(f"groups={groups} does not divide both Cin={cin} and Cout={cout}; valid: {valid}")
    # continuous_update=False: every redraw times the four operators, so redraw when a slider is released.
    controls = {
        "cin": W.SelectionSlider(options=SAVINGS_CHANNEL_CHOICES, value=cin, description="C_in",
                                 continuous_update=False),
        "cout": W.SelectionSlider(options=SAVINGS_CHANNEL_CHOICES, value=cout, description="C_out",
                                  continuous_update=False),
        "kernel_size": W.SelectionSlider(options=KERNEL_CHOICES, value=kernel_size, description="k",
                                         continuous_update=False),
        "groups": W.SelectionSlider(options=valid, value=groups, description="groups g",
                                    continuous_update=False),
    }
    app: list[App] = []

    def keep_groups_valid(_change):
        # Registered BEFORE the App's own observers, so the view never sees an invalid g. New options make
        # ipywidgets jump to the first option (g = 1), so set them with redraws held, then restore the
        # largest valid g not above the old one; the App's observer of the moved slider then redraws
        # once. (traitlets' hold_trait_notifications cannot do this: it defers the slider's own
        # index/value bookkeeping, and the value ends at g = 1; hold_sync batches only the messages
        # sent to the browser.)
        g = controls["groups"]
        options = tuple(savings.valid_groups(controls["cin"].value, controls["cout"].value))
        if tuple(g.options) != options:
            value = max(o for o in options if o <= g.value)
            with app[0].hold(redraw=False), g.hold_sync():
                g.options = options
                g.value = value

    controls["cin"].observe(keep_groups_valid, names="value")
    controls["cout"].observe(keep_groups_valid, names="value")
    app.append(App(controls, savings_table_view,
                   title="Four operators: parameters, multiply-adds and measured time"))
    return app[0]


# --- exercise checks --------------------------------------------------------------------------------------


@register("07.separable_ratio", kind="formula")
def _separable_ratio(fn):
    closed_form(
        "separable_ratio", fn, [(728, 3), (64, 3), (256, 5), (8, 1), (2048, 7), (3, 3)],
        lambda cout, k: counting.separable_ratio(cout, k), [
            Mistake(lambda cout, k: 1 / k**2, "Divide the WHOLE separable cost, both of its steps, by the "
                    "regular cost: the pointwise step costs something too."),
            Mistake(lambda cout, k: 1 / cout, "Divide the WHOLE separable cost, both of its steps, by the "
                    "regular cost: the depthwise step costs something too."),
            Mistake(lambda cout, k: 1 / cout + 1 / k, "The regular conv has k² weights per channel pair: "
                    "1/k², not 1/k."),
            Mistake(lambda cout, k: 1 / (1 / cout + 1 / k**2), "That is regular / separable (how many times "
                    "cheaper); the question asks separable / regular, below 1."),
            Mistake(lambda cout, k: 1 / (cout + k**2), "Divide each term separately: (a + b) / (a·b) is "
                    "1/b + 1/a."),
        ], nudge="Write the separable cost over the regular cost and cancel Cin.",
        fix="separable_ratio = 1 / cout + 1 / k**2 (= (k²·Cin + Cin·Cout) / (k²·Cin·Cout)).")


@register("07.extreme_macs", kind="formula")
def _extreme_macs(fn):
    def counts(variant, cin, cout, k, h, w):
        return savings.variant_counts(variant, cin, cout, k, hw=(h, w))

    closed_form(
        "extreme_macs", fn,
        [(64, 64, 3, 56, 56), (32, 128, 5, 7, 9), (728, 728, 3, 19, 19), (3, 8, 1, 1, 1), (16, 8, 3, 5, 2)],
        lambda cin, cout, k, h, w: counts("extreme", cin, cout, k, h, w).macs, [
            Mistake(lambda cin, cout, k, h, w: counts("separable", cin, cout, k, h, w).macs, "That is the "
                    "separable conv: Fig. 4 filters the Cout channels AFTER the 1x1, so k²·Cout."),
            Mistake(lambda cin, cout, k, h, w: counts("extreme", cin, cout, k, h, w).params, "That is the "
                    "number of weights: each is used at every one of the h·w output pixels."),
            Mistake(lambda cin, cout, k, h, w: cin * cout * h * w,
                    "That is the 1x1 step alone: add the k x k "
                    "step, one filter per channel."),
            Mistake(lambda cin, cout, k, h, w: counts("standard", cin, cout, k, h, w).macs, "That is the "
                    "regular k x k conv: Fig. 4 has a 1x1 step and ONE k x k filter per channel."),
            Mistake(lambda cin, cout, k, h, w: (cin * cout + k * k * cout * cout) * h * w, "Fig. 4's k x k "
                    "step has ONE filter per channel (groups = Cout), not a regular conv."),
        ], nudge="Count the weights of the 1x1 step and of the k x k step, then how often each is used.",
        fix="extreme_macs = (cin * cout + k * k * cout) * h * w.")


@register("07.regular_in_place", kind="formula")
def _regular_in_place(fn):
    grid = [(728, 728, 3, (19, 19)), (64, 128, 3, (147, 147)), (16, 32, 5, (7, 9)), (8, 4, 1, (3, 2))]
    closed_form(
        "regular_in_place", lambda sep_args, hw: fn(SeparableConv2d(*sep_args), hw),
        [((cin, cout, k), hw) for cin, cout, k, hw in grid],
        lambda sep_args, hw: counting.standard(*sep_args, hw).macs, [
            Mistake(lambda sep_args, hw: counting.separable(*sep_args, hw).macs, "That is what the separable "
                    "conv itself costs: replace it by ONE k x k conv from Cin to Cout."),
            Mistake(lambda sep_args, hw: counting.standard(*sep_args, hw).params,
                    "That is the regular conv's "
                    "weights: each is used at every output pixel."),
            Mistake(lambda sep_args, hw: counting.standard(sep_args[0], sep_args[0], sep_args[2], hw).macs,
                    "Read out_channels off the module too: the regular conv maps Cin to Cout."),
            Mistake(lambda sep_args, hw: counting.standard(*sep_args[:2], 3, hw).macs, "Read kernel_size off "
                    "the module: not every separable conv is 3x3."),
        ], describe=lambda sep_args, hw: f"for SeparableConv2d{sep_args} on a {hw[0]}x{hw[1]} map, "
                                         "your function",
        nudge="Read in_channels, out_channels and kernel_size off the module; a regular conv uses each of "
                 "its weights at every output pixel.",
        fix="regular_in_place = k * k * sep.in_channels * sep.out_channels * out_hw[0] * out_hw[1], "
            "k = sep.kernel_size.")
