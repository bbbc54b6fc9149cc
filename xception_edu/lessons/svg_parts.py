"""The pieces every SVG drawing of the suite is made of: ``svg_root`` (the opening tag, its title and
description), text that fits and is never under 12 px, markers, ticks, numbers written for a reader."""
from __future__ import annotations

import hashlib
import html
import math

from .figures import PALETTE

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
    extra = attributes(**attrs)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
            f'height="{height:g}" style="{style}" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" font-family="sans-serif" font-size="{font_size:g}"{extra}>'
            f'<title id="{uid}-t">{html.escape(str(title))}</title>'
            f'<desc id="{uid}-d">{html.escape(str(desc))}</desc>')


CHAR_EM = 0.62
"""Average width of a sans-serif glyph in ems: the room a label needs, so that nothing is clipped."""
MARKERS = ("circle", "square", "triangle", "diamond")
DASHES = ("", "7 3", "2 3", "9 3 2 3")
TEXT = "#222"
MARK = PALETTE[1]  # the selected point or cell: vermillion, and always a shape and a label as well


def text_width(text, size: float = MIN_FONT_PX) -> float:
    return len(str(text)) * CHAR_EM * size


def num(v: float) -> str:
    """A number as a learner reads it: 12,672 or 0.045 or -0.31."""
    v = float(v)
    if not math.isfinite(v):
        return "n/a"
    return f"{v:,.0f}" if v == round(v) and abs(v) < 1e15 else f"{v:.3g}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def series_text(xs, ys, most: int = 24) -> str:
    """The points of a series as text: all of them when few, else the first, lowest, highest and last."""
    pts = [(x, y) for x, y in zip(xs, ys)]
    if len(pts) <= most:
        return ", ".join(f"{num(x)}: {num(y)}" for x, y in pts)
    finite = [(x, y) for x, y in pts if math.isfinite(y)] or pts
    lo, hi = min(finite, key=lambda p: p[1]), max(finite, key=lambda p: p[1])
    return (f"{num(pts[0][0])}: {num(pts[0][1])}, lowest {num(lo[1])} at {num(lo[0])}, highest "
            f"{num(hi[1])} at {num(hi[0])}, last {num(pts[-1][0])}: {num(pts[-1][1])}")


def attributes(**attrs) -> str:
    """Keyword arguments as SVG attributes: ``font_weight`` -> ``font-weight``, ``class_`` -> ``class``."""
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items())


def label(x, y, text, anchor: str = "middle", **attrs) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{attributes(**attrs)}>'
            f'{html.escape(str(text))}</text>')


def ylabel_text(x, y, text) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" transform="rotate(-90 {x:.1f} {y:.1f})">'
            f'{html.escape(str(text))}</text>')


def marker(kind: str, x: float, y: float, r: float, color: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:g}" fill="{color}"/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:g}" height="{2 * r:g}" fill="{color}"/>'
    corners = ([(0, -1.2), (1.1, 0.8), (-1.1, 0.8)] if kind == "triangle"
               else [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)])
    pts = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in corners)
    return f'<polygon points="{pts}" fill="{color}"/>'


def x_ticks(xs, px, y) -> list[str]:
    """A label under each x, skipping one that would run into the last one drawn."""
    out, right = [], -math.inf
    for x in sorted(set(xs)):
        text = num(x)
        half = text_width(text) / 2
        if px(x) - half >= right + 4:
            out.append(label(px(x), y, text))
            right = px(x) + half
    return out


def nice_log_ticks(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round ticks from at most ``lo`` to at least ``hi``, about ``n`` steps."""
    raw = (hi - lo) / n if hi > lo else 1.0
    step = min(m * 10.0 ** math.floor(math.log10(raw)) for m in (1, 2, 2.5, 5, 10)
                if m * 10.0 ** math.floor(math.log10(raw)) >= raw)
    first = math.floor(lo / step + 1e-9) * step
    return [first + i * step for i in range(int(math.ceil((hi - first) / step - 1e-9)) + 1)]


def spread(ys: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Move label positions apart by at least ``gap``, keeping their order and staying in [lo, hi]."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = [0.0] * len(ys)
    prev = lo - gap
    for i in order:
        out[i] = max(ys[i], prev + gap)
        prev = out[i]
    over = prev - hi
    if over > 0:  # pushed past the bottom: shift the whole stack up
        for i in order:
            out[i] -= over
    return out
