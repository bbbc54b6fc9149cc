"""Notebook 07, what separable convs save (Sec. 1.2): the four-operator widget (parameters, multiply-adds
and measured time of a regular, grouped, extreme-Inception and depthwise separable conv) and the exercise
checks. The figures are ``savings_figures``'s, the timings read against arithmetic ``savings_timing``'s;
the counts and the measurements live in ``experiments/timing.py``."""

from __future__ import annotations

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
from .app import KERNEL_CHOICES, App, check_choices, rebuild_in_browser
from .checking import Mistake, closed_form
from .html_table import stacking_table
from .savings_figures import VARIANT_COLORS, savings_curves, time_vs_macs
from .savings_timing import intensity_readout, layout_readout, measure_layouts, ratio_readout, step_intensity
from .svg import html_bar, svg_plot

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "all_counts", "build_variant", "check", "intensity_readout", "layout_readout", "measure_layouts",
    "measure_variants", "PARTS", "ratio_readout", "regular_equivalent", "savings_curves", "savings_explorer",
    "savings_numbers", "separable_layers", "step_intensity", "time_vs_macs", "timing_table", "valid_groups",
    "variant_counts", "VARIANT_NAMES", "VARIANTS",
]


# --- every count and the measured time of four operators (Sec. 1.2) ---------------------------------------


SAVINGS_CHANNEL_CHOICES = (8, 16, 32, 64, 128, 256)


SAVINGS_MAP_SIZE = 14
SAVINGS_TABLE_PX = 520
"""Under this width the table's rows stack (its five columns side by side need about 440 px in JupyterLab)."""


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
        t = f"<span class='xe-time-{v}'>{times[v]:.2f} ms</span>" if times else ""
        rows.append([f"{name}<br><span style='font-size:90%;font-weight:normal'>{_FORMULAS[v]}</span>",
                     f"<span class='xe-params-{v}'>{c.params:,}</span>",
                     f"<span class='xe-macs-{v}'>{c.macs:,}</span>",
                     html_bar(c.macs, ref, VARIANT_COLORS[v], length=90, height=10), t])
    gs = savings.valid_groups(cin, cout)
    spectrum = [savings.variant_counts("grouped", cin, cout, kernel_size, g).params for g in gs]
    ratio = counts["separable"].params / counts["standard"].params
    plot = (svg_plot(gs, spectrum, mark=groups, width=300, height=200, xlabel="groups g", ylabel="parameters",
                     title="grouped conv: parameters vs g") if len(gs) > 1 else "")
    # the formula under the operator's name, not in a column of its own; rows stack where that is too wide
    table = stacking_table(("operator, weights", "parameters", "multiply-adds", "vs regular", "time"), rows,
                           f"Four operators at Cin = {cin}, Cout = {cout}, k = {kernel_size}, g = {groups}",
                           SAVINGS_TABLE_PX, right=(1, 2, 4))
    return (
        f"<p>Cin = {cin}, Cout = {cout}, k = {kernel_size}, g = {groups}; multiply-adds per image on a "
        f"{SAVINGS_MAP_SIZE}x{SAVINGS_MAP_SIZE} map; time: median forward pass on this machine, "
        "one thread</p>"
        # the plot wraps under the table where both do not fit, rather than shrinking to nothing
        "<div style='display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start'>"
        f"{table}<div style='flex:1 1 300px;max-width:420px'>{plot}</div></div>"
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
            rebuild_in_browser(g)

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


def _nhwc_strides(n: int, c: int, h: int, w: int) -> tuple[int, int, int, int]:
    """The strides, in elements, of an (n, c, h, w) tensor stored channels_last (NHWC in memory), in the
    order (n, c, h, w) of ``Tensor.stride()``: the c values of one pixel sit next to each other."""
    return h * w * c, 1, w * c, c


@register("07.intensity", kind="predict")
def _intensity(fn):
    def moved(cin, cout, k, h, w, weights=True, output=True):
        """Elements read or written by each step: input map, weights (if counted), output map (if counted)."""
        px = h * w
        return (cin * px + (k * k * cin if weights else 0) + (cin * px if output else 0),
                cin * px + (cin * cout if weights else 0) + (cout * px if output else 0))

    def per(macs, elements):
        return macs[0] / elements[0], macs[1] / elements[1]

    def macs(cin, cout, k, h, w):
        return k * k * cin * h * w, cin * cout * h * w

    closed_form(
        "intensity", fn,
        [(64, 64, 3, 56, 56), (32, 128, 5, 7, 9), (728, 728, 3, 19, 19), (16, 8, 3, 5, 2), (3, 8, 1, 1, 1)],
        lambda cin, cout, k, h, w: step_intensity(cin, cout, k, (h, w)), [
            Mistake(lambda *a: per(macs(*a), moved(*a, weights=False)), "Count the weights too: each step "
                    "reads its weights from memory once."),
            Mistake(lambda *a: per(macs(*a), moved(*a, output=False)), "Count the output map too: each step "
                    "writes every element of its output once."),
            Mistake(lambda *a: tuple(v / 4 for v in step_intensity(*a[:3], a[3:])), "Per element, not per "
                    "byte: the task counts elements (a float32 element is 4 bytes)."),
            Mistake(lambda *a: step_intensity(*a[:3], a[3:])[::-1], "Give the depthwise step first, then "
                    "the pointwise step: (depthwise, pointwise)."),
            Mistake(lambda cin, cout, k, h, w: per((k * k * cin, cin * cout), moved(cin, cout, k, h, w)),
                    "Count multiply-adds, not weights: each weight is used at every one of the h·w pixels."),
            Mistake(lambda cin, cout, k, h, w: per((k * k * cin * cin * h * w, cin * cout * h * w),
                                                   moved(cin, cout, k, h, w)),
                    "The depthwise step has ONE k x k filter per channel: it does not mix channels."),
        ], nudge="For each step: its multiply-adds, over the elements it reads (input map, weights) and "
                 "writes (output map).",
        fix="depthwise = k·k·cin·h·w / (2·cin·h·w + k·k·cin); "
            "pointwise = cin·cout·h·w / (cin·h·w + cin·cout + cout·h·w).")


@register("07.channels_last_strides", kind="predict")
def _channels_last_strides(fn):
    closed_form(
        "channels_last_strides", fn, [(2, 3, 4, 5), (1, 64, 7, 9), (8, 16, 28, 28), (3, 5, 2, 11)],
        _nhwc_strides, [
            Mistake(lambda n, c, h, w: (c * h * w, h * w, w, 1), "Those are the strides of the default "
                    "layout, NCHW: in channels_last the channels of one pixel are next to each other."),
            Mistake(lambda n, c, h, w: tuple(4 * s for s in _nhwc_strides(n, c, h, w)), "In "
                    "elements, not bytes (a float32 element is 4 bytes)."),
            Mistake(lambda n, c, h, w: (h * w * c, w * c, c, 1), "Give the strides in the order of the "
                    "dimensions (n, c, h, w), as Tensor.stride() does, not in the order of memory."),
            Mistake(lambda n, c, h, w: (h * w * c, 1, h * c, c), "One step down (h) skips a whole row: "
                    "w pixels of c values each."),
            Mistake(lambda n, c, h, w: (h * w * c, 1, w, c), "A row holds w pixels of c values each: "
                    "one step down skips all of them."),
        ], nudge="Memory holds n, then h, then w, then c (c fastest): how many elements lie between two "
                 "neighbours along each dimension?",
        fix="channels_last_strides = (h * w * c, 1, w * c, c).")
