"""One visual grammar for the operators of Figs 1-5: a block drawn as its input on top, then its stages
top to bottom, and its output below. A stage is one column of steps (a 1x1 conv on all channels, drawn
full width) or several columns side by side (the towers of Figs 1-2, the channel segments of Fig. 3, the
one-per-channel filters of Fig. 4 and of the depthwise step). Each step is a box whose label names the
operator, so the colour only repeats the label; ``describe_stages`` says the same picture in words.
"""
from __future__ import annotations

import textwrap

from .wording import plural

# 1x1 convs work across channels only, kxk convs (also) in space: the colour repeats what the label says.
STEP_COLORS = {"1x1": "#b2abd2", "kxk": "#fdb863", "pool": "#d9d9d9", "flow": "#d9f0d3"}
FONT_PT = 10
MAX_COLUMNS = 8
"""A stage of more columns is drawn as its first ones, an ellipsis and its last (the text says them all)."""

_W, _H = 0.86, 0.62  # a column's box, in units of the column spacing


def _check_stages(stages) -> None:
    if not stages or any(not stage or any(not col for col in stage) for stage in stages):
        raise ValueError(f"stages must be a non-empty list of non-empty lists of non-empty step lists, got "
                         f"{stages!r}")
    for stage in stages:
        for col in stage:
            for kind, _ in col:
                if kind not in STEP_COLORS:
                    raise ValueError(f"step kind {kind!r} is not one of {sorted(STEP_COLORS)}")
    for a, b in zip(stages[:-1], stages[1:]):
        if len(a) != len(b) and 1 not in (len(a), len(b)):
            raise ValueError(f"a stage of {len(a)} columns cannot feed one of {len(b)}: columns pair one to "
                             "one, or fan out from / into a single column")


def _shown(n: int, max_columns: int) -> list[int | None]:
    """The column indices drawn for a stage of ``n`` columns; None marks the ellipsis."""
    if n <= max_columns:
        return list(range(n))
    return list(range(max_columns - 2)) + [None, n - 1]


def drawn_width(stages, max_columns: int = MAX_COLUMNS) -> int:
    """How many columns wide ``draw_stages`` draws ``stages``: its widest stage, an ellipsis as one."""
    return max(len(_shown(len(stage), max_columns)) for stage in stages)


def draw_stages(ax, stages, top: str, bottom: str, wrap: int = 14, captions=None,
                max_columns: int = MAX_COLUMNS) -> None:
    """Draw one block on ``ax``: the box ``top``, the ``stages`` (each a list of columns, each column a
    list of ``(kind, label)`` steps, top to bottom) with arrows, and the box ``bottom`` that they feed.
    ``captions``, one per column of the widest stage, are written under the bottom box."""
    from matplotlib.patches import FancyBboxPatch

    _check_stages(stages)
    shown = [_shown(len(stage), max_columns) for stage in stages]
    span = max(len(s) for s in shown) - 1
    wide = max(_W, span * 0.8 + _W * 0.6)

    def box(x, y, text, color, width):
        ax.add_patch(FancyBboxPatch((x - width / 2, y - _H / 2), width, _H, boxstyle="round,pad=0.03",
                                    fc=color, ec="#333", lw=0.8))
        ax.text(x, y, textwrap.fill(text, int(wrap * width / _W)), ha="center", va="center", fontsize=FONT_PT)

    def arrow(a, b):  # a, b: (x, y, width); a fan leaves/enters a wide box half way to the narrow one's x
        xa = a[0] + (b[0] - a[0]) * 0.5 if a[2] > b[2] else a[0]
        xb = b[0] + (a[0] - b[0]) * 0.5 if b[2] > a[2] else b[0]
        ax.annotate("", xy=(xb, b[1] + _H / 2), xytext=(xa, a[1] - _H / 2),
                    arrowprops=dict(arrowstyle="->", color="#555", lw=0.8))

    y = sum(max(len(col) for col in stage) + 1 for stage in stages)
    box(span / 2, y, top, "white", wide)
    above = [(span / 2, y, wide)]
    for stage, cols in zip(stages, shown):
        depth = max(len(col) for col in stage) + 1
        n = len(cols)
        firsts, lasts = [], []
        for i, c in enumerate(cols):
            x = span / 2 + (i - (n - 1) / 2)
            if c is None:
                ax.text(x, y - depth / 2, "…", ha="center", va="center", fontsize=FONT_PT + 6)
                continue
            col = stage[c]
            width = wide if n == 1 and span > 0 else _W
            nodes = [(x, y - (j + 1) * depth / (len(col) + 1), width) for j in range(len(col))]
            for (kind, label), node in zip(col, nodes):
                box(node[0], node[1], label, STEP_COLORS[kind], width)
            for a, b in zip(nodes[:-1], nodes[1:]):
                arrow(a, b)
            firsts.append(nodes[0])
            lasts.append(nodes[-1])
        pairs = zip(above, firsts) if len(above) == len(firsts) else \
            [(a, b) for a in above for b in firsts]
        for a, b in pairs:
            arrow(a, b)
        above, y = lasts, y - depth
    box(span / 2, y, bottom, "white", wide)
    for a in above:
        arrow(a, (span / 2, y, wide))
    if captions:
        widest = max(range(len(stages)), key=lambda s: len(shown[s]))
        for i, c in enumerate(shown[widest]):
            if c is not None:
                ax.text(span / 2 + (i - span / 2), y - 0.45, captions[c], ha="center", va="top",
                        fontsize=FONT_PT)
    ax.set_xlim(-0.55, span + 0.55)
    ax.set_ylim(y - (1.3 if captions else 0.5), y + sum(max(len(c) for c in s) + 1 for s in stages) + 0.5)
    ax.axis("off")


def describe_stages(stages, top: str, bottom: str, captions=None, name: str = "column") -> str:
    """The text alternative of ``draw_stages``'s picture, from the same data: what it draws, in words
    (every column, even those the drawing elides). ``name`` is what a column is (tower, segment, channel)."""
    _check_stages(stages)
    parts = [top]
    for stage in stages:
        paths = [" -> ".join(label for _, label in col) for col in stage]
        if captions and len(captions) == len(stage):
            paths = [f"{p} ({c})" for p, c in zip(paths, [c.replace("\n", ", ") for c in captions])]
        if len(stage) == 1:
            parts.append(paths[0])
        else:
            listed = paths if len(paths) <= 6 else paths[:3] + [f"... {len(paths) - 4} more alike ...",
                                                                 paths[-1]]
            parts.append(f"{plural(len(stage), name)} in parallel: " + "; ".join(listed))
    return ", then ".join(parts + [bottom])

