"""The structure a screen reader navigates by, checked on every stored notebook's markdown (WCAG 2.1 AA:
1.3.1 headings, 2.4.4 link purpose, 1.4.5 images of text). Markdown is parsed with mistune, the parser
nbconvert renders it with, so a heading or block quote here is one in the HTML export too.

And code a reader sees whole (WCAG 2.1 AA 1.4.10 reflow): no line of a code cell, or of a code block in
markdown, is longer than ``CODE_WIDTH``. JupyterLab 4.6 with its file browser open (250 px) shows a code
line of 118 characters of its default code font (13 px monospace, 7.83 px a character) at 1366 x 900, and
of 107 at 1280 x 800 (measured with Playwright and Chromium), 105 beside a 15 px desktop scrollbar; 100
fits both screens."""
import json
import pathlib
import re

import mistune
import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
VAGUE_LINK_TEXT = {"here", "click here", "this", "this link", "this page", "link", "more"}
_parse = mistune.create_markdown(renderer=None)
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_QUOTE = re.compile(r"^ {0,3}>")
_HTML_LINK = re.compile(r"<a\s[^>]*>(.*?)</a>", re.S | re.I)
CODE_WIDTH = 100


def _markdown(path):
    return [(i, "".join(c["source"])) for i, c in enumerate(json.loads(path.read_text())["cells"])
            if c["cell_type"] == "markdown"]


def _tokens(tokens):
    for t in tokens:
        yield t
        yield from _tokens(t.get("children") or [])


def _text(token) -> str:
    return "".join(t.get("raw", "") for t in _tokens(token.get("children") or []))


def _headings(path):
    return [(i, t["attrs"]["level"], _text(t)) for i, src in _markdown(path) for t in _tokens(_parse(src))
            if t["type"] == "heading"]


def test_the_check_finds_what_it_looks_for():
    # a wrapped "> x" after a paragraph line is a block quote, a "#" line in a code fence is not a heading
    src = "Verdict on ELU\n> ReLU: **agrees**\n\n```python\n# a comment\n```\n[here](a.md)\n![chart](a.png)"
    assert [t["type"] for t in _parse(src)].count("block_quote") == 1
    assert _accidental_quotes(src) == ["> ReLU: **agrees**"]
    assert _vague_links(src) == ["here"] and _images(src) == ["a.png"]
    assert not [t for t in _tokens(_parse(src)) if t["type"] == "heading"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_h1_and_no_skipped_heading_level(path):
    headings = _headings(path)
    h1 = [(i, text) for i, level, text in headings if level == 1]
    assert len(h1) == 1, f"{path.name}: {len(h1)} top-level headings (cell, text): {h1}; a notebook has one"
    assert headings[0][1] == 1, f"{path.name}: the first heading is {headings[0]}, not the H1"
    skipped = [(i, f"H{prev} -> H{level}", text) for (_, prev, _), (i, level, text)
               in zip(headings, headings[1:]) if level > prev + 1]
    assert not skipped, f"{path.name}: heading levels skipped (cell, jump, heading): {skipped}"


def _accidental_quotes(src: str) -> list[str]:
    """Lines that start a block quote in the middle of a paragraph: a wrapped line beginning with ">"
    (a comparison such as "ELU > ReLU" broken before its ">"). A quote after a blank line is meant."""
    found, fenced, prev = [], False, ""
    for line in src.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _QUOTE.match(line) and prev.strip() and not _QUOTE.match(prev):
            found.append(line)
        prev = "" if fenced else line
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_line_starts_a_block_quote_mid_paragraph(path):
    bad = [(i, line) for i, src in _markdown(path) for line in _accidental_quotes(src)]
    assert not bad, f"{path.name}: these lines render as block quotes (cell, line); rewrap them: {bad}"


def _vague_links(src: str) -> list[str]:
    texts = [_text(t) for t in _tokens(_parse(src)) if t["type"] == "link"]
    texts += [re.sub(r"<[^>]+>", "", m) for m in _HTML_LINK.findall(src)]
    return [t for t in texts if t.strip().lower().rstrip(".") in VAGUE_LINK_TEXT]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_links_say_where_they_lead(path):
    bad = [(i, text) for i, src in _markdown(path) for text in _vague_links(src)]
    assert not bad, f"{path.name}: link texts that do not say where they lead (cell, text): {bad}"


def _images(src: str) -> list[str]:
    urls = [t["attrs"]["url"] for t in _tokens(_parse(src)) if t["type"] == "image"]
    return urls + re.findall(r"<img\s[^>]*src=[\"']([^\"']*)", src, re.I)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_holds_no_picture_that_could_be_text(path):
    # Every picture of the suite is drawn by the package with a text alternative computed from its data; a
    # picture pasted into markdown (or attached to a cell) could be text as pixels: unreadable to a screen
    # reader, blurred by zoom.
    cells = json.loads(path.read_text())["cells"]
    bad = [(i, url) for i, src in _markdown(path) for url in _images(src)]
    bad += [(i, name) for i, c in enumerate(cells) for name in c.get("attachments", {})]
    assert not bad, f"{path.name}: pictures in markdown (cell, source): {bad}; draw them with the package"


def _code_lines(cell: dict) -> list[str]:
    """The lines a notebook shows as code: a code cell's, and those inside a markdown cell's fences."""
    lines = "".join(cell["source"]).splitlines()
    if cell["cell_type"] == "code":
        return lines
    code, fenced = [], False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif fenced:
            code.append(line)
    return code


def test_the_width_check_reads_code_cells_and_fences_only():
    long = "x" * (CODE_WIDTH + 1)
    assert _code_lines({"cell_type": "code", "source": ["a = 1\n", long]}) == ["a = 1", long]
    markdown = f"{long}\n\n```python\nshort\n{long}\n```\n{long}"
    assert _code_lines({"cell_type": "markdown", "source": markdown}) == ["short", long]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_line_is_wider_than_the_screen(path):
    cells = json.loads(path.read_text())["cells"]
    bad = [(i, len(line), line[:40] + "...") for i, cell in enumerate(cells) for line in _code_lines(cell)
           if len(line) > CODE_WIDTH]
    assert not bad, (f"{path.name}: code lines over {CODE_WIDTH} characters scroll sideways (cell, length, "
                     f"start): {bad}")
