"""Widgets that respond on the static site (tools/book/offline_views.py, offline_grid.py, offline_page.py):
every precomputed view is what the App's own output shows at that setting, every move lands where the App
lands, each registered App is found in its stored notebook, and in headless Chromium a control moved from
the keyboard shows the precomputed view of its new setting, with no console error and 0 axe violations.

The browser part needs Chromium and the `playwright` and `axe-playwright-python` packages: without them it
is skipped with the reason, except under CI (CI=true), where it fails.
"""
from __future__ import annotations

import html
import itertools
import random
import re
from pathlib import Path

import nbformat
import pytest
from helpers import axe_chromium

from tools.book import offline_grid, offline_page
from tools.book import offline_views as ov
from xception_edu.lessons.app import App
from xception_edu.lessons.fig5_data import MIDDLE_REPEAT_CHOICES, fig5_drawing

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
IDS = [e.notebook[:3].rstrip("_") for e in ov.REGISTRY]
# measured live only: the spectrum's note (04) and the budget's closing clause (11)
TIMING = re.compile(r" · <span class='xe-time'>[^<]*</span>"
                    r"|; <span class='xe-time'>[^<]*</span> \(median, one image, one thread, this machine\)")


def _notebook(entry: offline_grid.Offline) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{entry.notebook}.ipynb", as_version=4)


@pytest.fixture(scope="module", params=ov.REGISTRY, ids=IDS)
def grid(request):
    entry = request.param
    (found, out, values), = ov.stored(_notebook(entry), entry.notebook)
    return ov.explored(entry, repr(values)), out


def _shown(app: App) -> str:
    """What the App's output area shows now (the kernel's view), without a live-only timing."""
    return TIMING.sub("", app.output.outputs[0]["data"]["text/html"])


def _set(app: App, vary, state) -> App:
    wanted = dict(zip(vary, state))
    return app.set(**{n: wanted[n] for n in app.controls if n in wanted})


def _sample(ex: offline_grid.Explorer, most: int = 40) -> list[int]:
    """Every state of a small grid; of a larger one the start, the corners (each control at its first or
    last option there) and a fixed random sample."""
    if len(ex.states) <= most:
        return list(range(len(ex.states)))
    corners = [i for i, s in enumerate(ex.states)
               if all(v in (opts[0], opts[-1]) for v, opts in zip(s, ex.options[i]))]
    rest = sorted(set(range(len(ex.states))) - set(corners) - {0})
    return [0] + corners + random.Random(0).sample(rest, most)


def test_every_view_is_the_apps_own(grid):
    ex, _ = grid
    app = ex.entry.factory()
    for i in _sample(ex):
        _set(app, ex.entry.vary, ex.states[i])
        assert ex.views[ex.view_of[i]] == _shown(app), f"{ex.entry.title}: view at {ex.states[i]}"


def test_the_grid_is_every_valid_setting(grid):
    ex, _ = grid
    if ex.entry.vary == ("middle_repeats", "block"):  # the block options follow the middle repeats
        want = {(r, b) for r in MIDDLE_REPEAT_CHOICES for b in fig5_drawing(r, 1.0).block_names}
    else:
        app = ex.entry.factory()
        want = set(itertools.product(*(offline_grid._options(app.controls[n])[1] for n in ex.entry.vary)))
    assert set(ex.states) == want and len(ex.states) == len(want)


def test_every_move_lands_where_the_app_lands(grid):
    ex, _ = grid
    app = ex.entry.factory()
    app.update = lambda: None  # the controls' values only: no redraw per move
    for i in _sample(ex, most=12):
        for c, name in enumerate(ex.entry.vary):
            for v in ex.options[i][c]:
                _set(app, ex.entry.vary, ex.states[i]).set(**{name: v})
                reached = tuple(app.values[n] for n in ex.entry.vary)
                assert ex.states[ex.move(i, name, v)] == reached, f"{ex.states[i]}, {name} -> {v}"


def test_it_starts_where_the_saved_widget_is(grid):
    """The stored setting, said in the same words, and the App's view there in the live region (whether the
    stored picture is current with the code is the notebook tests' business)."""
    ex, out = grid
    assert ex.states[0] == tuple(ex.initial[n] for n in ex.entry.vary)
    page = offline_page.explorer_html(ex, "xe-test")
    said = re.search(r"Shown at (.*?)\.</p>", page).group(1).split("; ")
    stored = re.search(r"Shown at (.*?)\. Run the cell", "".join(out["data"]["text/html"])).group(1)
    assert sorted(said) == sorted(stored.split("; "))
    assert f'aria-live="polite">{ex.views[ex.view_of[0]]}</div>' in page


def test_identical_views_are_stored_once(grid):
    ex, _ = grid
    assert len(set(ex.views)) == len(ex.views) == len(set(ex.view_of))
    page = offline_page.explorer_html(ex, "xe-test")
    assert page.count("<template ") == len(ex.views)


@pytest.mark.parametrize("entry", ov.REGISTRY, ids=IDS)
def test_substitute_replaces_the_stored_widget(entry):
    nb = _notebook(entry)
    before = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "".join(o.get("data", {}).get("text/plain", "")).startswith(f"<{entry.title}: ")]
    assert ov.substitute(nb, f"notebooks/{entry.notebook}.ipynb") == [entry.title] * len(before)
    for o in before:
        assert set(o["data"]) == {"text/html", "text/plain"}
        assert o["data"]["text/html"].startswith('<div class="xe-offline-app"')


def _note(nb: nbformat.NotebookNode) -> str:
    page = next(o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if 'class="xe-offline-app"' in o.get("data", {}).get("text/html", ""))
    return re.search(r'<p class="xe-offline-note">(.*?)</p>', page).group(1)


def test_the_note_links_where_the_notebook_runs_live():
    entry = ov.REGISTRY[0]
    links = '<a href="https://example.org/b?x=1&amp;y=2">Binder</a> or <a href="https://example.org/c">Colab</a>'
    nb = _notebook(entry)
    ov.substitute(nb, entry.notebook, run_live_html=links)
    assert _note(nb).endswith(f"Run the notebook live in {links} to move every control.</i>")
    nb = _notebook(entry)
    ov.substitute(nb, entry.notebook)
    assert _note(nb).endswith(" Run the notebook to move every control.</i>") and "<a " not in _note(nb)


def test_the_site_gives_each_explorer_its_notebooks_launch_links():
    """``make book`` passes the notebook's own Binder and Colab links, those it puts under a saved widget."""
    from tools.book import build, launch

    where = launch.from_readme()
    entry = ov.REGISTRY[0]
    nb, titles = build.prepare_notebook(_notebook(entry), entry.notebook, where)
    assert titles == [entry.title]
    anchors = re.findall(r'<a href="([^"]*)">([^<]*)</a>', _note(nb))
    wanted = where.links(f"{entry.notebook}.ipynb")
    assert [(html.unescape(url), name) for url, name in anchors] == [(u, n) for n, u in wanted.items()]


def test_a_registered_app_missing_from_its_notebook_is_an_error():
    entry = ov.REGISTRY[0]
    with pytest.raises(ValueError, match=re.escape(entry.title)):
        ov.substitute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), entry.notebook)


def test_a_fixed_control_the_app_moves_is_an_error():
    """Fig. 5's block kept fixed at a middle block while the repeats vary: fewer repeats move the block."""
    (entry,) = [e for e in ov.REGISTRY if e.vary == ("middle_repeats", "block")]
    fixed = offline_grid.Offline(entry.notebook, entry.factory, ("middle_repeats",))
    start = {"middle_repeats": 8, "width": 1.0, "image_size": 299, "block": "block9"}
    with pytest.raises(ValueError, match="moves {'block': 'block.*vary it too"):
        offline_grid.explore(fixed, start)


# --- in a real browser -------------------------------------------------------------------------------------

BROWSER_APPS = ("04_extreme_inception", "00_start_here")




@pytest.fixture(scope="module")
def page(tmp_path_factory):
    explorers = {}
    for entry in (e for e in ov.REGISTRY if e.notebook in BROWSER_APPS):
        nb = _notebook(entry)
        (_, _, values), = ov.stored(nb, entry.notebook)
        ov.substitute(nb, entry.notebook)
        html = next(o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
                    if 'class="xe-offline-app"' in o.get("data", {}).get("text/html", ""))
        explorers[entry.notebook] = (ov.explored(entry, repr(values)), html)
    path = tmp_path_factory.mktemp("offline") / "explorers.html"
    body = "".join(f"<h2>{n}</h2>{h}" for n, (_, h) in explorers.items())
    path.write_text("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Offline widgets"
                    f"</title></head><body><main><h1>Offline widgets</h1>{body}</main></body></html>",
                    encoding="utf-8")
    with axe_chromium("offline widgets in a browser", "it must run in CI") as browser:
        context = browser.new_context()
        external, errors = [], []
        context.route(lambda url: not url.startswith(("file:", "data:", "about:")),
                      lambda route: (external.append(route.request.url), route.abort()))
        tab = context.new_page()
        tab.on("console", lambda m: m.type == "error" and errors.append(m.text))
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(path.as_uri())
        yield tab, explorers, errors, external


def _focus(tab, control_id: str) -> None:
    """Tab from the top of the page until the control has the focus, as a keyboard user would."""
    tab.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(20):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.id") == control_id:
            return
    raise AssertionError(f"Tab never reached #{control_id}")


def _view_shown(tab, root: str) -> str:
    return tab.evaluate(f"document.querySelector('{root} .xe-offline-view').innerHTML")


def _template(tab, root: str, view: int) -> str:
    return tab.evaluate(f"document.querySelector('{root} template[data-xe-view=\"{view}\"]').innerHTML")


@pytest.mark.browser
@pytest.mark.parametrize("notebook, key, control", [("04_extreme_inception", "ArrowRight", "groups"),
                                                      ("00_start_here", "End", "channels")])
def test_a_control_moved_from_the_keyboard_shows_its_precomputed_view(page, notebook, key, control):
    tab, explorers, errors, external = page
    ex, html = explorers[notebook]
    uid = re.search(r'aria-labelledby="(xe-off-[0-9a-f]+)-t"', html).group(1)
    root, k = f'[aria-labelledby="{uid}-t"]', ex.entry.vary.index(control)
    before = _view_shown(tab, root)
    assert before == _template(tab, root, ex.view_of[0])  # the saved widget's view
    _focus(tab, f"{uid}-c{k}")
    tab.keyboard.press(key)
    offered = ex.options[0][k]
    value = offered[1] if key == "ArrowRight" else offered[-1]
    target = ex.move(0, control, value)
    shown = _view_shown(tab, root)
    assert shown != before and shown == _template(tab, root, ex.view_of[target])
    label = ex.labels[control][value]
    assert tab.get_attribute(f"#{uid}-c{k}", "aria-valuetext") == label
    assert f"{ex.app.controls[control].description} = {label}" in tab.inner_text(f"{root} .xe-offline-values")
    assert not errors and not external


@pytest.mark.browser
def test_the_explorers_page_has_no_axe_violation(page):
    from tools.course.a11y_audit import axe_violations

    tab, _, errors, _ = page
    counts, examples = axe_violations(tab)
    assert not counts, "\n".join(f"{rule} x{n}: {examples[rule]}" for rule, n in counts.items())
    assert not errors
