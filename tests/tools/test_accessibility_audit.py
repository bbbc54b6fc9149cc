"""WCAG 2.1 AA in a real browser: every stored notebook exported to HTML (tools/course/html_export.py) and
audited in headless Chromium (tools/course/a11y_audit.py): 0 axe-core violations, no request leaving the
machine (maths and widgets from local copies), no console error, a real text alternative on every image and
SVG; and the
same axe rules over one notebook's content opened in JupyterLab.

Needs a Chromium, the `playwright` and `axe-playwright-python` packages and the npm assets of
`make web-assets` (which `make test` fetches). Without them it is skipped with the reason, except under CI
(CI=true), where it fails.
"""
from __future__ import annotations

import json
import shutil
import time

import nbformat
import pytest
from helpers import axe_chromium, unavailable

from tools.course import a11y_audit, html_export, web_assets

NOTEBOOKS = html_export.notebooks()
LAB_NOTEBOOK = "01_standard_convolution.ipynb"  # a widget, two figures, maths, a link
# JupyterLab's own parts of a notebook panel (the code editors, the heading-collapse buttons, the toolbar):
# the check covers what the notebook brings, its rendered Markdown and its outputs.
LAB_CONTENT = [[".jp-MarkdownOutput"], [".jp-OutputArea"]]

pytestmark = pytest.mark.browser


WHAT, IN_CI = "accessibility audit", "the audit must run in CI"


@pytest.fixture(scope="module")
def browser():
    try:
        web_assets.sources()
    except web_assets.MissingAsset as err:
        unavailable(WHAT, str(err), IN_CI)
    with axe_chromium(WHAT, IN_CI) as b:
        yield b


@pytest.fixture(scope="module")
def pages(browser, tmp_path_factory):
    """Every notebook's page, exported once for the module."""
    return html_export.export(NOTEBOOKS, tmp_path_factory.mktemp("html"))


@pytest.fixture(scope="module")
def reports(browser, pages):
    start = time.monotonic()
    found = {r.notebook: r for r in a11y_audit.audit_pages(pages, browser)}
    print(f"\naudit of {len(found)} notebooks: {time.monotonic() - start:.1f} s")
    return found


def _report(reports, path):
    return reports[path.stem]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:3].rstrip("_") for p in NOTEBOOKS])
def test_axe_finds_no_wcag_violation(reports, path):
    r = _report(reports, path)
    assert not r.unrendered, f"{path.name}: {r.unrendered}"
    assert not r.violations, f"{path.name}: axe-core, WCAG 2.1 AA:\n" + "\n".join(
        f"  {rule} x{n}: {r.examples[rule]}" for rule, n in sorted(r.violations.items()))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:3].rstrip("_") for p in NOTEBOOKS])
def test_no_request_leaves_the_machine(reports, path):
    assert not _report(reports, path).external, f"{path.name} requested {_report(reports, path).external}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:3].rstrip("_") for p in NOTEBOOKS])
def test_no_console_error(reports, path):
    errors = _report(reports, path).console_errors
    assert not errors, f"{path.name}: console errors and failed requests:\n  " + "\n  ".join(errors)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:3].rstrip("_") for p in NOTEBOOKS])
def test_every_figure_has_a_text_alternative(reports, path):
    missing = _report(reports, path).missing_alt
    assert not missing, f"{path.name}: figures without a text alternative:\n  " + "\n  ".join(missing)


def test_maths_and_widgets_render_from_local_copies(browser, pages):
    """A page with maths and a saved widget: MathJax typesets, the widget draws, and every script it loads
    is a local file under _assets/."""
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(pages[1].as_uri())
    page.wait_for_function(a11y_audit.READY, timeout=60_000, polling=100)
    assert page.locator(".MathJax").count() > 0, "no maths typeset"
    assert page.locator(".widget-subarea .jupyter-widgets").count() > 0, "no widget drawn"
    assets = (pages[1].parent / web_assets.ASSETS).as_uri()
    scripts = [u for u in requests if u.split("?")[0].endswith(".js")]
    assert scripts and all(u.startswith(assets) for u in scripts), scripts
    page.close()


def test_the_audit_finds_each_kind_of_failure(browser, tmp_path):
    """The checks can fail: faint text, an image from the web, a figure without alt text, an SVG without a
    title; and nbconvert's own theme fails where ours passes."""
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Probe\n\n<span style='color:#bbbbbb'>faint text</span>\n\n"
                                      "![a picture](https://example.invalid/picture.png)"),
        nbformat.v4.new_code_cell("x = 1", execution_count=1, outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": png}),
            nbformat.v4.new_output("display_data", data={
                "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"}),
        ]),
    ])
    pages = [html_export.export_node(nb, tmp_path, "probe"),
             html_export.export_node(nb, tmp_path, "probe-lab", template="lab")]
    ours, stock = a11y_audit.audit_pages(pages, browser)
    assert ours.violations["color-contrast"] == 1, ours.violations  # the span, not the prompts
    assert ours.external == ["https://example.invalid/picture.png"]
    assert any("https://example.invalid/picture.png" in e for e in ours.console_errors), ours.console_errors
    assert len(ours.missing_alt) == 2 and "<img>" in ours.missing_alt[0] and "<svg>" in ours.missing_alt[1]
    assert stock.violations["color-contrast"] > ours.violations["color-contrast"]  # prompts at 2.16:1


def test_the_notebook_content_in_jupyterlab(browser, tmp_path):
    """One stored notebook opened in JupyterLab as it ships (untrusted, not run): axe's WCAG 2.1 AA
    rules over its rendered Markdown and outputs."""
    utils = a11y_audit.browser_utils()
    root, home = tmp_path / "root", tmp_path / "home"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(html_export.NOTEBOOK_DIR / LAB_NOTEBOOK, root / "notebooks" / LAB_NOTEBOOK)
    # Learners' JupyterLab (`make lab`) has no nbgrader; the test environment's must not add its toolbar.
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    disabled = {"disabledExtensions": {"@jupyter/nbgrader": True}}
    (labconfig / "page_config.json").write_text(json.dumps(disabled))
    with utils.jupyter_lab(root, home, html_export.files.ROOT / "lab-settings") as lab:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        try:
            utils.LabPage(page, lab).open(f"notebooks/{LAB_NOTEBOOK}")
            page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output').length > 0"
                                   " && !document.querySelector('.jp-MarkdownOutput:empty')",
                                   timeout=60_000, polling=200)
            counts, examples = a11y_audit.axe_violations(page, context={"include": LAB_CONTENT})
            assert not counts, f"{LAB_NOTEBOOK} in JupyterLab:\n" + "\n".join(
                f"  {rule} x{n}: {examples[rule]}" for rule, n in sorted(counts.items()))
        finally:
            page.close()


def test_each_page_reports_its_own_console_errors_and_no_one_elses(browser, tmp_path):
    """The Sphinx pages link their stylesheets: axe must not try to fetch them (a file: page refuses the
    fetch and logs it). A page's failed request is its own report's, never the next page's."""
    (tmp_path / "style.css").write_text("p { color: #222; }\n")
    pages = []
    for name, extra in (("first", "<img src='missing.png' alt='a missing picture'>"), ("second", "")):
        pages.append(tmp_path / f"{name}.html")
        pages[-1].write_text(f"<!doctype html><html lang='en'><head><title>{name}</title>"
                             "<link rel='stylesheet' href='style.css'></head>"
                             f"<body><main><h1>{name}</h1><p>text</p>{extra}</main></body></html>")
    first, second = a11y_audit.audit_pages(pages, browser, timeout_ms=5_000)
    errors = first.console_errors
    assert any("missing.png" in e for e in errors) and not any("style.css" in e for e in errors), errors
    assert second.console_errors == []
    assert not first.violations and not second.violations, (first.violations, second.violations)
