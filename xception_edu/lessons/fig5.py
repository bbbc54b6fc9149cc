"""Fig. 5 of the paper (Sec. 3), drawn from the model: entry flow, middle flow "repeated N times", exit
flow, one box per layer, the shortcuts with their 1x1 convs and the map size between blocks.

    fig5_drawing(middle_repeats, width, num_classes, image_size)  the drawing as data: blocks, boxes, edges
    fig5_svg(drawing, selected)                                   that data as an SVG string (one block lit)
    fig5_picture(drawing, selected)                               the same, to display in a notebook
    fig5_view(middle_repeats, width, image_size, block)            notebook 08's view: a block's counts + SVG
    fig5_app(...)                                                  the widget around ``fig5_view``

The boxes, their order and the shortcuts come from the model's block table (``model.config.blocks()``:
each block's layers and shortcut), the shapes, parameters and multiply-adds from one traced forward pass
of that model (``counting.trace``), so the figure is exact for any configuration. The batch norm that
follows every conv and separable conv (Fig. 5) is not drawn as a box.
"""
from __future__ import annotations

import html

import ipywidgets as W

from .._validate import choice
from .app import App, check_choices, rebuild_in_browser
from .fig5_data import (
    ARCH_IMAGE_SIZES,
    FLOWS,
    MIDDLE_REPEAT_CHOICES,
    WIDTH_MULTIPLIERS,
    DrawnBlock,
    Fig5Drawing,
    fig5_drawing,
    hwc,
)
from .svg import MIN_FONT_PX, Drawing, svg_root

__all__ = ["ARCH_IMAGE_SIZES", "MIDDLE_REPEAT_CHOICES", "WIDTH_MULTIPLIERS", "fig5_app", "fig5_drawing",
           "fig5_picture", "fig5_svg", "fig5_text", "fig5_view", "hwc"]

# --- the SVG --------------------------------------------------------------------------------------------

COLORS = {"conv": "#d9d9d9", "separable": "#d8d0ea", "relu": "#ffffff", "maxpool": "#fdd9a6",
          "gap": "#c7e9e0", "dropout": "#ffffff", "fc": "#c7e9e0"}
BOX_W, BOX_H, GAP, SC_GAP, SC_W = 200, 20, 8, 14, 112
SC_X = BOX_W + SC_GAP
NAME_X = SC_X + SC_W / 2 + 8  # right of the shortcut's line, above its box
FONT = MIN_FONT_PX


def _text(x, y, s, anchor="middle", size=FONT, weight="normal", cls=""):
    c = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}"'
            f'{c}>{html.escape(s)}</text>')


def _arrow(x1, y1, x2, y2):
    return f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" marker-end="url(#xe-arrow)"/>'


def _draw_block(b: DrawnBlock, x0: float, y: float, lit: bool, parts: list, name: str) -> float:
    """Draw one block from height ``y`` down, ``name`` beside it; returns the height below it."""
    cx, top = x0 + BOX_W / 2, y
    shapes = [_arrow(cx, top - 12, cx, top),  # from the map size above
              _text(x0 + NAME_X, top + 13, name, anchor="start", weight="bold", cls="xe-name")]
    for i, box in enumerate(b.boxes):
        shapes.append(f'<rect x="{x0:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="3" '
                      f'fill="{COLORS[box.kind]}" stroke="#555"/>' + _text(cx, y + 15, box.label))
        y += BOX_H
        if i < len(b.boxes) - 1 or b.shortcut:
            shapes.append(_arrow(cx, y, cx, y + GAP))
            y += GAP
    if b.shortcut:  # the shortcut leaves at the block input and joins at the "+"
        join = y + 8
        sx = x0 + SC_X + SC_W / 2
        shapes.append(f'<polyline points="{cx:.0f},{top - 4:.0f} {sx:.0f},{top - 4:.0f} {sx:.0f},'
                      f'{top + 6:.0f}" fill="none"/>')
        if b.shortcut_box:
            sy = (top + join) / 2 - 17
            shapes.append(f'<line x1="{sx:.0f}" y1="{top + 6:.0f}" x2="{sx:.0f}" y2="{sy:.0f}"/>'
                          f'<rect x="{x0 + SC_X:.0f}" y="{sy:.0f}" width="{SC_W}" height="34" rx="3" '
                          f'fill="{COLORS["conv"]}" stroke="#555"/>')
            label = b.shortcut_box.label.split(", stride")
            shapes.append(_text(sx, sy + 14, label[0]))
            shapes.append(_text(sx, sy + 29, "stride" + label[1] if len(label) > 1 else ""))
            shapes.append(f'<line x1="{sx:.0f}" y1="{sy + 34:.0f}" x2="{sx:.0f}" y2="{join:.0f}"/>')
        else:
            shapes.append(f'<line x1="{sx:.0f}" y1="{top + 6:.0f}" x2="{sx:.0f}" y2="{join:.0f}"/>')
        shapes.append(_arrow(sx, join, cx + 9, join))
        shapes.append(f'<circle cx="{cx:.0f}" cy="{join:.0f}" r="8" fill="white" stroke="#555"/>'
                      + _text(cx, join + 4, "+", weight="bold"))
        y = join + 8
    if lit:  # an outline and a tint: the selected block is told apart by shape, not by colour alone
        right = max(SC_X + SC_W, NAME_X + len(name) * 0.62 * FONT) + 6
        parts.append(f'<rect class="xe-selected" x="{x0 - 6:.0f}" y="{top - 8:.0f}" '
                     f'width="{right + 6:.0f}" height="{y - top + 12:.0f}" rx="6" fill="#fee0b6" '
                     'stroke="#b35806" stroke-width="3" stroke-dasharray="8 3"/>')
    parts += shapes
    return y


def _columns(drawing: Fig5Drawing, flows: tuple[str, ...], split: bool) -> list[tuple[str, list]]:
    """(heading, blocks) per column: one column per flow, or, ``split``, a flow's blocks in columns of
    about 4-9 boxes each (entry: stem and block2, then block3 and block4), so that a flow drawn alone
    is wide rather than tall. The middle flow is drawn once: its blocks are identical."""
    out = []
    for flow in flows:
        blocks = drawing.flow(flow)
        heading = f"{flow.capitalize()} flow"
        if flow == "middle":
            out.append((heading, blocks))
        elif split and flow == "entry":
            out += [(heading, blocks[:2]), (f"{heading}, continued", blocks[2:])]
        elif split and flow == "exit":
            out += [(heading, blocks[:1]), (f"{heading}, continued", blocks[1:])]
        else:
            out.append((heading, blocks))
    return out


def _middle_name(blocks: list[DrawnBlock]) -> str:
    first, last = (b.module.rsplit(".", 1)[1] for b in (blocks[0], blocks[-1]))
    return f"{first}–{last[5:]}" if len(blocks) > 1 else first


def fig5_text(drawing: Fig5Drawing, flows: tuple[str, ...] = FLOWS, selected: str | None = None) -> str:
    """The figure in words (its SVG description): each drawn block's layers and map sizes."""
    said = []
    for flow in flows:
        blocks = drawing.flow(flow)
        if flow == "middle":
            if not blocks:
                said.append("Middle flow: no block.")
                continue
            said.append(f"Middle flow, {_plural(len(blocks), 'block')} ({_middle_name(blocks)}), each: "
                        + ", ".join(x.label for x in blocks[0].boxes)
                        + f"; identity shortcut; {hwc(blocks[0].input)} in and out.")
            continue
        for b in blocks:
            shortcut = f"; shortcut {b.shortcut_box.label}" if b.shortcut_box else ""
            said.append(f"{b.name} ({flow} flow): {', '.join(x.label for x in b.boxes)}{shortcut}; "
                        f"{hwc(b.input)} → {hwc(b.output)}.")
    if selected is not None:
        said.append(f"Outlined: {selected}.")
    return " ".join(said)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def fig5_svg(drawing: Fig5Drawing, selected: str | None = None, flows: tuple[str, ...] = FLOWS,
             split: bool = False) -> str:
    """The drawing in Fig. 5's layout: a column per flow (entry, middle, exit), the middle one drawn once
    and marked "Repeated N times", map sizes between the blocks; the block ``selected`` is outlined.
    ``flows`` draws only those flows, ``split`` a flow in two columns (``_columns``)."""
    if selected is not None:
        drawing.block(selected)  # a clear error for an unknown name
    repeats = drawing.config.middle_repeats
    names = [b.name if b.flow != "middle" else _middle_name(drawing.flow("middle")) for b in drawing.blocks]
    col_w = max(SC_X + SC_W + 8, NAME_X + max(len(n) for n in names) * 0.62 * FONT) + 24
    parts, bottoms = [], []
    columns = _columns(drawing, flows, split)
    for col, (heading, blocks) in enumerate(columns):
        flow = heading.split()[0].lower()
        x0, y = 16 + col * col_w, 20
        parts.append(_text(x0 + BOX_W / 2, y, heading, size=14, weight="bold"))
        first = blocks[0].input if blocks else drawing.block("block4").output
        what = "images" if blocks and blocks[0].name == "stem" else "feature maps"
        parts.append(_text(x0 + BOX_W / 2, y + 20, f"{hwc(first)} {what}", cls="xe-map"))
        y += 36
        middle = {m.name for m in drawing.flow("middle")}
        for b in (blocks[:1] if flow == "middle" else blocks):  # the middle blocks are identical
            lit = selected == b.name or (flow == "middle" and selected in middle)
            name = _middle_name(blocks) if flow == "middle" else b.name
            y = _draw_block(b, x0, y + 4, lit, parts, name) + 16
            out = f"{b.output[0]} class scores" if b.name == "head" else hwc(b.output)
            parts.append(_text(x0 + BOX_W / 2, y, out, cls="xe-map"))
            y += 16
        if flow == "middle":
            note = f"Repeated {repeats} times" if repeats else "middle_repeats=0: no middle-flow block"
            parts.append(_text(x0 + BOX_W / 2, y + 6, note, size=13, weight="bold", cls="xe-repeats"))
            if selected in middle:
                k = [m.name for m in drawing.flow("middle")].index(selected) + 1
                parts.append(_text(x0 + BOX_W / 2, y + 24, f"(selected: {selected}, {k} of {repeats})"))
            y += 30
        bottoms.append(y)
    w, h = round(16 + len(columns) * col_w), round(max(bottoms) + 8)
    c = drawing.config
    title = (f"Fig. 5 of Xception with {_plural(repeats, 'middle block')}, width × {c.width:g}, "
             f"at {drawing.input[1]} px" + ("" if flows == FLOWS else f": {' and '.join(flows)} flow"))
    head = (svg_root(w, h, title, fig5_text(drawing, flows, selected), stroke_width=1)
            + '<defs><marker id="xe-arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="6" '
            'markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#555"/></marker></defs>'
            '<g stroke="#555">')
    # stroke on the group draws lines; text must not be stroked
    body = "".join(p.replace("<text ", '<text stroke="none" ') for p in parts)
    return head + body + "</g></svg>"


def fig5_picture(drawing: Fig5Drawing, selected: str | None = None) -> Drawing:
    """``fig5_svg`` as a notebook output: a picture with the figure in words as its text alternative."""
    return Drawing(fig5_svg(drawing, selected))


# --- notebook 08's widget: the figure, one block selected -------------------------------------------------

def _ordinal_note(drawing: Fig5Drawing, b: DrawnBlock) -> str:
    if b.flow != "middle":
        return f"{b.flow} flow"
    names = [m.name for m in drawing.flow("middle")]
    return f"middle flow, {names.index(b.name) + 1} of {len(names)}"


def fig5_view(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299, block: str = "block4",
              num_classes: int = 1000) -> str:
    """HTML for notebook 08's Fig. 5 widget: the selected block's input and output shapes, parameters and
    multiply-adds per image (traced, in spans ``xe-block-params`` and ``xe-block-macs``), the three flows
    in one line, then the selected block's flow drawn with that block outlined: one flow, in two columns,
    fits a laptop's screen (768 px high) with the block in view, where the whole figure does not."""
    choice("middle_repeats", middle_repeats, MIDDLE_REPEAT_CHOICES)
    d = fig5_drawing(middle_repeats, width, num_classes, image_size)
    b = d.block(block)
    total = sum(x.params for x in d.blocks), sum(x.macs for x in d.blocks)
    layers = ", ".join(box.label for box in b.boxes)
    shortcut = (f"shortcut {b.shortcut_box.label} (+ BN)" if b.shortcut_box else
                "identity shortcut" if b.shortcut else "no shortcut")
    return (
        f"<p><b class='xe-block'>{b.name}</b> ({_ordinal_note(d, b)}): "
        f"<span class='xe-block-in'>{hwc(b.input)}</span> → <span class='xe-block-out'>{hwc(b.output)}</span>"
        f" · <span class='xe-block-params'>parameters: {b.params:,}</span> "
        f"({b.params / total[0]:.1%} of {total[0]:,})"
        f" · <span class='xe-block-macs'>multiply-adds: {b.macs:,}</span> per image "
        f"({b.macs / total[1]:.1%})</p>"
        f"<p style='color:#555'>{html.escape(layers)}; {html.escape(shortcut)}. "
        f"Xception with {middle_repeats} middle blocks, width × {width:g}, at {image_size}x{image_size} px; "
        "batch norm after every conv, not drawn.</p>"
        + f"<p class='xe-flows'>{_flows_line(d, b.flow)}</p>"
        + fig5_svg(d, b.name, flows=(b.flow,), split=True)
    )


def _flows_line(d: Fig5Drawing, current: str) -> str:
    """Where the drawn flow sits in the whole network, the drawn one in bold and marked 'drawn below'."""
    said = []
    for flow in FLOWS:
        blocks = [b for b in d.flow(flow) if b.name != "head"]
        names = (_middle_name(blocks) + f" ({_plural(len(blocks), 'block')})" if flow == "middle" and blocks
                 else ", ".join(b.name for b in blocks) or "no block")
        text = f"{flow} flow: {html.escape(names)}"
        said.append(f"<b>{text} (drawn below)</b>" if flow == current else text)
    return " → ".join(said)


def fig5_app(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299,
             block: str = "block4") -> App:
    """Notebook 08's Fig. 5 widget: middle-flow repeats, width, input size and a block selector over the
    current model's blocks (stem, block2 ... block14)."""
    check_choices(middle_repeats=(middle_repeats, MIDDLE_REPEAT_CHOICES), width=(width, WIDTH_MULTIPLIERS),
                  image_size=(image_size, ARCH_IMAGE_SIZES))
    names = fig5_drawing(middle_repeats, width).block_names
    check_choices(block=(block, names))
    controls = {
        "middle_repeats": W.SelectionSlider(options=MIDDLE_REPEAT_CHOICES, value=middle_repeats,
                                            description="middle blocks"),
        "width": W.SelectionSlider(options=WIDTH_MULTIPLIERS, value=width, description="width ×"),
        "image_size": W.SelectionSlider(options=ARCH_IMAGE_SIZES, value=image_size, description="input px"),
        "block": W.SelectionSlider(options=names, value=block, description="block"),
    }
    app: list[App] = []

    def keep_block_valid(_change):
        # Registered before the App's observers, so the view never sees a block the new depth lacks. New
        # options make ipywidgets jump to the first one: set them with redraws held, then keep the block if it
        # still exists, else take the last middle block (block13 when there is none).
        sel = controls["block"]
        options = fig5_drawing(controls["middle_repeats"].value, 1.0).block_names
        if tuple(sel.options) != options:
            middle = options[4:-2]  # after stem, block2-4; before block13, block14
            value = sel.value if sel.value in options else (middle[-1] if middle else "block13")
            with app[0].hold(redraw=False), sel.hold_sync():
                sel.options = options
                sel.value = value
            rebuild_in_browser(sel)

    controls["middle_repeats"].observe(keep_block_valid, names="value")
    app.append(App(controls, fig5_view, title="Fig. 5, drawn from the model"))
    return app[0]
