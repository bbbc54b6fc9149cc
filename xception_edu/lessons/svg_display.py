"""An SVG drawing of the suite shown as a notebook output: what it says (its title and description), and
the same drawing as an ``<img>`` with that text for alt text, a picture that HTML sanitizers keep."""
from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

SVG_ELEMENT = re.compile(r"<svg\b.*?</svg>", re.S)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)
_DESC = re.compile(r"<desc\b[^>]*>(.*?)</desc>", re.S)
_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"')


def svg_text(svg: str) -> str:
    """What an SVG of the suite says: its title and description, joined."""
    said = [html.unescape(m.group(1)).strip() for m in (_TITLE.search(svg), _DESC.search(svg)) if m]
    return ": ".join(t for t in said if t)


def svg_as_img(svg: str) -> str:
    """An inline SVG as an ``<img>`` of the same drawing, its alt text the SVG's title and description:
    a picture that HTML sanitizers keep."""
    alt = svg_text(svg) or "a drawing"
    width = _WIDTH.search(svg)
    size = f' width="{width.group(1)}"' if width else ""
    data = base64.b64encode(svg.encode()).decode()
    return (f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt, quote=True)}"{size} '
            'style="max-width:100%;height:auto"/>')


@dataclass(frozen=True)
class Drawing:
    """An SVG drawing to display as a notebook output: as an ``<img>`` with its title and description for
    alt text (HTML, which JupyterLab renders in trusted and untrusted notebooks alike, where it strips an
    inline SVG and refuses an untrusted image/svg+xml), the SVG itself, and its text as plain text."""

    svg: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": svg_as_img(self.svg), "image/svg+xml": self.svg,
                "text/plain": svg_text(self.svg)}
