"""Pictures for the widgets, drawn as inline SVG (and HTML bars): a widget must redraw in a few
milliseconds, and matplotlib needs about a tenth of a second for even a small figure on a laptop.
Each function returns a string that any notebook front end, GitHub included, draws without a kernel.

Every drawing opens with ``svg_root``: it scales to its container, and its title and description,
computed here from the data drawn, are what a screen reader announces. Text is 12 px or more, series
differ by dash pattern and marker as well as colour (``figures.PALETTE``), and labels sit outside the
data.
"""
from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass

import numpy as np

from .figures import PALETTE
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
from .svg_parts import MIN_FONT_PX as MIN_FONT_PX  # the suite's drawings use svg.*
from .svg_parts import svg_root as svg_root

CORR_CMAP = "PuOr_r"  # diverging, -1..1; not red/green/blue, since the channels may BE red, green and blue


SVG_ELEMENT = re.compile(r"<svg\b.*?</svg>", re.S)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)
_DESC = re.compile(r"<desc\b[^>]*>(.*?)</desc>", re.S)
_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"')


def svg_text(svg: str) -> str:
    """What an SVG of the suite says: its title and description, joined."""
    said = [html.unescape(m.group(1)).strip() for m in (_TITLE.search(svg), _DESC.search(svg)) if m]
    return ": ".join(t for t in said if t)


def svg_as_img(svg: str) -> str:
    """An inline SVG as an ``<img>`` of the same drawing, its alt text the SVG's title and description:
    a picture that HTML sanitizers keep."""
    alt = svg_text(svg) or "a drawing"
    width = _WIDTH.search(svg)
    size = f' width="{width.group(1)}"' if width else ""
    data = base64.b64encode(svg.encode()).decode()
    return (f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt, quote=True)}"{size} '
            'style="max-width:100%;height:auto"/>')


@dataclass(frozen=True)
class Drawing:
    """An SVG drawing to display as a notebook output: as an ``<img>`` with its title and description for
    alt text (HTML, which JupyterLab renders in trusted and untrusted notebooks alike, where it strips an
    inline SVG and refuses an untrusted image/svg+xml), the SVG itself, and its text as plain text."""

    svg: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": svg_as_img(self.svg), "image/svg+xml": self.svg,
                "text/plain": svg_text(self.svg)}


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


def _runs(row) -> list[tuple[int, int, object]]:
    """Consecutive equal values of a row as (start, length, value): one SVG rect per run."""
    runs, start = [], 0
    for j in range(1, len(row) + 1):
        if j == len(row) or row[j] != row[start]:
            runs.append((start, j - start, row[start]))
            start = j
    return runs


def matrix_text(m, xlabel: str, ylabel: str) -> str:
    """What a boolean matrix shows, in words: its size, how many cells are on, and how many inputs feed
    each output when that number is the same for every row."""
    rows, cols = m.shape
    per_row = sorted(set(m.sum(axis=1).tolist()))
    feeds = (f"; each {ylabel} is fed by {plural(per_row[0], xlabel)}" if len(per_row) == 1
             else f"; an {ylabel} is fed by {per_row[0]} to {per_row[-1]} {xlabel}s")
    return (f"{plural(rows, ylabel)} by {plural(cols, xlabel)}, {int(m.sum())} of {rows * cols} connected"
            + feeds)


def svg_matrix(matrix, size: int = 220, on: str = "#3b2566", off: str = "#f3f0f7",
               xlabel: str = "input channel", ylabel: str = "output channel", title: str = "") -> str:
    """A boolean matrix as an inline SVG (rows = outputs, columns = inputs), drawn with one rectangle
    per run of equal cells, so a block-diagonal 48x48 pattern costs a few dozen elements. Edges are
    snapped to pixels (crispEdges), so neighbouring rows meet without a hairline seam."""
    m = np.asarray(matrix, dtype=bool)
    rows, cols = m.shape
    cw, ch = size / cols, size / rows
    left, top = 20, 22 if title else 4
    width = max(size + left + 4, text_width(title) + 8)
    name = title or f"{ylabel} by {xlabel} matrix"
    parts = [svg_root(round(width), size + top + 20, name, matrix_text(m, xlabel, ylabel))]
    if title:
        parts.append(label(width / 2, 15, title))
    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="{off}" stroke="#767676"/>'
                 f'<g shape-rendering="crispEdges">')
    for i in range(rows):
        for j0, n, v in _runs(m[i]):
            if v:
                parts.append(f'<rect x="{left + j0 * cw:.2f}" y="{top + i * ch:.2f}" width="{n * cw:.2f}" '
                             f'height="{ch:.2f}" fill="{on}"/>')
    parts.append("</g>" + label(left + size / 2, top + size + 15, xlabel)
                 + ylabel_text(13, top + size / 2, ylabel) + "</svg>")
    return "".join(parts)


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


def png_data_uri(array, cmap: str = "gray", vmin: float | None = None, vmax: float | None = None) -> str:
    """A 2-D array as a ``data:image/png;base64,...`` URI, one PNG pixel per entry (NaN drawn light grey):
    an image any front end shows without a kernel, encoded in about a millisecond. An (H, W, 3) array is
    drawn as an RGB image (``cmap`` unused), scaled from [vmin, vmax]."""
    import matplotlib
    from PIL import Image

    a = np.asarray(array, dtype=np.float64)
    rgb = a.ndim == 3 and a.shape[-1] == 3
    if a.ndim != 2 and not rgb:
        raise ValueError(f"png_data_uri draws a 2-D array or an (H, W, 3) RGB image, got shape {a.shape}")
    finite = a[np.isfinite(a)]
    lo = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    hi = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    scaled = np.clip(np.nan_to_num((a - lo) / (hi - lo) if hi > lo else np.full_like(a, 0.5), nan=0.5), 0, 1)
    if rgb:
        rgba = np.round(scaled * 255).astype(np.uint8)
    else:
        rgba = matplotlib.colormaps[cmap](scaled, bytes=True)
        rgba[~np.isfinite(a)] = (220, 220, 220, 255)
    buf = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


_CMAP_WORDS = {CORR_CMAP: ("purple", "brown"), "gray": ("black", "white")}


def heatmap_text(a, cmap: str = CORR_CMAP, vmin: float | None = -1.0, vmax: float | None = 1.0,
                 mark: tuple[int, int] | None = None) -> str:
    """What a heatmap shows, in words: its size, the range of its values and how colour encodes them,
    and the marked cell's value."""
    rows, cols = a.shape[:2]
    if a.ndim == 3:
        return f"a {rows} x {cols} pixel colour image"
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)
    low, high = _CMAP_WORDS.get(cmap, ("low colour", "high colour"))
    scale = (f"{low} = {num(vmin if vmin is not None else lo)}, "
             f"{high} = {num(vmax if vmax is not None else hi)}")
    text = f"a {rows} x {cols} map, values from {num(lo)} to {num(hi)} ({scale})"
    if mark is not None:
        text += f"; outlined: row {mark[0]}, column {mark[1]} = {num(a[mark])}"
    return text


def svg_heatmap(array, size: int = 160, cmap: str = CORR_CMAP, vmin: float | None = -1.0,
                vmax: float | None = 1.0, mark: tuple[int, int] | None = None, title: str = "",
                xlabel: str = "", ylabel: str = "") -> str:
    """A 2-D array (a correlation matrix, a feature map) or an (H, W, 3) RGB image as inline SVG: one
    embedded PNG, drawn with sharp pixels at ``size`` px, with the cell ``mark`` = (row, column) outlined
    (vermillion outside, white inside, so it shows on any colour)."""
    a = np.asarray(array, dtype=np.float64)
    rows, cols = a.shape[:2]
    w, h = (size, size * rows / cols) if cols >= rows else (size * cols / rows, size)
    left, top = (18 if ylabel else 2), (22 if title else 2)
    width = max(w + left + 4, text_width(title) + 8)
    name = title or "heatmap"
    parts = [svg_root(round(width), round(h + top + (20 if xlabel else 4)), name,
                      heatmap_text(a, cmap, vmin, vmax, mark))]
    if title:
        parts.append(label(width / 2, 15, title))
    parts.append(f'<image x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" preserveAspectRatio="none" '
                 f'style="image-rendering:pixelated" href="{png_data_uri(a, cmap, vmin, vmax)}"/>')
    parts.append(f'<rect x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" fill="none" '
                 'stroke="#767676"/>')
    if mark is not None:
        i, j = mark
        cw, ch = max(w / cols, 3), max(h / rows, 3)
        x, y = left + j * (w / cols), top + i * (h / rows)
        parts.append(f'<rect class="xe-mark" x="{x:.1f}" y="{y:.1f}" width="{cw:.1f}" height="{ch:.1f}" '
                     f'fill="none" stroke="{MARK}" stroke-width="2"/>'
                     f'<rect x="{x + 1.5:.1f}" y="{y + 1.5:.1f}" width="{max(cw - 3, 0.5):.1f}" '
                     f'height="{max(ch - 3, 0.5):.1f}" fill="none" stroke="white" stroke-width="1"/>')
    if xlabel:
        parts.append(label(left + w / 2, top + h + 15, xlabel))
    if ylabel:
        parts.append(ylabel_text(12, top + h / 2, ylabel))
    parts.append("</svg>")
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
