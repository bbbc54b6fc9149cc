"""Fig. 5 of the paper (Sec. 3), drawn from the model: entry flow, middle flow "repeated N times", exit
flow, one box per layer, the shortcuts with their 1x1 convs and the map size between blocks.

    fig5_drawing(middle_repeats, width, num_classes, image_size)  the drawing as data: blocks, boxes, edges
    fig5_svg(drawing, selected)                                   that data as an SVG string (one block lit)
    fig5_view(middle_repeats, width, image_size, block)            notebook 08's view: a block's counts + SVG
    fig5_app(...)                                                  the widget around ``fig5_view``

The boxes, their order and the shortcuts come from the model's block table (``model.config.blocks()``:
each block's layers and shortcut), the shapes, parameters and multiply-adds from one traced forward pass
of that model (``counting.trace``), so the figure is exact for any configuration. The batch norm that
follows every conv and separable conv (Fig. 5) is not drawn as a box.
"""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import ipywidgets as W
import torch

from .. import counting
from .._validate import choice
from ..model import BlockSpec, Layer, Xception, XceptionConfig
from .app import App, check_choices

FLOWS = ("entry", "middle", "exit")

# What notebook 08's two widgets (this one and nb08's size widget) offer.
MIDDLE_REPEAT_CHOICES = tuple(range(0, 17))
WIDTH_MULTIPLIERS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
ARCH_IMAGE_SIZES = (71, 128, 160, 224, 299, 331)


@dataclass(frozen=True)
class Box:
    """One layer of the figure: ``kind`` is 'conv', 'separable', 'relu', 'maxpool', 'gap', 'dropout' or
    'fc'; ``module`` the model's module it stands for; ``output`` the traced shape it produces (C, H, W)."""

    kind: str
    label: str
    module: str
    channels: int | None = None
    kernel: int | None = None
    stride: int = 1
    output: tuple[int, ...] = ()


@dataclass(frozen=True)
class DrawnBlock:
    """One block of Fig. 5: its main path ``boxes`` (in order), its ``shortcut`` ('conv': a 1x1 conv box in
    ``shortcut_box``; 'identity'; or None: no shortcut), a "+" join where there is a shortcut, the shapes
    (C, H, W) entering and leaving, and its parameters and multiply-adds per image (traced)."""

    name: str
    flow: str
    module: str
    boxes: tuple[Box, ...]
    shortcut: str | None
    shortcut_box: Box | None
    input: tuple[int, ...]
    output: tuple[int, ...]
    params: int
    macs: int

    @property
    def layers(self) -> tuple[Box, ...]:
        """Every box of the block, the shortcut conv last."""
        return self.boxes + ((self.shortcut_box,) if self.shortcut_box else ())

    def edges(self) -> list[tuple[str, str]]:
        """Arrows as (from, to) module names; 'in' is the block input and '+' its join."""
        chain = ["in", *(b.module for b in self.boxes)] + (["+"] if self.shortcut else [])
        out = list(zip(chain, chain[1:]))
        if self.shortcut == "conv":
            out += [("in", self.shortcut_box.module), (self.shortcut_box.module, "+")]
        elif self.shortcut == "identity":
            out.append(("in", "+"))
        return out


@dataclass(frozen=True)
class Fig5Drawing:
    config: XceptionConfig           # the model it was drawn from
    input: tuple[int, ...]           # (C, H, W) of the image
    blocks: tuple[DrawnBlock, ...]   # stem, block2 ..., block14, head

    def flow(self, name: str) -> list[DrawnBlock]:
        return [b for b in self.blocks if b.flow == name]

    @property
    def block_names(self) -> tuple[str, ...]:
        """What the block selector offers: stem, block2 ... block14 (the head is not a block of Fig. 5)."""
        return tuple(b.name for b in self.blocks if b.name != "head")

    def block(self, name: str) -> DrawnBlock:
        for b in self.blocks:
            if b.name == name:
                return b
        raise ValueError(f"block={name!r} is not a block of this Xception; valid: "
                         f"{tuple(b.name for b in self.blocks)}")


def _conv_label(c: int, k: int, s: int) -> str:
    return f"Conv {c}, {k}x{k}" + (f", stride={s}x{s}" if s > 1 else "")


def _label(layer: Layer) -> str:
    c, k, s = layer.channels, layer.kernel, layer.stride
    if layer.kind == "conv":
        return _conv_label(c, k, s)
    if layer.kind == "separable":
        return f"SeparableConv {c}, {k}x{k}"
    if layer.kind == "maxpool":
        return f"MaxPooling {k}x{k}, stride={s}x{s}"
    return "ReLU"


def _box(layer: Layer, path: str) -> tuple:
    """One drawn layer as (kind, label, module, channels, kernel, stride)."""
    return layer.kind, _label(layer), f"{path}.{layer.name}", layer.channels, layer.kernel, layer.stride


def _spec_boxes(spec: BlockSpec) -> list[tuple]:
    """The main path of one block, in the order of its layers in the block table (batch norm not drawn)."""
    return [_box(layer, spec.body) for layer in spec.layers if layer.kind != "bn"]


def fig5_drawing(middle_repeats: int = 8, width: float = 1.0, num_classes: int = 1000,
                 image_size: int = 299) -> Fig5Drawing:
    """Fig. 5 of ``Xception(middle_repeats=..., width=..., num_classes=...)`` at ``image_size`` px, as data.

    The model is built on PyTorch's meta device (layers and shapes, no weights) and traced once; an
    impossible configuration raises the model's own error (e.g. middle_repeats < 0, image_size < 71).
    """
    # one cache key per configuration, however the arguments were passed: a widget redraw is then free
    return _drawing(middle_repeats, width, num_classes, image_size)


@functools.lru_cache(maxsize=64)
def _drawing(middle_repeats, width, num_classes, image_size) -> Fig5Drawing:
    with torch.device("meta"):  # no memory for the weights: a 2x-wide model costs nothing
        model = Xception(num_classes=num_classes, middle_repeats=middle_repeats, width=width)
    rows = counting.trace(model, (1, model.config.in_channels, image_size, image_size))
    modules = dict(model.named_modules())

    def within(name):
        return [r for r in rows.values() if r.name.startswith(name + ".")]

    def drawn(name, flow, module, boxes, shortcut=None, shortcut_box=None):
        return DrawnBlock(name, flow, module, tuple(Box(*b, rows[b[2]].output) for b in boxes), shortcut,
                          shortcut_box and Box(*shortcut_box, rows[shortcut_box[2]].output),
                          rows[module].input, rows[module].output,
                          counting.count_params(modules[module]), counting.macs_of(within(module)))

    blocks = []
    for spec in model.config.blocks():
        sc_box = next((_box(layer, f"{spec.module}.shortcut") for layer in spec.shortcut_layers
                       if layer.kind == "conv"), None)
        blocks.append(drawn(spec.name, spec.flow, spec.module, _spec_boxes(spec), spec.shortcut, sc_box))
    p = model.head.dropout.p
    blocks.append(drawn("head", "exit", "head", [
        ("gap", "GlobalAveragePooling", "head.pool", None, None, 1),
        ("dropout", f"Dropout {p:g}", "head.dropout", None, None, 1),
        ("fc", f"Fully-connected, {num_classes} classes", "head.fc", num_classes, None, 1)]))
    return Fig5Drawing(model.config, (model.config.in_channels, image_size, image_size), tuple(blocks))


# --- the SVG --------------------------------------------------------------------------------------------

def hwc(shape) -> str:
    """(C, H, W) written as the paper writes map sizes: HxWxC (a vector: its length)."""
    c, *hw = shape
    return "x".join(map(str, (*hw, c))) if hw else f"{c}-dimensional vector"


COLORS = {"conv": "#d9d9d9", "separable": "#d8d0ea", "relu": "#ffffff", "maxpool": "#fdd9a6",
          "gap": "#c7e9e0", "dropout": "#ffffff", "fc": "#c7e9e0"}
COL_W, BOX_W, BOX_H, GAP, SC_X, SC_W = 290, 168, 18, 8, 184, 90


def _text(x, y, s, anchor="middle", size=10, weight="normal", cls=""):
    c = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}"'
            f'{c}>{html.escape(s)}</text>')


def _arrow(x1, y1, x2, y2):
    return f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" marker-end="url(#xe-arrow)"/>'


def _draw_block(b: DrawnBlock, x0: float, y: float, lit: bool, parts: list, name: str) -> float:
    """Draw one block from height ``y`` down, ``name`` beside it; returns the height below it."""
    cx, top = x0 + BOX_W / 2, y
    shapes = [_arrow(cx, top - 12, cx, top),  # from the map size above
              _text(x0 + SC_X + SC_W / 2 + 5, top + 12, name, anchor="start", size=9, cls="xe-name")]
    for i, box in enumerate(b.boxes):
        shapes.append(f'<rect x="{x0:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="3" '
                      f'fill="{COLORS[box.kind]}" stroke="#555"/>' + _text(cx, y + 13, box.label))
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
            sy = (top + join) / 2 - 14
            shapes.append(f'<line x1="{sx:.0f}" y1="{top + 6:.0f}" x2="{sx:.0f}" y2="{sy:.0f}"/>'
                          f'<rect x="{x0 + SC_X:.0f}" y="{sy:.0f}" width="{SC_W}" height="28" rx="3" '
                          f'fill="{COLORS["conv"]}" stroke="#555"/>')
            label = b.shortcut_box.label.split(", stride")
            shapes.append(_text(sx, sy + 12, label[0], size=9))
            shapes.append(_text(sx, sy + 24, "stride" + label[1] if len(label) > 1 else "", size=9))
            shapes.append(f'<line x1="{sx:.0f}" y1="{sy + 28:.0f}" x2="{sx:.0f}" y2="{join:.0f}"/>')
        else:
            shapes.append(f'<line x1="{sx:.0f}" y1="{top + 6:.0f}" x2="{sx:.0f}" y2="{join:.0f}"/>')
        shapes.append(_arrow(sx, join, cx + 9, join))
        shapes.append(f'<circle cx="{cx:.0f}" cy="{join:.0f}" r="8" fill="white" stroke="#555"/>'
                      + _text(cx, join + 4, "+", size=12, weight="bold"))
        y = join + 8
    if lit:
        parts.append(f'<rect class="xe-selected" x="{x0 - 6:.0f}" y="{top - 8:.0f}" '
                     f'width="{SC_X + SC_W + 12}" height="{y - top + 12:.0f}" rx="6" fill="#fee0b6" '
                     'stroke="#e66101" stroke-width="2"/>')
    parts += shapes
    return y


def fig5_svg(drawing: Fig5Drawing, selected: str | None = None) -> str:
    """The drawing in Fig. 5's layout: three columns (entry, middle, exit flow), the middle one drawn once
    and marked "Repeated N times", map sizes between the blocks; the block ``selected`` is outlined."""
    if selected is not None:
        drawing.block(selected)  # a clear error for an unknown name
    repeats = drawing.config.middle_repeats
    parts, bottoms = [], []
    for col, flow in enumerate(FLOWS):
        x0, y = 16 + col * COL_W, 20
        parts.append(_text(x0 + BOX_W / 2, y, f"{flow.capitalize()} flow", size=13, weight="bold"))
        blocks = drawing.flow(flow)
        first = blocks[0].input if blocks else drawing.block("block4").output
        what = "images" if flow == "entry" else "feature maps"
        parts.append(_text(x0 + BOX_W / 2, y + 20, f"{hwc(first)} {what}", size=10, cls="xe-map"))
        y += 36
        middle_block = blocks[:1] if flow == "middle" else blocks  # the middle blocks are identical
        for b in middle_block:
            lit = selected == b.name or (flow == "middle" and selected in {m.name for m in blocks})
            name = f"{b.name}–{blocks[-1].name[5:]}" if flow == "middle" and repeats > 1 else b.name
            y = _draw_block(b, x0, y + 4, lit, parts, name) + 14
            out = f"{b.output[0]} class scores" if b.name == "head" else hwc(b.output)
            parts.append(_text(x0 + BOX_W / 2, y, out, size=10, cls="xe-map"))
            y += 16
        if flow == "middle":
            note = f"Repeated {repeats} times" if repeats else "middle_repeats=0: no middle-flow block"
            parts.append(_text(x0 + BOX_W / 2, y + 6, note, size=11, weight="bold", cls="xe-repeats"))
            if selected in {m.name for m in blocks}:
                k = [m.name for m in blocks].index(selected) + 1
                parts.append(_text(x0 + BOX_W / 2, y + 22, f"(selected: {selected}, {k} of {repeats})"))
            y += 28
        bottoms.append(y)
    w, h = 16 + 3 * COL_W, max(bottoms) + 8
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h:.0f}" viewBox="0 0 {w} {h:.0f}" '
            'font-family="sans-serif" stroke-width="1">'
            '<defs><marker id="xe-arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="6" '
            'markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#555"/></marker></defs>'
            '<g stroke="#555">')
    # stroke on the group draws lines; text must not be stroked
    body = "".join(p.replace("<text ", '<text stroke="none" ') for p in parts)
    return head + body + "</g></svg>"


# --- notebook 08's widget: the figure, one block selected -------------------------------------------------

def _ordinal_note(drawing: Fig5Drawing, b: DrawnBlock) -> str:
    if b.flow != "middle":
        return f"{b.flow} flow"
    names = [m.name for m in drawing.flow("middle")]
    return f"middle flow, {names.index(b.name) + 1} of {len(names)}"


def fig5_view(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299, block: str = "block4",
              num_classes: int = 1000) -> str:
    """HTML for notebook 08's Fig. 5 widget: the selected block's input and output shapes, parameters and
    multiply-adds per image (traced, in spans ``xe-block-params`` and ``xe-block-macs``), then the figure
    with that block outlined."""
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
        + fig5_svg(d, b.name)
    )


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

    controls["middle_repeats"].observe(keep_block_valid, names="value")
    app.append(App(controls, fig5_view, title="Fig. 5, drawn from the model"))
    return app[0]
