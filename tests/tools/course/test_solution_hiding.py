"""The worked solution stays hidden where learners read the stored notebooks: in nbconvert's HTML (what
nbviewer and most static sites render) every line of a solution sits inside a closed ``<details>`` element
and nowhere else. (JupyterLab: tests/lessons/test_browser.py clicks one open.)"""
import html.parser
import pathlib

import nbformat
from nbconvert import HTMLExporter

from tools.course import editions, folding

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOK = ROOT / "notebooks" / "01_standard_convolution.ipynb"


class _Text(html.parser.HTMLParser):
    """The page's text, split into what a closed <details> hides and what is in view."""

    def __init__(self):
        super().__init__()
        self.closed = 0  # depth of closed <details> around the current text
        self.stack: list[bool] = []
        self.hidden, self.shown = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            closed = "open" not in dict(attrs)
            self.stack.append(closed)
            self.closed += closed

    def handle_endtag(self, tag):
        if tag == "details" and self.stack:
            self.closed -= self.stack.pop()

    def handle_data(self, data):
        (self.hidden if self.closed else self.shown).append(data)


def _in_view(nb) -> _Text:
    body, _ = HTMLExporter().from_notebook_node(nb)
    parsed = _Text()
    parsed.feed(body)
    return parsed


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_nbconverts_html_shows_each_solution_only_inside_a_closed_details_element():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parsed = _in_view(nb)
    shown, hidden = _squash("".join(parsed.shown)), _squash("".join(parsed.hidden))
    wholes = folding.exercise_sources(nb).values()
    lines = [line for whole in wholes for line in editions.solution_lines(whole)]
    assert lines
    for line in lines:
        assert _squash(line) in hidden, f"a solution line is missing from its <details> block: {line!r}"
        assert _squash(line) not in shown, f"a solution line is in plain view: {line!r}"


def test_the_same_page_with_the_solution_left_in_its_cell_would_show_it():
    """The test above can fail: the earlier layout (the solution in a code cell) puts it in view."""
    nb = folding.unfold(nbformat.read(NOTEBOOK, as_version=4))
    parsed = _in_view(nb)
    shown = _squash("".join(parsed.shown))
    lines = [line for c in nb.cells if editions.is_exercise(c) for line in editions.solution_lines(c.source)]
    assert any(_squash(line) in shown for line in lines)
