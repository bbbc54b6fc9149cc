"""Pictures for the widgets, drawn as inline SVG (and HTML bars): a widget must redraw in a few
milliseconds, and matplotlib needs about a tenth of a second for even a small figure on a laptop.
Each function returns a string that any notebook front end, GitHub included, draws without a kernel.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import math

import numpy as np

CORR_CMAP = "PuOr_r"  # diverging, -1..1; not red/green/blue, since the channels may BE red, green and blue
MIN_FONT_PX = 12
"""The smallest font any drawing of the suite uses, in px of its viewBox (WCAG: text readable at 100 %)."""


def svg_root(width: float, height: float, title: str, desc: str, font_size: float = MIN_FONT_PX,
             **attrs) -> str:
    """The opening of every SVG the suite draws: the ``<svg>`` tag and its ``<title>`` and ``<desc>``.

    It scales instead of cropping (a viewBox, the width and height being only its largest size) and is
    announced as one image named by ``title`` and described by ``desc``, which the caller computes from
    the data drawn, so the text alternative cannot go stale. The ids that link them are derived from the
    content, not a counter: the same drawing gives the same string (stored notebooks are compared with
    fresh runs), and two different drawings on a page get different ids. Extra ``attrs`` become
    attributes (``_`` in a name becomes ``-``, a trailing one is dropped: ``class_``); a ``style`` is
    added to the scaling style."""
    if font_size < MIN_FONT_PX:
        raise ValueError(f"font_size must be at least {MIN_FONT_PX} px, got {font_size}")
    if not str(title).strip():
        raise ValueError("an SVG needs a title (its accessible name)")
    key = hashlib.sha1(repr((width, height, title, desc, font_size, sorted(attrs.items()))).encode())
    uid = "xe-" + key.hexdigest()[:12]
    style = ";".join(["max-width:100%;height:auto"] + ([attrs.pop("style")] if "style" in attrs else []))
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
            f'height="{height:g}" style="{style}" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" font-family="sans-serif" font-size="{font_size:g}"{extra}>'
            f'<title id="{uid}-t">{html.escape(str(title))}</title>'
            f'<desc id="{uid}-d">{html.escape(str(desc))}</desc>')


def html_bar(value: float, scale: float, color: str, length: int = 360, height: int = 14,
             text: str | None = None) -> str:
    """A horizontal bar ``length * value / scale`` px long (at least 1 px), with ``text`` beside it if
    given: the suite's one way of drawing a quantity next to another in an HTML table or list."""
    bar = (f"<div style='width:{max(1.0, length * value / scale):.0f}px;height:{height}px;"
           f"background:{color}'></div>")
    if text is None:
        return bar
    return (f"<div style='display:flex;align-items:center;margin:2px 0'>{bar}"
            f"<span style='margin-left:6px;font-size:90%'>{text}</span></div>")


def _runs(row) -> list[tuple[int, int, object]]:
    """Consecutive equal values of a row as (start, length, value): one SVG rect per run."""
    runs, start = [], 0
    for j in range(1, len(row) + 1):
        if j == len(row) or row[j] != row[start]:
            runs.append((start, j - start, row[start]))
            start = j
    return runs


def svg_matrix(matrix, size: int = 220, on: str = "#5b3f8c", off: str = "#f3f0f7",
               xlabel: str = "input channel", ylabel: str = "output channel", title: str = "") -> str:
    """A boolean matrix as an inline SVG (rows = outputs, columns = inputs), drawn with one rectangle
    per run of equal cells, so a block-diagonal 48x48 pattern costs a few dozen elements."""
    m = np.asarray(matrix, dtype=bool)
    rows, cols = m.shape
    cw, ch = size / cols, size / rows
    left, top = 18, 18 if title else 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + left + 4}" height="{size + top + 18}" '
             f'font-family="sans-serif" font-size="10">']
    if title:
        parts.append(f'<text x="{left + size / 2}" y="12" text-anchor="middle">{html.escape(title)}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="{off}" stroke="#888"/>')
    for i in range(rows):
        for j0, n, v in _runs(m[i]):
            if v:
                parts.append(f'<rect x="{left + j0 * cw:.2f}" y="{top + i * ch:.2f}" width="{n * cw:.2f}" '
                             f'height="{ch:.2f}" fill="{on}"/>')
    parts.append(f'<text x="{left + size / 2}" y="{top + size + 13}" text-anchor="middle">'
                 f'{html.escape(xlabel)}</text>')
    parts.append(f'<text x="12" y="{top + size / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + size / 2})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_log_ticks(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def svg_plot(xs, ys, mark=None, width: int = 300, height: int = 200, xlabel: str = "", ylabel: str = "",
             title: str = "", logx: bool = True, logy: bool = True) -> str:
    """A line plot with points as inline SVG; ``mark`` (one of ``xs``) is circled in orange.
    Log axes by default, since group counts and parameter counts span orders of magnitude."""
    xs, ys = [float(x) for x in xs], [float(y) for y in ys]
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    yticks = _nice_log_ticks(min(ys), max(ys)) if logy else None
    y0, y1 = (fy(yticks[0]), fy(yticks[-1])) if logy else (0.0, max(ys) * 1.1)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    L, R, T, B = 52, 10, 20, 34
    pw, ph = width - L - R, height - T - B

    def px(v):
        return L + (fx(v) - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (fy(v) - y0) / (y1 - y0) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="10">',
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="white" stroke="#888"/>']
    if title:
        parts.append(f'<text x="{L + pw / 2}" y="13" text-anchor="middle">{html.escape(title)}</text>')
    for t in (yticks or []):
        parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
                     f'<text x="{L - 3}" y="{py(t) + 3:.1f}" text-anchor="end">{t:,.0f}</text>')
    for x in xs:
        parts.append(f'<text x="{px(x):.1f}" y="{T + ph + 12}" text-anchor="middle">{x:g}</text>')
    pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#5b3f8c" stroke-width="1.5"/>')
    parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="#5b3f8c"/>' for x, y in zip(xs, ys)]
    if mark is not None:
        y = ys[xs.index(float(mark))]
        parts.append(f'<circle cx="{px(mark):.1f}" cy="{py(y):.1f}" r="6" fill="none" stroke="#e66101" '
                     'stroke-width="2.5"/>')
    parts.append(f'<text x="{L + pw / 2}" y="{height - 4}" text-anchor="middle">{html.escape(xlabel)}</text>')
    parts.append(f'<text x="10" y="{T + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {T + ph / 2})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
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


def svg_heatmap(array, size: int = 160, cmap: str = CORR_CMAP, vmin: float | None = -1.0,
                vmax: float | None = 1.0, mark: tuple[int, int] | None = None, title: str = "",
                xlabel: str = "", ylabel: str = "") -> str:
    """A 2-D array (a correlation matrix, a feature map) or an (H, W, 3) RGB image as inline SVG: one
    embedded PNG, drawn with sharp pixels at ``size`` px, with the cell ``mark`` = (row, column) outlined
    in orange."""
    a = np.asarray(array, dtype=np.float64)
    rows, cols = a.shape[:2]
    left, top = (16 if ylabel else 2), (16 if title else 2)
    w, h = (size, size * rows / cols) if cols >= rows else (size * cols / rows, size)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w + left + 4:.0f}" '
             f'height="{h + top + (16 if xlabel else 4):.0f}" '
             f'font-family="sans-serif" font-size="10">']
    if title:
        parts.append(f'<text x="{left + w / 2:.1f}" y="12" text-anchor="middle">{html.escape(title)}</text>')
    parts.append(f'<image x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" preserveAspectRatio="none" '
                 f'style="image-rendering:pixelated" href="{png_data_uri(a, cmap, vmin, vmax)}"/>')
    parts.append(f'<rect x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" fill="none" stroke="#888"/>')
    if mark is not None:
        i, j = mark
        cw, ch = w / cols, h / rows
        parts.append(f'<rect class="xe-mark" x="{left + j * cw:.1f}" y="{top + i * ch:.1f}" '
                     f'width="{max(cw, 2):.1f}" '
                     f'height="{max(ch, 2):.1f}" fill="none" stroke="#e66101" stroke-width="2"/>')
    if xlabel:
        parts.append(f'<text x="{left + w / 2:.1f}" y="{top + h + 13:.1f}" text-anchor="middle">'
                     f'{html.escape(xlabel)}</text>')
    if ylabel:
        parts.append(f'<text x="10" y="{top + h / 2:.1f}" text-anchor="middle" '
                     f'transform="rotate(-90 10 {top + h / 2:.1f})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_curves(xs, curves: dict, width: int = 260, height: int = 170, ylim=(-1.0, 1.0), xlabel: str = "",
               ylabel: str = "", title: str = "") -> str:
    """Several lines over the same ``xs`` on linear axes as inline SVG (``curves``: label -> ys; NaN
    points are skipped), with a legend; for autocorrelation curves, which go negative."""
    colors = ("#5b3f8c", "#e66101", "#1b7837", "#999999")
    xs = [float(x) for x in xs]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = ylim
    L, R, T, B = 36, 8, 18, 30
    pw, ph = width - L - R, height - T - B

    def px(v):
        return L + (v - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (min(max(v, y0), y1) - y0) / (y1 - y0) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="10">',
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="white" stroke="#888"/>']
    if title:
        parts.append(f'<text x="{L + pw / 2}" y="12" text-anchor="middle">{html.escape(title)}</text>')
    for t in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
                     f'<text x="{L - 3}" y="{py(t) + 3:.1f}" text-anchor="end">{t:g}</text>')
    for x in xs:
        parts.append(f'<text x="{px(x):.1f}" y="{T + ph + 12}" text-anchor="middle">{x:g}</text>')
    for k, (label, ys) in enumerate(curves.items()):
        pts = " ".join(f"{px(x):.1f},{py(float(y)):.1f}" for x, y in zip(xs, ys) if math.isfinite(float(y)))
        color = colors[k % len(colors)]
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        parts.append(f'<text x="{L + pw - 4}" y="{T + 12 + 12 * k}" text-anchor="end" fill="{color}">'
                     f'{html.escape(str(label))}</text>')
    parts.append(f'<text x="{L + pw / 2}" y="{height - 4}" text-anchor="middle">{html.escape(xlabel)}</text>')
    parts.append(f'<text x="10" y="{T + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {T + ph / 2})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)
