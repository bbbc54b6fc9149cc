"""The course as an offline website (``make book``, tools/book): built once from the stored notebooks into a
temporary folder, then opened from disk in headless Chromium: every notebook has its page, every page loads
with no console error and no request leaving the folder, axe-core finds no WCAG 2.1 AA violation on any
page (``a11y_audit.audit_pages``: all of them, the 13 notebooks, the landing page, the guide, the 13 notes,
search and the index), the saved widgets draw, the solutions stay closed, the explorers of
``offline_views`` respond to the keyboard, and every launch link is the README's.

Needs Sphinx, myst-nb and sphinx-book-theme (the ``book`` extra), a Chromium and the npm assets of
``make web-assets``. Without them it is skipped with the reason, except under CI (CI=true), where it fails.
"""
from __future__ import annotations

import re

import pytest
from helpers import axe_chromium, unavailable

from tools.course import a11y_audit, folding, html_export, web_assets

NOTEBOOKS = html_export.notebooks()
SAVED_WIDGET = "01_standard_convolution"  # an App kept as saved: its sliders, and a link to run it live

pytestmark = pytest.mark.browser


WHAT, IN_CI = "course site", "the site must be built and checked in CI"


def _unavailable(reason: str):
    unavailable(WHAT, reason, IN_CI)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    try:
        import myst_nb  # noqa: F401
        import sphinx_book_theme  # noqa: F401

        from tools.book import build
    except ImportError as err:
        _unavailable(f"{err.name} is not installed (pip install -e '.[book]')")
    work = tmp_path_factory.mktemp("book")
    try:
        built = build.build(work / "html", work)
    except web_assets.MissingAsset as err:
        _unavailable(str(err))
    size = sum(f.stat().st_size for f in (work / "html").rglob("*") if f.is_file()) / 1e6
    print(f"\ncourse site: built in {built.seconds:.0f} s, {size:.1f} MB")
    return built


@pytest.fixture(scope="module")
def html(site):
    return site.index.parent


@pytest.fixture(scope="module")
def browser():
    with axe_chromium(WHAT, IN_CI) as b:
        yield b


def _pages(html):
    """Every page of the site (the theme's template fragments under _static are not pages)."""
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route(lambda url: not url.startswith(a11y_audit.LOCAL_SCHEMES), lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


def _open(page, path):
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function(a11y_audit.READY, timeout=60_000, polling=100)


def test_every_notebook_has_a_page_in_course_order(html):
    pages = [html / "notebooks" / f"{p.stem}.html" for p in NOTEBOOKS]
    assert len(pages) == 13 and all(p.is_file() for p in pages), [p.name for p in pages if not p.is_file()]
    nav = (html / "index.html").read_text(encoding="utf-8")
    order = [nav.find(f'href="notebooks/{p.stem}.html"') for p in NOTEBOOKS]
    assert -1 not in order and order == sorted(order), dict(zip([p.stem for p in NOTEBOOKS], order))


def test_the_guide_and_the_notes_are_a_section_of_their_own(html):
    index = (html / "index.html").read_text(encoding="utf-8")
    section = index[index.find("For instructors"):]
    assert "For instructors" in index and 'href="docs/course-guide.html"' in section
    for note in sorted(html_export.files.ROOT.glob("docs/instructor-notes/*.md")):
        assert (html / "docs" / "instructor-notes" / f"{note.stem}.html").is_file(), note.name
        assert f'href="docs/instructor-notes/{note.stem}.html"' in section, note.name


def test_each_notebook_page_opens_it_live_where_the_readme_does(html):
    from tools.book import launch

    where = launch.from_readme()
    for nb in NOTEBOOKS:
        text = (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8").replace("&amp;", "&")
        for kind, url in where.links(nb.name).items():
            assert f'href="{url}"' in text, f"{nb.stem}: no {kind} link {url}"


@pytest.fixture(scope="module")
def reports(html, browser):
    """One audit pass over every page: axe-core, requests, console errors."""
    return a11y_audit.audit_pages(_pages(html), browser)


def test_every_page_loads_with_no_console_error_and_no_request_leaving(html, reports):
    found = {r.notebook: r.console_errors + [f"external request {u}" for u in r.external]
             for r in reports if r.console_errors or r.external}
    assert len(reports) == len(_pages(html))
    assert not found, "\n".join(f"{p}: {e}" for p, e in found.items())


def test_axe_finds_no_wcag_violation_on_any_page(html, reports):
    assert len(reports) == len(_pages(html)) >= 13 + 1 + 1 + 13
    print("\n" + a11y_audit.table(reports))
    assert all(r.clean for r in reports), a11y_audit.table([r for r in reports if not r.clean])


def test_saved_widgets_draw_with_a_link_to_run_them_live(html, page):
    from tools.book import launch

    _open(page, html / "notebooks" / f"{SAVED_WIDGET}.html")
    assert page.locator(".widget-subarea .jupyter-widgets").count() > 0, "no saved widget drawn"
    assert page.locator(".widget-subarea .widget-slider").count() > 0, "the saved widget shows no slider"
    live = page.locator(".xe-run-live a")
    wanted = launch.from_readme().links(f"{SAVED_WIDGET}.ipynb")
    assert [live.nth(i).get_attribute("href") for i in range(live.count())] == list(wanted.values())


def _solutions(path):
    nb = html_export.files.read_notebook(path)
    return sum(folding.SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells)


def test_solutions_stay_hidden_behind_a_click(html, page):
    for nb in NOTEBOOKS:
        # the <details> are the page's own markup: no script needs to have run
        page.goto((html / "notebooks" / f"{nb.stem}.html").as_uri(), wait_until="domcontentloaded")
        solutions = page.locator("details", has=page.locator("summary", has_text=folding.SOLUTION_SUMMARY))
        assert solutions.count() == _solutions(nb), nb.stem
        opened = page.evaluate("[...document.querySelectorAll('details')].filter(d => d.open).length")
        assert opened == 0, f"{nb.stem}: {opened} <details> open"
        for i in range(solutions.count()):
            code = solutions.nth(i).locator("pre")
            assert code.count() == 1 and not code.is_visible(), f"{nb.stem}: solution {i} visible"
        if solutions.count():  # and the click opens it
            solutions.first.locator("summary").click()
            assert solutions.first.locator("pre").is_visible(), nb.stem


def test_explorers_respond_to_the_keyboard(site, html, page):
    """Each explorer on the site: one of its controls moved with the keyboard changes the view shown."""
    moved = []
    for name, titles in site.responding.items():
        if not titles:
            continue
        _open(page, html / "notebooks" / f"{name}.html")
        apps = page.locator(".xe-offline-app")
        assert apps.count() == len(titles), f"{name}: {apps.count()} explorers on the page, built {titles}"
        for i in range(apps.count()):
            app = apps.nth(i)
            view = app.locator(".xe-offline-view")
            control = app.locator("input[type=range], select").first
            before = view.inner_html()
            control.focus()
            keys = ("ArrowDown", "ArrowUp") if control.evaluate("c => c.tagName") == "SELECT" else (
                "ArrowRight", "ArrowLeft")
            for key in keys:  # the other way when the control sits at its end
                page.keyboard.press(key)
                if view.inner_html() != before:
                    break
            assert view.inner_html() != before, f"{name}: '{titles[i]}' did not change its view"
            moved.append(f"{name}: {titles[i]}")
    assert len(moved) >= 3, f"only {len(moved)} explorers respond offline: {moved}"


def test_search_works_from_disk(html, page):
    page.goto((html / "search.html").as_uri() + "?q=depthwise", wait_until="load")
    page.wait_for_selector("#search-results li a", timeout=30_000)
    hits = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.href)")
    assert any(re.search(r"notebooks/05_depthwise_separable\.html", h) for h in hits), hits[:10]
