"""Arrays drawn cell by cell as inline SVG: a boolean matrix (who feeds whom) as one rectangle per run of
cells, and a 2-D array or an RGB image as a heatmap, one embedded PNG pixel per entry. Each drawing's
description says, computed from the array, its size, what is on or the range of values, and the colours."""
from __future__ import annotations

import base64
import io
import math

import numpy as np

from .svg_parts import MARK, label, num, plural, svg_root, text_width, ylabel_text

CORR_CMAP = "PuOr_r"  # diverging, -1..1; not red/green/blue, since the channels may BE red, green and blue


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
