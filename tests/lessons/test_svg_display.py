"""An SVG shown as a notebook output (lessons/svg_display.py): an ``<img>`` of the very drawing, whose alt
text and plain text are what the SVG says (its title and description)."""
import base64
import html
import re

from xception_edu.lessons import svg_display, svg_parts


def _drawing(title: str, desc: str, width: int = 120) -> str:
    return svg_parts.svg_root(width, 40, title, desc) + '<rect width="10" height="10"/></svg>'


def test_svg_text_is_the_title_and_description_unescaped():
    assert svg_display.svg_text(_drawing("A & B", "x < 3")) == "A & B: x < 3"
    assert svg_display.svg_text("<svg></svg>") == ""


def test_a_drawing_shows_as_an_img_of_itself_with_its_text_for_alt():
    svg = _drawing("Params", "3 points, from 1 to 9", width=150)
    bundle = svg_display.Drawing(svg)._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg and bundle["text/plain"] == "Params: 3 points, from 1 to 9"
    (src, alt, width), = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)" '
                                    r'width="([\d.]+)"', bundle["text/html"])
    assert base64.b64decode(src).decode() == svg
    assert html.unescape(alt) == bundle["text/plain"]
    assert float(width) == 150


def test_an_svg_without_title_still_gets_alt_text():
    img = svg_display.svg_as_img("<svg><rect/></svg>")
    assert 'alt="a drawing"' in img and " width=" not in img
    assert svg_display.SVG_ELEMENT.fullmatch(_drawing("t", "d"))
