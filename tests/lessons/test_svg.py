"""The suite's SVG drawings: each opens with svg_root (scales, named, described from its data), no font
under 12 px, and no colour-only cue."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from xception_edu.lessons import svg as xe_svg
from xception_edu.lessons import svg_parts

NS = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def _title_desc(root: ET.Element) -> tuple[str, str]:
    ids = root.get("aria-labelledby").split()
    by_id = {e.get("id"): (e.text or "") for e in root.iter() if e.get("id")}
    assert len(ids) == 2 and all(i in by_id for i in ids), "aria-labelledby must point at the title and desc"
    assert root.find(f"{NS}title").get("id") == ids[0] and root.find(f"{NS}desc").get("id") == ids[1]
    return by_id[ids[0]], by_id[ids[1]]


def _fonts(root: ET.Element) -> list[float]:
    return [float(e.get("font-size")) for e in root.iter() if e.get("font-size") is not None]


def test_svg_root_scales_is_named_and_described():
    text = xe_svg.svg_root(300, 150, title="T & co", desc="what it shows") + "</svg>"
    root = _parse(text)
    assert root.get("viewBox") == "0 0 300 150"
    assert "max-width:100%" in root.get("style") and root.get("role") == "img"
    assert _title_desc(root) == ("T & co", "what it shows")
    assert min(_fonts(root)) >= xe_svg.MIN_FONT_PX


def test_svg_root_ids_follow_the_content_and_are_stable():
    a = xe_svg.svg_root(10, 10, "a", "one")
    assert a == xe_svg.svg_root(10, 10, "a", "one")  # stored notebooks are compared with fresh runs
    ids = {re.search(r'aria-labelledby="([^"]+)"', s).group(1)
           for s in (a, xe_svg.svg_root(10, 10, "a", "two"), xe_svg.svg_root(10, 10, "b", "one"))}
    assert len(ids) == 3


def test_svg_root_refuses_small_fonts_and_a_missing_title():
    with pytest.raises(ValueError, match="at least 12"):
        xe_svg.svg_root(10, 10, "a", "b", font_size=10)
    with pytest.raises(ValueError, match="title"):
        xe_svg.svg_root(10, 10, " ", "b")


def _drawings(scale: float = 1.0) -> dict[str, str]:
    """One drawing of each kind; ``scale`` changes the data drawn."""
    m = np.kron(np.eye(3, dtype=bool), np.ones((2, 2), dtype=bool))
    if scale != 1.0:
        m = np.ones((6, 6), dtype=bool)
    corr = np.random.default_rng(0).uniform(-1, 1, (8, 8)) * scale
    return {
        "matrix": xe_svg.svg_matrix(m, size=120, title="who feeds whom, and a long title besides"),
        "plot": xe_svg.svg_plot([1, 2, 4], [100 * scale, 50, 25], mark=2, xlabel="g", ylabel="params"),
        "plot-linear": xe_svg.svg_plot([0, 1, 2], [0.045 * scale, 0.03, 0.01], logx=False, logy=False,
                                       xlabel="epoch", ylabel="lr"),
        "heatmap": xe_svg.svg_heatmap(corr, size=80, mark=(1, 2), title="correlation: purple -1, brown +1"),
        "curves": xe_svg.svg_curves([0, 1, 2], {"a": [1, 0.5 * scale, 0], "b": [1, 0.2, float("nan")]},
                                    xlabel="d", ylabel="r", title="t"),
    }


@pytest.mark.parametrize("kind", list(_drawings()))
def test_every_drawing_scales_has_a_text_alternative_from_its_data_and_no_small_font(kind):
    text = _drawings()[kind]
    root = _parse(text)
    assert root.get("viewBox", "").startswith("0 0 ") and root.get("role") == "img"
    title, desc = _title_desc(root)
    assert title.strip() and desc.strip()
    assert min(_fonts(root)) >= xe_svg.MIN_FONT_PX
    assert _title_desc(_parse(_drawings(scale=0.5)[kind]))[1] != desc, "the description must follow the data"


def test_titles_fit_the_drawing():
    for text in _drawings().values():
        root = _parse(text)
        width = float(root.get("viewBox").split()[2])
        for t in root.iter(f"{NS}text"):
            if t.get("text-anchor") == "middle" and t.get("transform") is None:
                half = svg_parts.text_width(t.text) / 2
                assert half <= float(t.get("x")) <= width - half, f"{t.text!r} runs off the drawing"


def test_the_matrix_has_no_seams_and_says_who_feeds_whom():
    text = _drawings()["matrix"]
    assert 'shape-rendering="crispEdges"' in text
    assert "each output channel is fed by 2 input channels" in _title_desc(_parse(text))[1]
    one = xe_svg.svg_matrix(np.eye(3, dtype=bool))
    assert "fed by 1 input channel;" in _title_desc(_parse(one))[1] + ";"


def test_the_plot_marks_its_point_with_a_shape_and_a_label_not_colour_alone():
    root = _parse(xe_svg.svg_plot([1, 2, 4], [100, 50, 25], mark=4, xlabel="g", ylabel="params"))
    ring = [c for c in root.iter(f"{NS}circle") if c.get("class") == "xe-mark"]
    label = [t for t in root.iter(f"{NS}text") if t.get("class") == "xe-mark-label"]
    assert len(ring) == 1 and float(ring[0].get("r")) > 2.5 and ring[0].get("fill") == "none"
    assert [t.text for t in label] == ["(4, 25)"]
    assert "Marked: g = 4, params = 25" in _title_desc(root)[1]


def test_curves_differ_by_dash_and_marker_and_are_named_outside_the_plot():
    xs = [0, 1, 2, 3]
    curves = {f"c{k}": [1 - k * 0.1 * x for x in xs] for k in range(4)}
    root = _parse(xe_svg.svg_curves(xs, curves, xlabel="d", ylabel="r"))
    frame = root.find(f"{NS}rect")
    right = float(frame.get("x")) + float(frame.get("width"))
    lines = root.findall(f"{NS}polyline")
    assert len({line.get("stroke-dasharray") for line in lines}) == 4
    shapes = [e.tag for e in root if e.tag in (f"{NS}circle", f"{NS}polygon", f"{NS}rect")][1:]
    assert len(set(shapes)) >= 3 and len({p.get("points") for p in root.findall(f"{NS}polygon")}) >= 2
    names = [t for t in root.iter(f"{NS}text") if t.text in curves]
    assert sorted(t.text for t in names) == sorted(curves)
    assert all(float(t.get("x")) > right for t in names), "curve names must sit outside the plot"
    ys = sorted(float(t.get("y")) for t in names)
    assert all(b - a >= xe_svg.MIN_FONT_PX for a, b in zip(ys, ys[1:])), "curve names overlap"


def test_bars_with_text_keep_their_proportions_in_a_narrow_row():
    scale, length = 400.0, 360
    values = (400, 100, 30)
    rows = [ET.fromstring(xe_svg.html_bar(v, scale, "#000", length=length, text=f"{v:g}")) for v in values]
    for row, v in zip(rows, values):
        assert "flex-wrap:wrap" in row.get("style")  # the text goes under its bar where it does not fit
        bar, text = list(row)
        px, pct = map(float, re.search(r"width:min\(([\d.]+)px,([\d.]+)%\)", bar.get("style")).groups())
        assert px == pytest.approx(length * v / scale, abs=0.5)
        assert pct == pytest.approx(100 * v / scale, abs=0.05)  # the same fraction of a narrower row
        assert text.text == f"{v:g}"


def test_a_bar_without_text_is_announced_by_its_value():
    bar = ET.fromstring(xe_svg.html_bar(30, 120, "#000", length=90))
    assert (bar.get("role"), bar.get("aria-label")) == ("img", "30 (25% of 120)")
    assert "width:22px;max-width:100%" in bar.get("style")
