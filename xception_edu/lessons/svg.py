"""Charts for the widgets, drawn as inline SVG (and HTML bars): line plots, curves and bars. A widget must
redraw in a few milliseconds, and matplotlib needs about a tenth of a second for even a small figure on a
laptop. Each function returns a string that any notebook front end, GitHub included, draws without a kernel.

Every drawing opens with ``svg_root``: it scales to its container, and its title and description,
computed here from the data drawn, are what a screen reader announces. Text is 12 px or more, series
differ by dash pattern and marker as well as colour (``figures.PALETTE``), and labels sit outside the
data. The lessons import every drawing from here: the matrices and heatmaps (``svg_grids``), the output
wrapper (``svg_display``) and the pieces (``svg_parts``) are re-exported below.
"""
from __future__ import annotations

import html
import math

from .figures import PALETTE
from .svg_display import SVG_ELEMENT as SVG_ELEMENT  # the lessons import every drawing from svg
from .svg_display import Drawing as Drawing
from .svg_display import svg_as_img as svg_as_img
from .svg_grids import CORR_CMAP as CORR_CMAP
from .svg_grids import svg_heatmap as svg_heatmap
from .svg_grids import svg_matrix as svg_matrix
from .svg_parts import (
    DASHES,
    MARK,
    MARKERS,
    TEXT,
    label,
    marker,
    nice_log_ticks,
    nice_ticks,
    num,
    plural,
    series_text,
    spread,
    text_width,
    x_ticks,
    ylabel_text,
)
from .svg_parts import MIN_FONT_PX as MIN_FONT_PX
from .svg_parts import svg_root as svg_root


def html_bar(value: float, scale: float, color: str, length: int = 360, height: int = 14,
             text: str | None = None) -> str:
    """A horizontal bar ``length * value / scale`` px long (at least 1 px), with ``text`` beside it if
    given: the suite's one way of drawing a quantity next to another in an HTML table or list. Without a
    text the bar itself is announced, as its value and its fraction of ``scale``. With one, a row of bars
    narrower than ``length`` px keeps their proportions (each the same fraction of the row) and the text
    goes under its bar where it does not fit beside it."""
    px = max(1.0, length * value / scale)
    if text is None:
        said = html.escape(f"{num(value)} ({value / scale:.0%} of {num(scale)})", quote=True)
        style = f"width:{px:.0f}px;max-width:100%;height:{height}px;background:{color}"
        return f"<div role='img' aria-label='{said}' style='{style}'></div>"
    style = (f"width:min({px:.0f}px,{100 * px / length:.1f}%);min-width:1px;height:{height}px;"
             f"background:{color};flex:none")
    return (f"<div style='display:flex;flex-wrap:wrap;align-items:center;column-gap:6px;margin:2px 0'>"
            f"<div style='{style}'></div><span style='font-size:90%'>{text}</span></div>")


def svg_plot(xs, ys, mark=None, width: int = 300, height: int = 200, xlabel: str = "", ylabel: str = "",
             title: str = "", logx: bool = True, logy: bool = True) -> str:
    """A line plot with points as inline SVG; ``mark`` (one of ``xs``) is ringed and labelled with its
    values. Log axes by default, since group counts and parameter counts span orders of magnitude."""
    xs, ys = [float(x) for x in xs], [float(y) for y in ys]
    if mark is not None and float(mark) not in xs:
        raise ValueError(f"mark={mark} is not one of the plotted xs {xs}")
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    yticks = (nice_log_ticks(min(ys), max(ys)) if logy
              else nice_ticks(min(0.0, min(ys)), max(ys) if max(ys) > min(0.0, min(ys)) else 1.0))
    y0, y1 = fy(yticks[0]), fy(yticks[-1])
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    width = max(width, text_width(title) + 8)
    L = math.ceil(24 + max(text_width(num(t)) for t in yticks))
    R, T, B = math.ceil(8 + text_width(num(max(xs))) / 2), 24 if title else 12, 38
    pw, ph = round(width) - L - R, height - T - B

    def px(v):
        return L + (fx(v) - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (fy(v) - y0) / (y1 - y0) * ph

    xname, yname = xlabel or "x", ylabel or "y"
    desc = f"{yname} against {xname}{' (log scales)' if logx and logy else ''}: {series_text(xs, ys)}"
    if mark is not None:
        ym = ys[xs.index(float(mark))]
        desc += f". Marked: {xname} = {num(mark)}, {yname} = {num(ym)}"
    parts = [svg_root(round(width), height, title or f"{yname} against {xname}", desc),
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="white" stroke="#767676"/>']
    if title:
        parts.append(label(width / 2, 15, title))
    for t in yticks:
        parts.append(f'<line x1="{L:.0f}" x2="{L + pw:.0f}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>'
                     + label(L - 4, py(t) + 4, num(t), "end"))
    parts += x_ticks(xs, px, T + ph + 15)
    pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>')
    parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{PALETTE[0]}"/>'
              for x, y in zip(xs, ys)]
    if mark is not None:
        cx, cy = px(mark), py(ym)
        parts.append(f'<circle class="xe-mark" cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="none" stroke="{MARK}" '
                     'stroke-width="2.5"/>')
        text = f"({num(mark)}, {num(ym)})"
        anchor, dx = ("start", 9) if cx + 9 + text_width(text) <= L + pw else ("end", -9)
        dy = -9 if cy - 9 - MIN_FONT_PX >= T else 19
        parts.append(label(cx + dx, cy + dy, text, anchor, font_weight="bold", class_="xe-mark-label",
                           paint_order="stroke", stroke="white", stroke_width=3))  # legible over the line
    parts.append(label(L + pw / 2, height - 5, xlabel) + ylabel_text(13, T + ph / 2, ylabel) + "</svg>")
    return "".join(parts)


def svg_curves(xs, curves: dict, width: int = 260, height: int = 170, ylim=(-1.0, 1.0), xlabel: str = "",
               ylabel: str = "", title: str = "") -> str:
    """Several lines over the same ``xs`` on linear axes as inline SVG (``curves``: label -> ys; NaN
    points are skipped), for autocorrelation curves, which go negative. Each curve has its own colour,
    dash pattern and marker, and is named at its right end, outside the plot (no legend over the data);
    the drawing widens by the labels' room."""
    xs = [float(x) for x in xs]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = ylim
    labels = [str(k) for k in curves]
    L, T, B = 40, 24 if title else 10, 38
    pw, ph = width - L - 10, height - T - B
    key_w = 34 + max((text_width(t) for t in labels), default=0)
    total = max(width + key_w, text_width(title) + 8)

    def px(v):
        return L + (v - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (min(max(v, y0), y1) - y0) / (y1 - y0) * ph

    desc = (f"{ylabel or 'y'} against {xlabel or 'x'}, {plural(len(curves), 'curve')}. "
            + ". ".join(f"{k}: {series_text(xs, [float(y) for y in ys])}" for k, ys in curves.items()))
    parts = [svg_root(round(total), height, title or f"{ylabel or 'y'} against {xlabel or 'x'}", desc),
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="white" stroke="#767676"/>']
    if title:
        parts.append(label(total / 2, 15, title))
    for t in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>'
                     + label(L - 4, py(t) + 4, f"{t:g}", "end"))
    parts += x_ticks(xs, px, T + ph + 15)
    ends, every = [], max(1, math.ceil(len(xs) / 20))
    for k, ys in enumerate(curves.values()):
        color, dash, shape = PALETTE[k % 7], DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
        pts = [(px(x), py(float(y))) for x, y in zip(xs, ys) if math.isfinite(float(y))]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"{dashed}/>')
        parts += [marker(shape, x, y, 3.5, color) for x, y in pts[::every]]
        ends.append((pts[-1][1] if pts else T + ph / 2, color, dash, shape))
    for (_, color, dash, shape), y, text in zip(ends, spread([e[0] for e in ends], 15, T + 6, T + ph),
                                                  labels):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        kx = L + pw + 6
        parts.append(f'<line x1="{kx}" x2="{kx + 22}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" '
                     f'stroke-width="2"{dashed}/>' + marker(shape, kx + 11, y, 3.5, color)
                     + label(kx + 27, y + 4, text, "start", fill=TEXT))
    parts.append(label(L + pw / 2, height - 5, xlabel) + ylabel_text(13, T + ph / 2, ylabel) + "</svg>")
    return "".join(parts)
