"""The accessibility audit: each notebook exported to HTML (``html_export``), checked in headless Chromium.

For each page it records
* every request the page makes: all must be ``file:`` or ``data:`` (maths and widgets from ``_assets/``);
  any other is refused by the browser before it leaves the machine, and reported;
* axe-core's violations of the WCAG 2.0/2.1 A and AA rules (axe-core as shipped by the PyPI package
  ``axe-playwright-python``), once MathJax has typeset the page and the widget manager drawn every widget;
* every ``<img>`` and top-level ``<svg>`` without a real text alternative (none, empty, or nbconvert's
  placeholder "No description has been provided for this image");
* every console error, uncaught exception and failed request of the page.

    python -m tools.course.a11y_audit [notebooks...] [--out DIR]

prints one row per notebook and a line per violated rule, and exits 1 if anything was found.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import files, html_export

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_SCHEMES = ("file:", "data:")
PLACEHOLDER = "No description has been provided for this image"

# A page is ready when its maths is typeset (MathJax 2, as nbconvert's pages load it, or MathJax 3) and
# every saved widget view has been drawn.
READY = """async () => {
  const mj = window.MathJax;
  let typeset;
  if (mj && mj.Hub) {
    typeset = !!(mj.Hub.queue && mj.Hub.queue.pending === 0 && mj.Hub.queue.running === 0
                 && !document.querySelector('.MathJax_Processing, .MathJax_Preview:not(:empty)'));
  } else if (mj && mj.startup && mj.startup.promise) {
    await mj.startup.promise;
    typeset = true;
  } else {
    typeset = !document.querySelector('script[src*="MathJax"], script[src*="mathjax"]');
  }
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const drawn = [...views].every(s => s.previousElementSibling &&
                                      s.previousElementSibling.querySelector('.jupyter-widgets'));
  return typeset && drawn;
}"""

# Every image and outermost SVG without a real text alternative (decorative ones hidden from assistive
# technology are skipped).
_MISSING_ALT = """(placeholder) => {
  const hidden = el => !!el.closest('[aria-hidden="true"]');
  const byIds = el => (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => { const t = document.getElementById(id); return t ? t.textContent : ''; }).join(' ');
  const bad = text => { const t = (text || '').trim(); return !t || t.includes(placeholder); };
  const cells = [...document.querySelectorAll('.jp-Cell')];
  const where = el => { const c = el.closest('.jp-Cell'); return c ? 'cell ' + cells.indexOf(c) : 'page'; };
  const found = [];
  for (const img of document.querySelectorAll('img')) {
    if (hidden(img) || img.getAttribute('role') === 'presentation') continue;
    const alt = img.getAttribute('alt');
    if (bad(alt)) found.push(`${where(img)}: <img> alt=${JSON.stringify(alt)}`);
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (hidden(svg) || svg.parentElement.closest('svg')) continue;
    const title = svg.querySelector(':scope > title');
    const name = byIds(svg) || svg.getAttribute('aria-label') || (title && title.textContent);
    if (bad(name)) found.push(`${where(svg)}: <svg> without <title>, aria-label or aria-labelledby`);
  }
  return found;
}"""


@dataclass
class PageReport:
    notebook: str
    violations: Counter = field(default_factory=Counter)  # axe rule id -> elements violating it
    external: list[str] = field(default_factory=list)  # requests that would have left the machine
    missing_alt: list[str] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)  # rule -> one failing element and axe's summary
    unrendered: str = ""  # maths or widgets the page did not draw: its audit misses them
    console_errors: list[str] = field(default_factory=list)  # and uncaught exceptions, failed requests
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.violations or self.external or self.missing_alt or self.unrendered
                    or self.console_errors)


def browser_utils():
    """The suite's browser harness (tests/lessons/browser_utils.py): which Chromium, started how."""
    if "browser_utils" in sys.modules:  # already imported by the tests
        return sys.modules["browser_utils"]
    path = files.ROOT / "tests" / "lessons" / "browser_utils.py"
    spec = importlib.util.spec_from_file_location("browser_utils", path)
    module = sys.modules["browser_utils"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def axe_violations(page, context=None) -> tuple[Counter, dict[str, str]]:
    """axe-core's WCAG 2.0/2.1 A+AA violations on ``page`` (optionally only inside ``context``): per rule,
    how many elements fail, and one failing element with axe's summary."""
    from axe_playwright_python.sync_playwright import Axe

    # no preload: a file: page's stylesheets refuse axe's XHR (CORS), which only logs errors, late
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "preload": False}
    results = Axe().run(page, context=context, options=options)
    counts, examples = Counter(), {}
    for v in results.response["violations"]:
        counts[v["id"]] += len(v["nodes"])
        node = v["nodes"][0]
        examples[v["id"]] = f"{node['target']}: {' '.join(node.get('failureSummary', '').split())[:300]}"
    return counts, examples


def audit_pages(pages: list[Path], browser, timeout_ms: int = 60_000) -> list[PageReport]:
    """Check each page, each in a browser page of its own: a request still in flight when one page is left
    (a font MathJax asked for late) must not land in the next page's report."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route(lambda url: not url.startswith(LOCAL_SCHEMES), lambda route: route.abort())
    try:
        return [_audit_page(context, html, timeout_ms) for html in pages]
    finally:
        context.close()


def _audit_page(context, html: Path, timeout_ms: int) -> PageReport:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start, report = time.monotonic(), PageReport(html.stem)
    requests: list[str] = []
    errors: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"{r.url}: {r.failure}"))
    try:
        page.goto(html.resolve().as_uri(), wait_until="load")
        try:
            page.wait_for_function(READY, timeout=timeout_ms, polling=100)
            page.wait_for_load_state("networkidle", timeout=timeout_ms)  # the fonts typesetting asked for
        except PlaywrightTimeout:
            report.unrendered = f"maths or widgets not drawn in {timeout_ms / 1000:.0f} s"
        if failed := page.locator(".jupyter-widgets", has_text="Error displaying widget").count():
            report.unrendered = f"{failed} widget(s) show 'Error displaying widget'"
        report.violations, report.examples = axe_violations(page)
        report.missing_alt = page.evaluate(_MISSING_ALT, PLACEHOLDER)
        report.console_errors = errors[:]
        report.external = sorted({u for u in requests if not u.startswith(LOCAL_SCHEMES)})
    finally:
        page.close()
    report.seconds = time.monotonic() - start
    return report


@contextlib.contextmanager
def chromium():
    """A headless Chromium from this machine (the one the browser tests use)."""
    from playwright.sync_api import sync_playwright

    utils = browser_utils()
    executable = utils.find_chromium()
    if executable is None:
        raise RuntimeError(f"no Chromium found: {utils.INSTALL_HINT}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=utils.CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def audit(notebooks: list[Path], out: Path, template: str = "a11y") -> list[PageReport]:
    """Export ``notebooks`` into ``out`` and audit every page."""
    pages = html_export.export(notebooks, out, template=template)
    with chromium() as browser:
        return audit_pages(pages, browser)


def table(reports: list[PageReport]) -> str:
    """One row per notebook (axe violations, external requests, figures without alt text, console errors),
    then each rule."""
    width = max(len(r.notebook) for r in reports)
    lines = [f"{'notebook':<{width}}  {'axe':>5}  {'external':>8}  {'no alt':>6}  {'errors':>6}  {'s':>5}"]
    for r in reports:
        lines.append(f"{r.notebook:<{width}}  {sum(r.violations.values()):>5}  {len(r.external):>8}  "
                     f"{len(r.missing_alt):>6}  {len(r.console_errors):>6}  {r.seconds:>5.1f}")
    total = Counter()
    for r in reports:
        total.update(r.violations)
    lines.append(f"{'all':<{width}}  {sum(total.values()):>5}  {sum(len(r.external) for r in reports):>8}  "
                 f"{sum(len(r.missing_alt) for r in reports):>6}  "
                 f"{sum(len(r.console_errors) for r in reports):>6}")
    for r in reports:
        for rule, n in sorted(r.violations.items()):
            lines.append(f"  {r.notebook}: {rule} x{n}: {r.examples[rule]}")
        lines += [f"  {r.notebook}: external request {u}" for u in r.external]
        lines += [f"  {r.notebook}: no text alternative: {m}" for m in r.missing_alt]
        lines += [f"  {r.notebook}: console: {e}" for e in r.console_errors]
        lines += [f"  {r.notebook}: {r.unrendered}"] if r.unrendered else []
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every numbered notebook")
    parser.add_argument("--out", type=Path, default=html_export.DEFAULT_OUT,
                        help=f"where the pages are written (default: {html_export.DEFAULT_OUT})")
    parser.add_argument("--template", default="a11y", help="'lab': nbconvert's own colours, for comparison")
    args = parser.parse_args(argv)
    start = time.monotonic()
    reports = audit(args.notebooks or html_export.notebooks(), args.out, args.template)
    print(table(reports))
    print(f"{len(reports)} pages in {time.monotonic() - start:.1f} s")
    return 0 if all(r.clean for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
