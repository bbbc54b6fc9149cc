"""One visual grammar for the operators of Figs 1-5: a block drawn as its input on top, one column of steps
per tower (Figs 1-2) or a single column (Figs 3-4, the separable conv of Sec. 1.2, the flows of Fig. 5), and
its output below. Each step is a box whose label names the operator, so the colour only repeats the label.
"""
from __future__ import annotations

import textwrap

# 1x1 convs work across channels only, kxk convs (also) in space: the colour repeats what the label says.
STEP_COLORS = {"1x1": "#b2abd2", "kxk": "#fdb863", "pool": "#d9d9d9", "flow": "#d9f0d3"}
FONT_PT = 10


def _check_columns(columns) -> None:
    if not columns or any(not col for col in columns):
        raise ValueError(f"columns must be a non-empty list of non-empty step lists, got {columns!r}")
    for col in columns:
        for kind, _ in col:
            if kind not in STEP_COLORS:
                raise ValueError(f"step kind {kind!r} is not one of {sorted(STEP_COLORS)}")


def draw_block(ax, columns, top: str, bottom: str, wrap: int = 14) -> None:
    """Draw one block on ``ax``: the box ``top``, the ``columns`` (each a list of ``(kind, label)``
    steps, top to bottom) side by side with arrows, and the box ``bottom`` that they feed."""
    from matplotlib.patches import FancyBboxPatch

    _check_columns(columns)
    n, depth = len(columns), max(len(col) for col in columns)
    w, h = 0.86, 0.62
    y_top, y_bottom = depth + 1.0, 0.0
    span = n - 1

    def box(x, y, text, color, width=w):
        ax.add_patch(FancyBboxPatch((x - width / 2, y - h / 2), width, h, boxstyle="round,pad=0.03",
                                    fc=color, ec="#333", lw=0.8))
        ax.text(x, y, textwrap.fill(text, wrap), ha="center", va="center", fontsize=FONT_PT)

    end_width = max(w, span * 0.8 + w * 0.6)
    box(span / 2, y_top, top, "white", end_width)
    box(span / 2, y_bottom, bottom, "white", end_width)
    for i, col in enumerate(columns):
        ys = [y_top - (j + 1) * (y_top - y_bottom) / (len(col) + 1) for j in range(len(col))]
        pts = [y_top] + ys + [y_bottom]
        for y0, y1 in zip(pts[:-1], pts[1:]):
            x0 = i if y0 != y_top else span / 2 + (i - span / 2) * 0.5
            x1 = i if y1 != y_bottom else span / 2 + (i - span / 2) * 0.5
            ax.annotate("", xy=(x1, y1 + h / 2), xytext=(x0, y0 - h / 2),
                        arrowprops=dict(arrowstyle="->", color="#555", lw=0.8))
        for (kind, label), y in zip(col, ys):
            box(i, y, label, STEP_COLORS[kind])
    ax.set_xlim(-0.55, span + 0.55)
    ax.set_ylim(y_bottom - 0.5, y_top + 0.5)
    ax.axis("off")


def describe_block(columns, top: str, bottom: str) -> str:
    """The text alternative of ``draw_block``'s picture, from the same data: what it draws, in words."""
    _check_columns(columns)
    paths = ["; ".join(" -> ".join(label for _, label in col) for col in columns)]
    towers = f"{len(columns)} towers in parallel: " if len(columns) > 1 else ""
    return f"{top}, then {towers}{paths[0]}, then {bottom}"
