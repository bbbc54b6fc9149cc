"""ipywidgets apps for the notebooks, built on one pattern:

* a **pure view function** ``view(**values) -> str | Figure`` holds all the logic and is tested
  without a kernel (set the values, check the result);
* an ``App`` wires controls that offer only valid values to that function;
* the app's display bundle carries the live widget AND a static rendering of the current view
  (HTML or PNG). JupyterLab and Colab show the widget; GitHub or a static HTML export, which
  cannot run a kernel, fall back to the static rendering of the same thing.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Callable

import ipywidgets as W

from . import counting
from .devices import cpu_threads

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _figure_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=80)
    return base64.b64encode(buf.getvalue()).decode()


class App:
    """Controls plus a view function; ``app.update()`` redraws, ``app.view()`` is the pure result."""

    def __init__(self, controls: dict[str, W.ValueWidget], view: Callable, title: str = ""):
        self.controls, self._view, self.title = controls, view, title
        self.output = W.Output()
        for c in controls.values():
            c.observe(lambda _change: self.update(), names="value")
        header = [W.HTML(f"<b>{title}</b>")] if title else []
        self.widget = W.VBox(header + [W.HBox(list(controls.values())), self.output])
        self.update()

    @property
    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def view(self):
        return self._view(**self.values)

    def set(self, **values) -> "App":
        """Move controls as a learner would (each move redraws); returns self for chaining."""
        for name, v in values.items():
            if name not in self.controls:
                raise ValueError(f"{name!r} is not a control of this app; controls: {sorted(self.controls)}")
            self.controls[name].value = v
        return self

    def update(self) -> None:
        # Set the Output widget's content directly rather than `with output: display(...)`:
        # no iopub routing is involved, so it behaves the same in JupyterLab, nbconvert and nbval.
        self.output.outputs = ({"output_type": "display_data", "data": self.rendering(), "metadata": {}},)

    def rendering(self) -> dict:
        """The current view as a static MIME bundle: HTML for a string, PNG for a figure."""
        result = self.view()
        if isinstance(result, str):
            return {"text/html": result, "text/plain": "<HTML view>"}
        import matplotlib.pyplot as plt

        png = _figure_png(result)
        plt.close(result)
        return {"image/png": png, "text/plain": "<Figure>"}

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data.update(self.rendering())
        # A stable plain-text line (nbval compares it; the widget's own repr lists every trait).
        data["text/plain"] = f"<{self.title or 'App'}: {self.values}>"
        return bundle


# --- notebook 00: a first taste of the savings ---------------------------------------------------

CHANNEL_CHOICES = (16, 32, 64, 128, 256, 512, 728, 1024)
KERNEL_CHOICES = (1, 3, 5, 7)


def savings_view(channels: int, kernel_size: int) -> str:
    """HTML table: a regular k x k conv from C to C channels vs a depthwise separable one (Sec. 1.2)."""
    c, k = channels, kernel_size
    regular = counting.standard(c, c, k, (1, 1)).params
    separable = counting.separable(c, c, k, (1, 1)).params
    rows = [
        ("regular conv", f"k·k·C·C = {k}·{k}·{c}·{c}", regular),
        ("depthwise separable", f"k·k·C + C·C = {k}·{k}·{c} + {c}·{c}", separable),
    ]
    body = "".join(f"<tr><td>{n}</td><td>{f}</td><td style='text-align:right'>{p:,}</td></tr>" for n, f, p in rows)
    return (
        "<table><tr><th>operator</th><th>parameters</th><th>count</th></tr>" + body + "</table>"
        f"<p>The separable conv needs <b>{regular / separable:.1f}x fewer</b> parameters "
        f"({100 * separable / regular:.1f}% of the regular conv).</p>"
    )


def savings_teaser(channels: int = 728, kernel_size: int = 3) -> App:
    """Notebook 00's widget: channels and kernel size -> parameters of regular vs separable convs."""
    if channels not in CHANNEL_CHOICES:
        raise ValueError(f"channels={channels} is not one of {CHANNEL_CHOICES}")
    if kernel_size not in KERNEL_CHOICES:
        raise ValueError(f"kernel_size={kernel_size} is not one of {KERNEL_CHOICES}")
    controls = {
        "channels": W.SelectionSlider(options=CHANNEL_CHOICES, value=channels, description="channels C"),
        "kernel_size": W.SelectionSlider(options=KERNEL_CHOICES, value=kernel_size, description="kernel k"),
    }
    return App(controls, savings_view, title="Regular vs depthwise separable convolution")


# --- notebook 01: what a regular convolution costs (Sec. 1, Sec. 1.2's formulas) -----------------------

CONV_CHANNEL_CHOICES = (1, 3, 16, 32, 64, 128, 256, 512, 728, 1024, 2048)
MAP_SIZE_CHOICES = (7, 14, 19, 28, 56, 112, 224)


def conv_cost_view(cin: int, cout: int, kernel_size: int, size: int = 56) -> str:
    """HTML: parameters and multiply-adds of a regular k x k conv from Cin to Cout channels on a
    size x size map ('same' padding, no bias). One kernel is Cin x k x k; there is one per output
    channel; every weight is used once at every output pixel."""
    k = kernel_size
    c = counting.standard(cin, cout, k, (size, size))
    per_kernel = cin * k * k
    return (
        f"<p>one kernel: C<sub>in</sub>·k·k = {cin}·{k}·{k} = <b>{per_kernel:,}</b> weights, "
        f"and there are C<sub>out</sub> = {cout:,} kernels</p>"
        f"<p class='xe-params'>parameters: {c.params:,}</p>"
        f"<p class='xe-macs'>multiply-adds: {c.macs:,}</p>"
        f"<p style='color:#555'>= parameters × H × W = {c.params:,} × {size} × {size} "
        f"(each weight is used once at every output pixel)</p>"
    )


def conv_cost(cin: int = 3, cout: int = 64, kernel_size: int = 3, size: int = 56) -> App:
    """Notebook 01's widget: Cin, Cout, k (and the map size) -> parameters and multiply-adds, live."""
    for name, v, choices in (("cin", cin, CONV_CHANNEL_CHOICES), ("cout", cout, CONV_CHANNEL_CHOICES),
                             ("kernel_size", kernel_size, KERNEL_CHOICES), ("size", size, MAP_SIZE_CHOICES)):
        if v not in choices:
            raise ValueError(f"{name}={v} is not one of {choices}")
    style = {"description_width": "initial"}
    controls = {
        "cin": W.SelectionSlider(options=CONV_CHANNEL_CHOICES, value=cin, description="C_in", style=style),
        "cout": W.SelectionSlider(options=CONV_CHANNEL_CHOICES, value=cout, description="C_out", style=style),
        "kernel_size": W.SelectionSlider(options=KERNEL_CHOICES, value=kernel_size, description="k", style=style),
        "size": W.SelectionSlider(options=MAP_SIZE_CHOICES, value=size, description="H = W", style=style),
    }
    return App(controls, conv_cost_view, title="The cost of a regular convolution")


# --- notebook 02: towers and their widths (Fig. 2) ---------------------------------------------------

TOWER_CHOICES = tuple(range(1, 9))
WIDTH_CHOICES = (8, 16, 32, 48, 64, 96, 128, 192, 256)
IN_CHANNEL_CHOICES = (32, 64, 128, 256, 512, 728)


def _bar(value: int, scale: int, color: str, text: str) -> str:
    width = max(1.0, 360 * value / scale)
    return (f"<div style='display:flex;align-items:center;margin:2px 0'>"
            f"<div style='width:{width:.0f}px;height:14px;background:{color}'></div>"
            f"<span style='margin-left:6px;font-size:90%'>{text}</span></div>")


def towers_view(towers: int, width: int, cin: int = 256, kernel_size: int = 3) -> str:
    """HTML: a simplified Inception module (Fig. 2) with ``towers`` towers of 1x1 -> kxk, each
    ``width`` channels wide, against ONE regular kxk conv with the same input and output channels.
    Bars split each tower into its 1x1 part (across channels) and its kxk part (in space)."""
    k, cout = kernel_size, towers * width
    pointwise, spatial = cin * width, k * k * width * width
    module = counting.spectrum(cin, cout, k, towers, (1, 1)).params
    regular = counting.standard(cin, cout, k, (1, 1)).params
    assert module == towers * (pointwise + spatial)
    scale = max(regular, module)
    rows = "".join(
        _bar(pointwise + spatial, scale, "linear-gradient(90deg,#b2abd2 {0:.0f}%,#fdb863 {0:.0f}%)".format(
            100 * pointwise / (pointwise + spatial)),
            f"tower {i + 1}: 1x1 {pointwise:,} + {k}x{k} {spatial:,}")
        for i in range(towers))
    return (
        f"<p>{towers} tower{'s' if towers > 1 else ''} × (1x1 conv {cin}→{width}, then {k}x{k} conv "
        f"{width}→{width}) = {cout} output channels</p>" + rows +
        _bar(module, scale, "#5b3f8c", f"the whole module: {module:,}") +
        _bar(regular, scale, "#999", f"one regular {k}x{k} conv {cin}→{cout}: {regular:,}") +
        f"<p class='xe-params'>parameters: {module:,} ({100 * module / regular:.1f}% of the regular conv)</p>"
    )


def inception_towers(towers: int = 3, width: int = 64, cin: int = 256) -> App:
    """Notebook 02's widget: number of towers and their width -> parameters of Fig. 2's module."""
    for name, v, choices in (("towers", towers, TOWER_CHOICES), ("width", width, WIDTH_CHOICES),
                             ("cin", cin, IN_CHANNEL_CHOICES)):
        if v not in choices:
            raise ValueError(f"{name}={v} is not one of {choices}")
    controls = {
        "towers": W.SelectionSlider(options=TOWER_CHOICES, value=towers, description="towers"),
        "width": W.SelectionSlider(options=WIDTH_CHOICES, value=width, description="tower width"),
        "cin": W.SelectionSlider(options=IN_CHANNEL_CHOICES, value=cin, description="C_in"),
    }
    return App(controls, towers_view, title="Simplified Inception module (Fig. 2): towers and widths")


# --- notebook 03: the reformulation, for any number of towers (Fig. 3) ---------------------------------

REFORM_CHANNELS, REFORM_IN = 12, 8


def reformulation_numbers(towers: int, channels: int = REFORM_CHANNELS, cin: int = REFORM_IN, seed: int = 0) -> dict:
    """Build a random Fig. 2 module with ``towers`` towers, turn it into Fig. 3 (``reformulate``) and
    return the largest output difference on a random input, the measured connectivity of Fig. 3's
    spatial stage, and both modules' parameter counts."""
    import torch

    from .convs import SimplifiedInception
    from .reformulate import reformulate
    from .viz import measured_connectivity

    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    fig2 = SimplifiedInception(cin, channels, towers=towers).eval()
    fig3 = reformulate(fig2)
    x = torch.randn(2, cin, 8, 8, generator=g)
    with torch.no_grad():
        diff = (fig2(x) - fig3(x)).abs().max().item()
    return {"max_diff": diff, "connectivity": measured_connectivity(fig3.spatial),
            "params_fig2": counting.count_params(fig2), "params_fig3": counting.count_params(fig3)}


def reformulation_view(towers: int) -> str:
    """HTML: Fig. 2 with ``towers`` towers equals Fig. 3 with ``groups=towers`` (difference, parameters)
    and the block-diagonal connectivity of the spatial stage, as inline SVG."""
    from .viz import svg_matrix

    with cpu_threads(1):
        r = reformulation_numbers(towers)
    same = "below 1e-5: the same function" if r["max_diff"] < 1e-5 else f"{r['max_diff']:.2e}: NOT the same"
    return (
        f"<p>Fig. 2 with {towers} tower{'s' if towers > 1 else ''} of {REFORM_CHANNELS // towers} channels "
        f"→ Fig. 3: one 1x1 conv {REFORM_IN}→{REFORM_CHANNELS}, then a 3x3 conv with groups={towers}</p>"
        f"<p>largest output difference: {same}</p>"
        f"<p class='xe-params'>parameters: {r['params_fig2']:,} (Fig. 2) = {r['params_fig3']:,} (Fig. 3)</p>"
        + svg_matrix(r["connectivity"], size=180, title=f"3x3 stage, groups={towers}: who feeds whom")
    )


def reformulation(towers: int = 3) -> App:
    """Notebook 03's widget: towers (divisors of the channel count) -> proof of Fig. 2 == Fig. 3."""
    from ._checks import divisors

    options = tuple(divisors(REFORM_CHANNELS))
    if towers not in options:
        raise ValueError(f"towers={towers} is not one of {options} (the divisors of {REFORM_CHANNELS})")
    controls = {"towers": W.SelectionSlider(options=options, value=towers, description="towers")}
    return App(controls, reformulation_view, title=f"Fig. 2 = Fig. 3, for {REFORM_CHANNELS} output channels")


# --- notebook 04: THE spectrum, from a regular conv to one filter per channel (Figs 3-4) --------------

SPECTRUM_CHANNELS, SPECTRUM_IN, SPECTRUM_SIZE = 48, 48, 16


@dataclass(frozen=True)
class SpectrumPoint:
    """One point of the spectrum: a 1x1 conv then a kxk conv in ``groups`` groups (``SpectrumConv``)."""

    groups: int
    params: int
    macs: int
    connectivity: "object"  # (C, C) boolean numpy array: the kxk stage's channel connectivity
    time_ms: float | None  # median forward time of the module on a small input, or None when not timed


def spectrum_point(groups: int, channels: int = SPECTRUM_CHANNELS, cin: int = SPECTRUM_IN, kernel_size: int = 3,
                   size: int = SPECTRUM_SIZE, time_it: bool = True, repeats: int = 5) -> SpectrumPoint:
    """The numbers behind the spectrum widget, without any drawing: parameters and multiply-adds
    (closed form, per image at size x size), the connectivity of the spatial stage, and the median
    time of a forward pass on one small image (a few repeats, so the widget stays instant)."""
    import torch

    from .convs import SpectrumConv
    from .viz import connectivity_matrix

    c = counting.spectrum(cin, channels, kernel_size, groups, (size, size))
    t = None
    if time_it:
        module = SpectrumConv(cin, channels, kernel_size, groups=groups).eval()
        x = torch.randn(1, cin, size, size)
        t = counting.time_forward(module, x, repeats=repeats, warmup=1).median_ms
    return SpectrumPoint(groups, c.params, c.macs, connectivity_matrix(channels, groups), t)


def _spectrum_name(g: int, channels: int) -> str:
    if g == 1:
        return "a regular 3x3 conv after a 1x1 conv"
    if g == channels:
        return "extreme Inception (Fig. 4): one 3x3 filter per channel"
    return f"an Inception module with {g} towers of {channels // g} channels (Fig. 3)"


def spectrum_view(groups: int, time_it: bool = True) -> str:
    """HTML for the spectrum widget: the numbers as plain text (stable element text such as
    ``parameters: 12,345``, read by browser tests), the connectivity of the spatial stage and a plot
    of parameters against g with the current g marked (inline SVG: redraws in milliseconds)."""
    from ._checks import divisors
    from .viz import svg_matrix, svg_plot

    C = SPECTRUM_CHANNELS
    with cpu_threads(1):
        p = spectrum_point(groups, time_it=time_it)
    gs = divisors(C)
    params = [counting.spectrum(SPECTRUM_IN, C, 3, g, (1, 1)).params for g in gs]
    timing = f" · <span class='xe-time'>forward pass: {p.time_ms:.2f} ms</span>" if p.time_ms is not None else ""
    return (
        f"<p><b>g = {groups}</b>: {_spectrum_name(groups, C)}</p>"
        f"<p><span class='xe-params'>parameters: {p.params:,}</span> · "
        f"<span class='xe-macs'>multiply-adds: {p.macs:,}</span>{timing}</p>"
        f"<p style='color:#555;font-size:90%'>1x1 conv {SPECTRUM_IN}→{C}, then 3x3 conv {C}→{C} in {groups} "
        f"group{'s' if groups > 1 else ''} of {C // groups} channels, on {SPECTRUM_SIZE}x{SPECTRUM_SIZE} maps</p>"
        "<div style='display:flex;gap:12px;align-items:flex-start'>"
        + svg_matrix(p.connectivity, size=200, title="3x3 stage: who feeds whom")
        + svg_plot(gs, params, mark=groups, width=320, height=236, xlabel="number of groups g (segments)",
                   ylabel="parameters", title="parameters vs g (log-log)")
        + "</div>"
    )


def spectrum(groups: int = 1) -> App:
    """Notebook 04's widget: a slider over the valid group counts (the divisors of C, from 1 to C)."""
    from ._checks import divisors

    options = tuple(divisors(SPECTRUM_CHANNELS))
    if groups not in options:
        raise ValueError(f"groups={groups} is not one of {options} (the divisors of {SPECTRUM_CHANNELS})")
    controls = {"groups": W.SelectionSlider(options=options, value=groups, description="groups g",
                                            continuous_update=False)}
    return App(controls, spectrum_view, title=f"The spectrum: {SPECTRUM_CHANNELS} channels in g segments")


# --- notebook 05: the order of the two steps matters only at the ends of a stack (Sec. 1.2) --------------

BLOCK_CHOICES = tuple(range(1, 7))


def regroup_numbers(blocks: int, channels: int = 8, seed: int = 0) -> dict:
    """A stack of ``blocks`` pointwise-first blocks (Fig. 4's order) and the same weights regrouped into
    depthwise-first separable convs (``regroup_stack``): the largest output difference on a random input."""
    import torch

    from .reformulate import pointwise_first_stack, regroup_stack

    torch.manual_seed(seed)
    stack = pointwise_first_stack(channels, blocks).eval()
    regrouped = regroup_stack(stack).eval()
    x = torch.randn(2, channels, 8, 8, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        diff = (stack(x) - regrouped(x)).abs().max().item()
    return {"max_diff": diff, "separable_blocks": sum(1 for n, _ in regrouped.named_children() if n.startswith("separable"))}


def _op(text: str, color: str) -> str:
    return (f"<span style='display:inline-block;padding:1px 5px;margin:1px;border-radius:3px;"
            f"background:{color};font-family:monospace'>{text}</span>")


def regroup_view(blocks: int) -> str:
    """HTML: the sequence of operations of a stack, bracketed two ways — as Fig. 4 blocks (1x1, ReLU,
    depthwise) and as separable convs (depthwise, 1x1) — with the numerical check that they agree."""
    pw, dw, act = (lambda i: _op(f"1x1<sub>{i}</sub>", "#b2abd2")), (lambda i: _op(f"dw<sub>{i}</sub>", "#fdb863")), _op("ReLU", "#eee")
    box = "<span style='border:2px solid {};border-radius:4px;padding:1px;margin:1px 3px'>{}</span>"
    top = "".join(box.format("#5b3f8c", pw(i) + act + dw(i)) for i in range(1, blocks + 1))
    bottom = box.format("#999", pw(1) + act) + "".join(
        box.format("#e66101", dw(i) + pw(i + 1)) + act for i in range(1, blocks)) + box.format("#999", dw(blocks))
    with cpu_threads(1):
        r = regroup_numbers(blocks)
    same = "below 1e-5: the same function" if r["max_diff"] < 1e-5 else f"{r['max_diff']:.2e}"
    return (
        f"<p>{blocks} Fig. 4 block{'s' if blocks > 1 else ''} (1x1 → ReLU → depthwise):</p><p>{top}</p>"
        f"<p>the same operations, regrouped: a leading 1x1, <b>{r['separable_blocks']} depthwise separable "
        f"conv{'s' if r['separable_blocks'] != 1 else ''}</b> (depthwise → 1x1), a trailing depthwise:</p><p>{bottom}</p>"
        f"<p>largest output difference: {same}</p>"
    )


def regroup(blocks: int = 3) -> App:
    """Notebook 05's widget: the number of stacked blocks -> the two bracketings, checked numerically."""
    if blocks not in BLOCK_CHOICES:
        raise ValueError(f"blocks={blocks} is not one of {BLOCK_CHOICES}")
    controls = {"blocks": W.SelectionSlider(options=BLOCK_CHOICES, value=blocks, description="blocks")}
    return App(controls, regroup_view, title="Order of the two steps: the same stack, bracketed two ways")


# --- notebook 07: every count and the measured time of four operators (Sec. 1.2) -------------------------

SAVINGS_CHANNEL_CHOICES = (8, 16, 32, 64, 128, 256)
SAVINGS_MAP_SIZE = 14


def savings_numbers(cin: int, cout: int, kernel_size: int, groups: int, time_it: bool = True,
                    repeats: int = 3) -> dict:
    """The numbers behind notebook 07's widget: closed-form parameters and multiply-adds of the four
    operators (``savings.VARIANTS``) on a 14x14 map, and, when ``time_it``, each one's median forward time
    (one image, one thread, alternating rounds; a few repeats so that the widget answers at once)."""
    from . import savings

    counts = savings.all_counts(cin, cout, kernel_size, groups, (SAVINGS_MAP_SIZE, SAVINGS_MAP_SIZE))
    times = None
    if time_it:
        rows = savings.measure_variants(cin, cout, kernel_size, groups, size=SAVINGS_MAP_SIZE, repeats=repeats,
                                        warmup=1, threads=1)
        times = {r.variant: r.ms for r in rows}
    return {"counts": counts, "times": times}


_FORMULAS = {"standard": "k²·Cin·Cout", "grouped": "k²·(Cin/g)·Cout", "extreme": "Cin·Cout + k²·Cout",
             "separable": "k²·Cin + Cin·Cout"}


def savings_table_view(cin: int, cout: int, kernel_size: int, groups: int, time_it: bool = True) -> str:
    """HTML for notebook 07's widget: a row per operator with its formula, parameters, multiply-adds (with a
    bar relative to the regular conv) and measured time in stable spans (``xe-params-<variant>``,
    ``xe-macs-<variant>``, ``xe-time-<variant>``), and the spectrum of g as an inline SVG plot."""
    from . import savings
    from .viz import VARIANT_COLORS, svg_plot

    with cpu_threads(1):
        r = savings_numbers(cin, cout, kernel_size, groups, time_it=time_it)
    counts, times = r["counts"], r["times"]
    ref = counts["standard"].macs
    rows = []
    for v, c in counts.items():
        name = savings.VARIANT_NAMES[v].replace("g groups", f"g = {groups}")
        bar = (f"<div style='width:{max(1.0, 160 * c.macs / ref):.0f}px;height:10px;"
               f"background:{VARIANT_COLORS[v]}'></div>")
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
        f"{SAVINGS_MAP_SIZE}x{SAVINGS_MAP_SIZE} map; time: median forward pass on this machine, one thread</p>"
        "<div style='display:flex;gap:12px;align-items:flex-start'>"
        "<table><tr><th>operator</th><th>weights</th><th>parameters</th><th>multiply-adds</th>"
        "<th>vs regular</th><th>time</th></tr>" + "".join(rows) + "</table>" + plot + "</div>"
        f"<p>separable / regular = <span class='xe-ratio'>{ratio:.4f}</span> = 1/{cout} + 1/{kernel_size}² "
        f"= {1 / cout + 1 / kernel_size**2:.4f}</p>"
    )


class _HeldApp(App):
    """An App whose redraws can be held while a handler moves several controls at once."""

    holding = False

    def update(self) -> None:
        if not self.holding:
            super().update()


def savings_explorer(cin: int = 64, cout: int = 64, kernel_size: int = 3, groups: int = 4) -> App:
    """Notebook 07's widget: Cin, Cout, k and g (only the common divisors of Cin and Cout) -> the counts
    and measured time of a regular, grouped, extreme-Inception and depthwise separable conv, live."""
    from . import savings

    for name, v, choices in (("cin", cin, SAVINGS_CHANNEL_CHOICES), ("cout", cout, SAVINGS_CHANNEL_CHOICES),
                             ("kernel_size", kernel_size, KERNEL_CHOICES)):
        if v not in choices:
            raise ValueError(f"{name}={v} is not one of {choices}")
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
        "groups": W.SelectionSlider(options=valid, value=groups, description="groups g", continuous_update=False),
    }
    app: list[_HeldApp] = []

    def keep_groups_valid(_change):
        # Registered BEFORE the App's own observers, so the view never sees an invalid g. New options make
        # ipywidgets jump to the first option (g = 1), so set them with redraws held, then restore the
        # largest valid g not above the old one; the App's observer of the moved slider then redraws once.
        g = controls["groups"]
        options = tuple(savings.valid_groups(controls["cin"].value, controls["cout"].value))
        if tuple(g.options) != options:
            value = max(o for o in options if o <= g.value)
            app[0].holding = True
            try:
                g.options = options
                g.value = value
            finally:
                app[0].holding = False

    controls["cin"].observe(keep_groups_valid, names="value")
    controls["cout"].observe(keep_groups_valid, names="value")
    app.append(_HeldApp(controls, savings_table_view,
                        title="Four operators: parameters, multiply-adds and measured time"))
    return app[0]


# --- notebook 08: Xception's size as a function of depth and width (Fig. 5) ------------------------------

MIDDLE_REPEAT_CHOICES = tuple(range(0, 17))
WIDTH_MULTIPLIERS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
ARCH_IMAGE_SIZES = (71, 128, 160, 224, 299, 331)


def architecture_view(middle_repeats: int, width: float, image_size: int = 299) -> str:
    """HTML for notebook 08's widget: parameters and multiply-adds per flow of ``Xception(middle_repeats,
    width)`` at ``image_size`` px, in closed form (``savings.xception_counts``: no model is built), with
    bars relative to the paper's model and the totals in stable spans ``xe-params`` and ``xe-macs``."""
    from .savings import xception_counts

    parts = xception_counts(middle_repeats, width, image_size)
    paper = xception_counts()["total"]
    total = parts["total"]
    scale = max(total.params, paper.params)
    mscale = max(total.macs, xception_counts(middle_repeats, width, 299)["total"].macs, paper.macs)
    colors = {"stem": "#999999", "entry": "#b2abd2", "middle": "#5b3f8c", "exit": "#e66101", "classifier": "#1b9e77"}
    rows = "".join(
        f"<tr><td>{name}</td><td style='text-align:right'>{c.params:,}</td>"
        f"<td><div style='width:{max(1.0, 200 * c.params / scale):.0f}px;height:10px;background:{colors[name]}'></div></td>"
        f"<td style='text-align:right'>{c.macs / 1e9:.3f} G</td>"
        f"<td><div style='width:{max(1.0, 200 * c.macs / mscale):.0f}px;height:10px;background:{colors[name]}'></div></td></tr>"
        for name, c in parts.items() if name != "total")
    return (
        f"<p>Xception with <b>{middle_repeats}</b> middle-flow block{'s' if middle_repeats != 1 else ''} "
        f"(paper: 8), width × <b>{width:g}</b>, at {image_size}x{image_size} px</p>"
        "<table><tr><th>flow</th><th>parameters</th><th></th><th>multiply-adds</th><th></th></tr>" + rows + "</table>"
        f"<p><span class='xe-params'>parameters: {total.params:,}</span> · "
        f"<span class='xe-macs'>multiply-adds: {total.macs:,}</span> per image</p>"
        f"<p style='color:#555'>{total.params / paper.params:.2f}x the parameters and {total.macs / paper.macs:.2f}x "
        f"the multiply-adds of the paper's model (22,855,952; 8.36 G at 299 px)</p>"
    )


def architecture(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299) -> App:
    """Notebook 08's widget: middle-flow repeats, width multiplier and input size -> parameters and
    multiply-adds per flow, closed form (an update takes well under a millisecond)."""
    for name, v, choices in (("middle_repeats", middle_repeats, MIDDLE_REPEAT_CHOICES),
                             ("width", width, WIDTH_MULTIPLIERS), ("image_size", image_size, ARCH_IMAGE_SIZES)):
        if v not in choices:
            raise ValueError(f"{name}={v} is not one of {choices}")
    controls = {
        "middle_repeats": W.SelectionSlider(options=MIDDLE_REPEAT_CHOICES, value=middle_repeats,
                                            description="middle blocks"),
        "width": W.SelectionSlider(options=WIDTH_MULTIPLIERS, value=width, description="width ×"),
        "image_size": W.SelectionSlider(options=ARCH_IMAGE_SIZES, value=image_size, description="input px"),
    }
    return App(controls, architecture_view, title="Xception's size: depth, width and input")


# --- notebook 06: correlations between channels and across space, layer by layer (Sec. 1.1) ------------

def _channel_label(channels: int, i: int) -> str:
    return ("R", "G", "B")[i] if channels == 3 else f"channel {i}"


def correlation_numbers(maps: dict, layer: str, image: int, a: int, b: int, max_distance: int = 6) -> dict:
    """The numbers behind the correlation explorer, without any drawing, for one image of ``maps``
    (layer name -> (N, C, H, W), e.g. the input then ``correlations.collect_maps``): the layer's C x C
    channel correlation matrix on that image, the correlation of channels ``a`` and ``b``, the mean
    |correlation| between different channels, the two maps and their spatial autocorrelation curves."""
    from . import correlations as co

    if layer not in maps:
        raise ValueError(f"layer={layer!r} is not one of {list(maps)}")
    m = maps[layer]
    n, c = m.shape[0], m.shape[1]
    if not 0 <= image < n:
        raise ValueError(f"image={image} is out of range: these maps hold {n} images (0..{n - 1})")
    for name, v in (("a", a), ("b", b)):
        if not 0 <= v < c:
            raise ValueError(f"{name}={v} is not a channel of {layer!r}, which has {c} (0..{c - 1})")
    x = m[image]
    matrix = co.channel_correlation(x)
    return {
        "matrix": matrix, "r": float(matrix[a, b]), "cross_channel": co.mean_abs_offdiagonal(matrix),
        "dead": int(matrix.diagonal().isnan().sum()), "map_a": x[a], "map_b": x[b],
        "autocorrelation": co.autocorrelation(x[[a, b]], min(max_distance, x.shape[-1] - 1)),
        "channels": c, "size": x.shape[-1], "stride": next(iter(maps.values())).shape[-1] / x.shape[-1],
    }


def correlation_view(maps: dict, layer: str, image: int, a: int, b: int) -> str:
    """HTML for the correlation explorer: the two chosen channel maps, the layer's channel correlation
    matrix with the pair outlined, and the two channels' autocorrelation against distance (inline SVG
    with embedded PNGs: a redraw takes a few milliseconds). Stable texts for tests: ``r = 0.83``,
    ``mean |r| between channels: 0.41``."""
    from .viz import svg_curves, svg_heatmap

    with cpu_threads(1):
        nums = correlation_numbers(maps, layer, image, a, b)
    c, la, lb = nums["channels"], _channel_label(nums["channels"], a), _channel_label(nums["channels"], b)
    r = nums["r"]
    r_text = "undefined (a constant channel)" if r != r else f"{r:.2f}"
    dead = f" · {nums['dead']} constant (dead) channel{'s' if nums['dead'] != 1 else ''}" if nums["dead"] else ""
    auto = nums["autocorrelation"]
    stride = nums["stride"]
    distances = [d * stride for d in range(auto.shape[1])]
    first = next(iter(maps.values()))
    thumb = (svg_heatmap(first[image].permute(1, 2, 0).numpy(), size=120, vmin=-1, vmax=1, title="the image")
             if first.shape[1] == 3 else "")  # the input, in colour (values in [-1, 1])
    maps_html = thumb + "".join(
        svg_heatmap(nums[key].numpy(), size=120, cmap="gray", vmin=None, vmax=None, title=label)
        for key, label in (("map_a", la), ("map_b", lb)))
    return (
        f"<p><b>{layer}</b> ({c} channels, {nums['size']}x{nums['size']} px), image {image}: "
        f"<span class='xe-r'>r = {r_text}</span> between {la} and {lb} · "
        f"<span class='xe-cross'>mean |r| between channels: {nums['cross_channel']:.2f}</span>{dead}</p>"
        "<div style='display:flex;gap:10px;align-items:flex-start;flex-wrap:wrap'>"
        + maps_html
        + svg_heatmap(nums["matrix"].numpy(), size=160, mark=(a, b), title="correlation: purple -1, brown +1",
                      xlabel="channel", ylabel="channel")
        + svg_curves(distances, {la: auto[0].tolist(), lb: auto[1].tolist()},
                     xlabel="distance (input pixels)", ylabel="autocorrelation", title="spatial correlation")
        + "</div>"
    )


def correlation_explorer(maps: dict, layer: str | None = None, image: int = 0, a: int = 0, b: int = 1,
                         image_labels=None) -> App:
    """Notebook 06's widget: choose a layer, an image and a pair of channels; see the two maps, the
    layer's channel correlation matrix and the spatial autocorrelation (``correlation_view``).
    ``maps``: layer name -> (N, C, H, W), in order from the input; ``image_labels``: N names."""
    if not maps:
        raise ValueError("maps is empty: pass {layer name: (N, C, H, W) tensor}, e.g. the input then "
                         "correlations.collect_maps(model, x)")
    layer = next(iter(maps)) if layer is None else layer
    correlation_numbers(maps, layer, image, a, b)  # validates every choice, with a clear message
    n = next(iter(maps.values())).shape[0]
    labels = list(image_labels) if image_labels is not None else [str(i) for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"image_labels has {len(labels)} names for {n} images")
    c = maps[layer].shape[1]
    controls = {
        "layer": W.Dropdown(options=list(maps), value=layer, description="layer"),
        "image": W.Dropdown(options=[(f"{i}: {s}", i) for i, s in enumerate(labels)], value=image,
                            description="image"),
        "a": W.IntSlider(min=0, max=c - 1, value=a, description="channel a", continuous_update=False),
        "b": W.IntSlider(min=0, max=c - 1, value=b, description="channel b", continuous_update=False),
    }

    def keep_channels_valid(_change):
        # Registered BEFORE the App's own observers; sliders clamp their value to the new range.
        top = maps[controls["layer"].value].shape[1] - 1
        for name in ("a", "b"):
            controls[name].max = top

    controls["layer"].observe(keep_channels_valid, names="value")

    def view(layer, image, a, b):
        top = maps[layer].shape[1] - 1  # a slider may not have been clamped yet while the layer changes
        return correlation_view(maps, layer, image, min(a, top), min(b, top))

    return App(controls, view, title="Correlations between channels and across space")
