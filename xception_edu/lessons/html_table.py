"""A widget view's data table that stays readable in a narrow output area (WCAG 1.4.10, reflow).

``stacking_table`` writes a real ``<table>``: a ``<caption>``, column heads ``<th scope="col">``, each
row's first cell its head ``<th scope="row">``, so a screen reader names every number by its row and
column. Where the table's box is narrower than ``stack_below`` px (a CSS container query, so it follows
the output area, not the window), each row becomes a stack of lines, every number after its column's
name; the column heads go out of sight but stay in the table for a screen reader.
"""
from __future__ import annotations

import html
from collections.abc import Sequence

_VISUALLY_HIDDEN = ("position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);"
                    "white-space:nowrap")


def _stack_css(cls: str, below: int) -> str:
    t = f".{cls}"
    return ("<style>"
            f"@container (max-width: {below - 0.5}px) {{"
            f"{t} th[scope=col]{{{_VISUALLY_HIDDEN}}}"
            f"{t},{t} caption,{t} tbody,{t} tr,{t} th[scope=row]{{display:block;text-align:left}}"
            f"{t} tr{{padding:4px 0;border-top:1px solid #bbb}}"
            f"{t} td{{display:flex;align-items:center;gap:6px;text-align:left !important;padding:1px 4px}}"
            # the column's name before each number, shown only: a screen reader has the column head
            f"{t} td::before{{content:attr(data-head) ': ' / '';font-weight:bold}}"
            "}</style>")


def stacking_table(head: Sequence[str], rows: Sequence[Sequence[str]], caption: str, stack_below: int,
                   right: Sequence[int] = (), marked: int | None = None) -> str:
    """``head``: the column names (plain text); ``rows``: each row's cells as HTML, the first one the row's
    name; ``caption``: what the table shows (HTML; it names the ``marked`` row, which is drawn bold on a
    tint); ``stack_below``: the box width in px under which rows stack (wider than the table's widest
    content); ``right``: indices of columns aligned right (numbers).
    Returns the table in a box that takes at least ``stack_below`` px where it has them (as a flex item
    too) and the whole width where it has not."""
    if stack_below <= 0:
        raise ValueError(f"stack_below={stack_below!r}: a width in px, above 0")
    width = len(head)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} cells under {width} column heads: {row!r}")
    if marked is not None and not 0 <= marked < len(rows):
        raise ValueError(f"marked={marked!r}: a row index from 0 to {len(rows) - 1}, or None")
    cls = f"xe-stack-{stack_below}"
    heads = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    align = lambda j: " style='text-align:right'" if j in right else ""  # noqa: E731
    tr = lambda i: "<tr style='font-weight:bold;background:#f3f0f7'>" if i == marked else "<tr>"  # noqa: E731
    body = "".join(
        f"{tr(i)}<th scope='row' style='text-align:left'>{row[0]}</th>"
        + "".join(f"<td data-head='{html.escape(head[j], quote=True)}'{align(j)}>{cell}</td>"
                  for j, cell in enumerate(row) if j)
        + "</tr>" for i, row in enumerate(rows))
    return (f"<div style='container-type:inline-size;flex:1 1 {stack_below}px;max-width:100%'>"
            f"{_stack_css(cls, stack_below)}<table class='{cls}'><caption>{caption}</caption>"
            f"<thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table></div>")
