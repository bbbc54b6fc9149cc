"""The suite's SVG drawings: each opens with svg_root (scales, named, described from its data), no font
under 12 px, and no colour-only cue."""
import re
import xml.etree.ElementTree as ET

import pytest

from xception_edu.lessons import svg as xe_svg

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
