"""Figures every learner can read: a text alternative computed from the data, and a style check.

``described(fig, alt, data)`` shows a matplotlib figure (rendered once, when shown) as an ``<img alt>``
in HTML, with the alt as plain text for text-only front ends. Checked in headless Chromium: JupyterLab 4
sets no alt from an image/png output's metadata, but it renders the HTML, and its sanitizer keeps
``<img alt src="data:...">``, so the figure's accessible name is the alt in a notebook run there and in
one opened as stored (untrusted); nbconvert's HTML export shows the same ``<img alt>``.
``data`` (rows, the first one the column names) becomes a folded table: the numbers a learner reads off.

``check_style(fig)`` raises ValueError on what a colour-blind or low-vision reader cannot use: two
series told apart by colour alone, text under 9 pt, a legend over the data.
"""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import blended_transform_factory

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
"""Okabe-Ito, ordered by contrast on white (the yellow, last, is for fills only)."""
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "--", "++")
# Signed weights: a diverging map that is not red/green/blue, since a photo's input channels ARE those.
WEIGHT_CMAP = "PuOr_r"
MIN_FONT_PT = 9.0
DPI = 100


def series_style(i: int) -> dict:
    """Colour, line style and marker of the i-th series: each differs from its neighbours' in all three."""
    return {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)]}


def _table_html(rows: Sequence[Sequence]) -> str:
    head, *body = rows
    cell = lambda tag, v: f"<{tag}>{html.escape(str(v))}</{tag}>"  # noqa: E731
    lines = ["<tr>" + "".join(cell("th", h) for h in head) + "</tr>"]
    lines += ["<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in body]
    return "<details><summary>The figure's data</summary><table>" + "".join(lines) + "</table></details>"


@dataclass
class Described:
    """A figure with its text alternative; displays as an ``<img alt>`` (a PNG) + text."""

    fig: Figure
    alt: str
    data: Sequence[Sequence] | None = None

    @cached_property
    def png(self) -> str:
        """The figure as a base64 PNG, rendered once, when first shown."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", bbox_inches="tight", dpi=DPI)
        return base64.b64encode(buf.getvalue()).decode()

    def html(self) -> str:
        img = (f'<img alt="{html.escape(self.alt, quote=True)}" src="data:image/png;base64,{self.png}" '
               'style="max-width:100%;height:auto"/>')
        return img + (_table_html(self.data) if self.data else "")

    def _repr_mimebundle_(self, include=None, exclude=None):
        # No separate image/png: every front end checked picks the HTML, and the PNG twice would double
        # a stored notebook past what GitHub renders.
        return {"text/html": self.html(), "text/plain": self.alt}


def described(fig: Figure, alt: str, data: Sequence[Sequence] | None = None) -> Described:
    """Keep ``fig`` with its text alternative ``alt`` (and ``data`` rows, the first one the column names),
    closed in pyplot so that only this object shows it."""
    if not isinstance(fig, Figure):
        raise TypeError(f"described() takes a matplotlib Figure, got {type(fig).__name__}")
    if not alt or not alt.strip():
        raise ValueError("a figure needs a text alternative: alt is empty")
    if data is not None and (len(data) < 2 or any(len(r) != len(data[0]) for r in data)):
        raise ValueError("data must be a header row and at least one row, all of the same length")
    plt.close(fig)
    return Described(fig, alt.strip(), data)


def direct_labels(ax, ends: dict[str, tuple[float, float, str]], min_gap: float = 0.09) -> None:
    """Each curve's name just right of the axes, at its last point's height (spread apart so none overlap)
    and tied to that point by a thin line in the curve's colour: no legend to decode by colour. ``ends``:
    name -> (x, y, colour) of each curve's last point."""
    lo, hi = ax.get_ylim()
    gap = min_gap * (hi - lo)
    placed: list[float] = []
    for name, (x, y, colour) in sorted(ends.items(), key=lambda kv: kv[1][1]):
        at = max(y, placed[-1] + gap) if placed else y
        placed.append(at)
        ax.annotate(name, xy=(x, y), xytext=(1.04, at), fontsize=10, va="center",
                    textcoords=blended_transform_factory(ax.transAxes, ax.transData),
                    arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.8, "shrinkA": 0, "shrinkB": 2})


# --- the style check -----------------------------------------------------------------------------

def _series(ax) -> list[tuple[str, object, str]]:
    """(name, look-apart-from-colour, colour) of each data series in ``ax``."""
    lines = {line: line.get_label() for line in ax.get_lines()}
    out = []
    for c in ax.containers:
        if isinstance(c, BarContainer) and c.patches:
            p = c.patches[0]
            out.append((c.get_label(), ("bars", p.get_hatch() or ""), str(p.get_facecolor())))
        if isinstance(c, ErrorbarContainer) and c.lines[0] is not None:
            lines[c.lines[0]] = c.get_label()  # the data line; its caps and bars are '_nolegend_'
    for line, label in lines.items():
        # a series: a labelled line, or an unlabelled one of 3+ points (not a reference line, not error caps)
        if label == "_nolegend_" or (label.startswith("_") and len(line.get_xdata()) <= 2):
            continue
        out.append((label, ("line", line.get_linestyle(), line.get_marker()), str(line.get_color())))
    for coll in ax.collections:
        label = coll.get_label()
        if isinstance(coll, Collection) and label and not label.startswith("_"):
            paths = tuple(tuple(map(tuple, p.vertices.round(3).tolist())) for p in coll.get_paths()[:1])
            look = ("points", coll.get_hatch() or "", paths)
            out.append((coll.get_label(), look, str(coll.get_facecolor()[:1])))
    return out


def _colour_only_pairs(ax) -> list[str]:
    found, series = [], _series(ax)
    for i, (name_a, look_a, colour_a) in enumerate(series):
        for name_b, look_b, colour_b in series[i + 1:]:
            if look_a == look_b and colour_a != colour_b:
                found.append(f"{name_a!r} and {name_b!r} differ only by colour")
    return found


def _small_texts(fig: Figure) -> list[str]:
    small = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and t.get_fontsize() < MIN_FONT_PT:
            small.append(f"{t.get_text()!r} at {t.get_fontsize():.1f} pt")
    return small


def _legends_over_data(fig: Figure, renderer) -> list[str]:
    over = []
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    for ax in fig.axes:
        for leg in legends:
            box, area = leg.get_window_extent(renderer), ax.get_window_extent(renderer)
            if box.width and area.width and box.overlaps(area):
                name = ax.get_title() or ax.get_label() or "(untitled)"
                over.append(f"a legend overlaps the axes {name!r}")
    return over


def check_style(fig: Figure | Described) -> None:
    """Raise ValueError naming every problem: series told apart by colour alone, text under 9 pt, a
    legend over an axes' data area (put it outside, or label the series directly)."""
    fig = fig.fig if isinstance(fig, Described) else fig
    if not hasattr(fig.canvas, "get_renderer"):  # closed by pyplot: measure on a fresh Agg canvas
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = [p for ax in fig.axes for p in _colour_only_pairs(ax)]
    problems += [f"text under {MIN_FONT_PT:g} pt: {s}" for s in _small_texts(fig)]
    problems += _legends_over_data(fig, renderer)
    if problems:
        raise ValueError("figure style: " + "; ".join(problems))


__all__ = ["DPI", "HATCHES", "LINESTYLES", "MARKERS", "MIN_FONT_PT", "PALETTE", "Described", "check_style",
           "described", "direct_labels", "series_style"]
