"""Notebook 08's Fig. 5 widget at every setting of its controls: unique block names, exactly one block
outlined, the one the selector names, every block (the exit flow's included) selectable, and a view
that fits a laptop's screen."""
import re
import xml.etree.ElementTree as ET

import pytest

from xception_edu.lessons import fig5

SVG = "{http://www.w3.org/2000/svg}"


def _svg(view_html: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg\b.*</svg>", view_html, re.S).group(0))


def _outlined_names(root: ET.Element) -> list[str]:
    """The block names drawn inside each outline (the outline is a rect; the name a text in it)."""
    names = [t for t in root.iter(f"{SVG}text") if t.get("class") == "xe-name"]
    out = []
    for r in root.iter(f"{SVG}rect"):
        if r.get("class") != "xe-selected":
            continue
        x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        out += [t.text for t in names if x <= float(t.get("x")) <= x + w and y <= float(t.get("y")) <= y + h]
    return out


@pytest.mark.parametrize("repeats", fig5.MIDDLE_REPEAT_CHOICES)
def test_every_block_at_every_depth_is_named_once_and_outlined_alone(repeats):
    d = fig5.fig5_drawing(repeats)
    names = d.block_names
    assert len(set(names)) == len(names), f"repeated block names at {repeats} middle blocks: {names}"
    assert names[-2:] == ("block13", "block14") and d.block(names[-1]).flow == "exit"
    middle = d.flow("middle")
    for name in names:
        view = fig5.fig5_view(repeats, 1.0, 299, name)
        b = d.block(name)
        assert re.search(r"<b class='xe-block'>(.*?)</b>", view).group(1) == name
        root = _svg(view)
        assert len([r for r in root.iter(f"{SVG}rect") if r.get("class") == "xe-selected"]) == 1
        drawn = fig5._middle_name(middle) if b.flow == "middle" else name
        assert _outlined_names(root) == [drawn], f"{name}: outlined {_outlined_names(root)}"
        assert f"Outlined: {name}." in root.find(f"{SVG}desc").text


@pytest.mark.parametrize("repeats", [0, 8, 9, 16])
def test_the_block_slider_reaches_every_block_and_end_is_the_exit_flow(repeats):
    app = fig5.fig5_app()
    app.set(middle_repeats=repeats)
    slider = app.controls["block"]
    options = tuple(slider.options)
    assert options == fig5.fig5_drawing(repeats).block_names
    for name in options:  # what arrow keys step through
        app.set(block=name)
        assert slider.value == name and f"<b class='xe-block'>{name}</b>" in app.view()
    slider.index = len(options) - 1  # End
    assert slider.value == "block14" and "(exit flow)" in app.view()


@pytest.mark.parametrize("width", [fig5.WIDTH_MULTIPLIERS[0], fig5.WIDTH_MULTIPLIERS[-1]])
@pytest.mark.parametrize("size", [fig5.ARCH_IMAGE_SIZES[0], fig5.ARCH_IMAGE_SIZES[-1]])
def test_width_and_input_size_change_the_numbers_not_the_outline(width, size):
    for name in ("stem", "block5", "block14"):
        view = fig5.fig5_view(16, width, size, name)
        assert _outlined_names(_svg(view)) == [fig5._middle_name(fig5.fig5_drawing(16).flow("middle"))
                                               if name == "block5" else name]


def test_the_widgets_drawing_fits_a_laptop_screen():
    """Drawn at most 600 px tall (a 768 px screen less the browser's and JupyterLab's bars and the
    controls): the selected block's flow only, in two columns; fonts of 12 px or more."""
    for repeats, name in [(16, "stem"), (16, "block4"), (16, "block20"), (16, "block14"), (0, "block13")]:
        root = _svg(fig5.fig5_view(repeats, 1.0, 299, name))
        _, _, w, h = map(float, root.get("viewBox").split())
        assert h <= 600 and w <= 900, f"{name}: {w:.0f} x {h:.0f}"
        assert min(float(t.get("font-size", 12)) for t in root.iter(f"{SVG}text")) >= 12
    full = ET.fromstring(fig5.fig5_svg(fig5.fig5_drawing()))
    assert {t.text for t in full.iter(f"{SVG}text") if t.get("font-weight") == "bold"} >= {
        "Entry flow", "Middle flow", "Exit flow"}


def test_new_block_options_rebuild_the_browsers_slider():
    """The browser's slider keeps the range it was built with (End would stop at the old last block): a
    change of options must make it rebuild (an orientation round trip), and only then."""
    app = fig5.fig5_app()
    slider, moves = app.controls["block"], []
    slider.observe(lambda change: moves.append(change["new"]), names="orientation")
    app.set(width=0.5)  # same blocks
    assert moves == []
    app.set(middle_repeats=16)
    assert moves == ["vertical", "horizontal"] and slider.orientation == "horizontal"
    assert slider.options[-1] == "block14"
