"""``make book``: the course as a static website in ``_build/book/html``, opened from disk or any static host.

The sources are staged in ``_build/book/src`` as the repository lays them out (``notebooks/``, ``docs/``),
so the links between them hold: the README's front matter (up to its GPU section) as the landing page, the
13 stored notebooks with their outputs and widget state (copies: a responding explorer from
``offline_views`` in place of a registered widget's saved view, and beside every other saved widget a link
that runs it live), the course guide and the instructor notes. Sphinx then builds them with nothing
executed (``site/conf.py``), and MathJax, require.js and the widget manager are copied under
``_static/_assets`` (``tools.course.web_assets``): no page requests anything outside the folder.

    python -m tools.book.build [--out DIR]
"""
from __future__ import annotations

import argparse
import copy
import html
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.course import files, html_export, web_assets

from . import launch, offline_views

BUILD = files.ROOT / "_build" / "book"
SITE = Path(__file__).resolve().parent / "site"
GUIDE = files.ROOT / "docs" / "course-guide.md"
NOTES = files.ROOT / "docs" / "instructor-notes"
FRONT_MATTER_ENDS = "\n## On a GPU"  # the README's sections for learners come before it
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_REMOTE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(https?://[^)]*\)")
_OUTSIDE_LINK = re.compile(r"\]\(\.\./(?P<path>(?!notebooks/|docs/)[^)#\s]+)")
# JupyterLab's heading anchors keep the heading's case; MyST's slugs are lower case
_NOTEBOOK_ANCHOR = re.compile(r"(?P<page>\]\([\w.-]*\.ipynb)#(?P<anchor>[^)\s]+)")


def _write(path: Path, text: str) -> None:
    """Write only what changed, so that Sphinx rereads only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def landing_page(readme: str, notebooks: list[Path], notes: list[Path]) -> str:
    """The README's front matter (a remote badge image becomes its alt text) and the site's two sections."""
    front = readme.split(FRONT_MATTER_ENDS, 1)[0]
    front = _REMOTE_IMAGE.sub(lambda m: m["alt"], front)
    course = "\n".join(f"notebooks/{p.stem}" for p in notebooks)
    teaching = "\n".join([f"docs/{GUIDE.stem}"] + [f"docs/{NOTES.name}/{p.stem}" for p in notes])
    return (f"{front.rstrip()}\n\n```{{toctree}}\n:caption: The notebooks\n:hidden:\n\n{course}\n```\n\n"
            f"```{{toctree}}\n:caption: For instructors\n:hidden:\n\n{teaching}\n```\n")


def live_anchors(links: dict[str, str]) -> str:
    """Where a notebook runs live, as links: "<a>Binder</a> or <a>Colab</a>"."""
    return " or ".join(f'<a href="{html.escape(url)}">{html.escape(where)}</a>'
                       for where, url in links.items())


def live_link(links: dict[str, str]) -> str:
    """The note under a saved widget whose controls need a kernel."""
    return (f'<p class="xe-run-live">This is the widget as it was saved: its controls need Python. '
            f"Run it live in {live_anchors(links)}.</p>")


def prepare_notebook(nb, name: str, where: launch.Launch) -> tuple[object, list[str]]:
    """A copy of a stored notebook for the site: responding explorers substituted, a live link beside every
    other saved widget (and in each explorer's note), links to the package pointing at GitHub. Returns it and
    the explorers' titles."""
    nb = copy.deepcopy(nb)
    links = where.links(f"{name}.ipynb")
    titles = offline_views.substitute(nb, name, live_anchors(links))
    note = live_link(links)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _OUTSIDE_LINK.sub(lambda m: f"]({where.source(m['path'])}", cell.source)
            cell.source = _NOTEBOOK_ANCHOR.sub(lambda m: f"{m['page']}#{m['anchor'].lower()}", cell.source)
        elif any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", [])):
            outputs = []
            for out in cell.outputs:
                outputs.append(out)
                if WIDGET_VIEW in out.get("data", {}):
                    outputs.append(nbformat.v4.new_output("display_data", data={"text/html": note}))
            cell.outputs = outputs
    return nb, titles


def stage(src: Path) -> dict[str, list[str]]:
    """Write the site's sources into ``src``; return each notebook's responding explorers."""
    where = launch.from_readme()
    notebooks = html_export.notebooks()
    notes = sorted(NOTES.glob("*.md"))
    _write(src / "index.md", landing_page(files.read_text(launch.README), notebooks, notes))
    _write(src / "docs" / GUIDE.name, files.read_text(GUIDE))
    for note in notes:
        _write(src / "docs" / NOTES.name / note.name, files.read_text(note))
    responding = {}
    for path in notebooks:
        nb, responding[path.stem] = prepare_notebook(files.read_notebook(path), path.stem, where)
        _write(src / "notebooks" / path.name, nbformat.writes(nb))
    return responding


@dataclass
class Site:
    index: Path  # the landing page
    responding: dict[str, list[str]]  # notebook -> the titles of its explorers that respond offline
    seconds: float  # the build's wall time


def build(out: Path = BUILD / "html", work: Path = BUILD, quiet: bool = True) -> Site:
    """Stage the sources in ``work/src`` and build the site into ``out``."""
    from sphinx.application import Sphinx

    start = time.monotonic()
    responding = stage(work / "src")
    # the assets first, so that Sphinx stamps each script's address with its checksum
    web_assets.link(out / "_static", copy=True)
    app = Sphinx(str(work / "src"), str(SITE), str(out), str(work / "doctrees"), "html",
                 status=None if quiet else sys.stdout, warning=sys.stderr, keep_going=True)
    app.build()
    if app.statuscode:
        raise RuntimeError(f"Sphinx failed building {out} (exit status {app.statuscode}); see above")
    return Site(out / "index.html", responding, time.monotonic() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BUILD / "html", help="default: %(default)s")
    args = parser.parse_args(argv)
    try:
        site = build(args.out, quiet=False)
    except web_assets.MissingAsset as err:
        return f"make book: {err}"
    apps = [f"{name}: {title}" for name, titles in site.responding.items() for title in titles]
    print("Responding offline:", "; ".join(apps) if apps else "none")
    print(f"Built in {site.seconds:.0f} s: open {site.index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
