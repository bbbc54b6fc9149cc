"""A notebook as a self-contained HTML page: nbconvert's lab template, stored outputs and widget state,
maths and widgets rendered from local copies (``web_assets``), colours that meet WCAG 2.1 AA.

The template ``html_template/a11y`` extends nbconvert's ``lab`` one with ``a11y.css`` (prompts, syntax
colours and links that nbconvert's theme draws below 4.5:1 or tells apart by colour only) and SVG outputs
inline, as JupyterLab shows them, so that their own ``<title>`` and ``role="img"`` name them (nbconvert's
``<img>`` of base64 can carry no alt text). Slider handles are named by the script each widget's display
stores with it (``xception_edu.lessons.app``).
``export(notebooks, dest)`` writes ``dest/NN_name.html`` for each notebook beside ``dest/_assets/``;
a page opened from disk requests nothing outside that folder.

    python -m tools.course.html_export [notebooks...] [--out DIR] [--copy]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from nbconvert import HTMLExporter

from . import files, web_assets

TEMPLATES = Path(__file__).resolve().parent / "html_template"
DEFAULT_OUT = files.ROOT / "tmp" / "html"


NOTEBOOK_DIR = files.ROOT / "notebooks"


def notebooks() -> list[Path]:
    """Every numbered notebook of the suite, in course order."""
    return sorted(NOTEBOOK_DIR.glob(files.NOTEBOOK_GLOB))


def exporter(template: str = "a11y") -> HTMLExporter:
    """The exporter, every asset address pointing under ``_assets/`` (``template="lab"``: nbconvert's own)."""
    return HTMLExporter(template_name=template, extra_template_basedirs=[str(TEMPLATES)],
                        **web_assets.urls())


def export_node(nb, dest: Path, name: str, template: str = "a11y", copy: bool = False,
                html: HTMLExporter | None = None) -> Path:
    """Write one notebook (an nbformat node, outputs as stored) as ``dest/<name>.html`` beside _assets/
    (with ``html``, an ``exporter(template)`` already made)."""
    dest.mkdir(parents=True, exist_ok=True)
    web_assets.link(dest, copy=copy)
    resources = {"metadata": {"name": name}, "mathjax2_fonts": web_assets.MATHJAX2_FONTS}
    body, _ = (html or exporter(template)).from_notebook_node(nb, resources=resources)
    page = dest / f"{name}.html"
    page.write_text(body, encoding="utf-8")
    return page


def export(notebooks: list[Path], dest: Path, copy: bool = False, template: str = "a11y") -> list[Path]:
    """Write each notebook's page into ``dest`` (nothing executed); return the pages."""
    html = exporter(template)  # one for all: its Jinja templates compile once
    return [export_node(files.read_notebook(p), dest, p.stem, template, copy, html) for p in notebooks]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every numbered notebook")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    parser.add_argument("--copy", action="store_true", help="copy the assets instead of linking them")
    args = parser.parse_args(argv)
    for page in export(args.notebooks or notebooks(), args.out, copy=args.copy):
        print(page)


if __name__ == "__main__":
    main()
