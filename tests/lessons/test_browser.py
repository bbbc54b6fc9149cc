"""End to end, in a real browser: JupyterLab from this environment, headless Chromium via Playwright.

For each notebook with a widget (00-05, 07, 08, 11; NOT_IN_BROWSER says why not the others): open it,
wait for its kernel, run every cell, then move one slider of its
widget with the keyboard and check that the widget shows what the package computes for the new
value — the same view function the kernel-free tests check (tests/test_widgets_nb.py), so a broken
front end (labextension, widget manager, comm, renderer) is what this test catches.

Then, in the same page, every control of every widget is walked from the keyboard and every widget is
measured at a laptop's window and at 150 % zoom (browser_checks.py); the widgets of the notebooks that
train first are walked and measured in one page of their own (browser_untrained.py).

Needs a Chromium and the `playwright` package. Without them it is skipped with the reason, except
under CI (CI=true), where it fails: CI must run it. Screenshots of a failing page go to
tmp/artifacts/ (or $XE_ARTIFACTS). XE_UPDATE_DOCS=1 rewrites docs/spectrum-before.png and
docs/spectrum-after.png from the run.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import time

import pytest
from browser_checks import keyboard_problems, layout_problems, tall_problems
from browser_untrained import NOTEBOOK as UNTRAINED_NOTEBOOK
from browser_untrained import WIDGETS as UNTRAINED_WIDGETS
from browser_untrained import notebook as untrained_notebook
from browser_utils import (
    CHROMIUM_ARGS,
    INSTALL_HINT,
    LabPage,
    find_chromium,
    jupyter_lab,
)
from helpers import unavailable

from xception_edu import counting
from xception_edu.experiments import timing
from xception_edu.lessons import fig5
from xception_edu.lessons import nb00_start_here as nb00
from xception_edu.lessons import nb01_standard_convolution as nb01
from xception_edu.lessons import nb02_inception_module as nb02
from xception_edu.lessons import nb03_reformulation as nb03
from xception_edu.lessons import nb04_extreme_inception as nb04
from xception_edu.lessons import nb05_depthwise_separable as nb05
from xception_edu.lessons import nb07_parameter_savings as nb07
from xception_edu.lessons import nb08_xception_architecture as nb08
from xception_edu.lessons import nb11_why_xception_works as nb11

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = pathlib.Path(os.environ.get("XE_ARTIFACTS", ROOT / "tmp" / "artifacts"))
UPDATE_DOCS = os.environ.get("XE_UPDATE_DOCS") == "1"

pytestmark = pytest.mark.browser


def _unavailable(reason: str):
    unavailable("browser test", f"{reason}; to run it, {INSTALL_HINT}",
                "the browser test must run in CI, see .ci/run")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the `playwright` Python package is not installed")
    executable = find_chromium()
    if executable is None:
        _unavailable("no Chromium found (looked at $XE_CHROMIUM, /usr/bin/chromium and "
                     "chromium/google-chrome on PATH)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):
    """JupyterLab on a COPY of the notebooks (autosave must never touch the committed ones), with
    outputs stripped, so every output on the page comes from this run's kernel."""
    home = tmp_path_factory.mktemp("jupyter-home")
    root = tmp_path_factory.mktemp("notebooks")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        if path.name in NOT_IN_BROWSER:
            continue
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        nb["metadata"].pop("widgets", None)
        (root / path.name).write_text(json.dumps(nb))
    (root / UNTRAINED_NOTEBOOK).write_text(untrained_notebook())
    with jupyter_lab(root, home, ROOT / "lab-settings") as server:
        yield server


@contextlib.contextmanager
def notebook_page(browser, lab, name):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    lp = LabPage(page, lab)
    try:
        yield lp
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"{pathlib.Path(name).stem}-failure.png"), full_page=True)
        with contextlib.suppress(Exception):
            (ARTIFACTS / "jupyterlab.log").write_bytes(lab.log.read_bytes())
        raise
    finally:
        lp.close()
        context.close()


def _keyboard_and_screens(lp, apps: dict, extra_problems=()) -> None:
    """Walk every control of each App (title -> its box) from the keyboard, then measure each App at
    every screen size; one assertion names every problem found, with the px measured."""
    start = time.monotonic()
    problems = [p for title, app in apps.items() for p in keyboard_problems(lp, app, title)]
    layout, measured = layout_problems(lp, apps)
    problems += layout + list(extra_problems)
    print(f"keyboard and screens, {len(apps)} widget(s): {time.monotonic() - start:.1f} s; "
          + "; ".join(f"{t[:25]} at {s}: output {a} px, shortest track {k} px"
                      for (s, t), (a, k) in measured.items()))
    assert not problems, "\n".join(problems)


def _expect_view(lp, app_widget, html):
    from playwright.sync_api import expect

    # a view's own style sheet (html_table's stacking rules) is not text the page shows
    shown = lp.text_of_html(re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    expect(lp.view(app_widget)).to_have_text(shown, timeout=30_000)


# --- notebook 04: the spectrum widget, in depth ----------------------------------------------------

def _shown_connectivity(lp, app_widget, channels):
    """Read the connectivity matrix back from the first SVG of the view (one rect per run of 'on' cells)."""
    rects = lp.view(app_widget).locator("svg").first.evaluate(
        """svg => Array.from(svg.querySelectorAll('rect')).slice(1).map(r => [
             +r.getAttribute('x'), +r.getAttribute('y'),"""
        """ +r.getAttribute('width'), +r.getAttribute('height')])""")
    frame = lp.view(app_widget).locator("svg").first.evaluate(
        "svg => { const r = svg.querySelector('rect'); "
        "return [+r.getAttribute('x'), +r.getAttribute('y'), +r.getAttribute('width')]; }")
    import numpy as np

    left, top, size = frame
    cell = size / channels
    m = np.zeros((channels, channels), dtype=bool)
    for x, y, w, _h in rects:
        i, j0, n = round((y - top) / cell), round((x - left) / cell), round(w / cell)
        m[i, j0:j0 + n] = True
    return m


def _check_spectrum(lp, app_widget, g):
    from playwright.sync_api import expect

    point = nb04.spectrum_point(g, time_it=False)
    view = lp.view(app_widget)
    expect(view.locator("b").first).to_have_text(f"g = {g}", timeout=30_000)
    expect(view.locator(".xe-params")).to_have_text(f"parameters: {point.params:,}")
    expect(view.locator(".xe-macs")).to_have_text(f"multiply-adds: {point.macs:,}")
    expect(view.locator(".xe-time")).to_have_text(re.compile(r"^forward pass: \d+\.\d\d ms$"))
    assert lp.readout(app_widget, "groups g") == str(g)
    shown = _shown_connectivity(lp, app_widget, nb04.SPECTRUM_CHANNELS)
    assert (shown == point.connectivity).all(), f"connectivity picture for g={g} is not the package's"
    # and the closed forms, independently of the widget module:
    C, cin = nb04.SPECTRUM_CHANNELS, nb04.SPECTRUM_IN
    assert point.params == cin * C + 9 * C * (C // g) == counting.spectrum(cin, C, 3, g, (1, 1)).params
    assert shown.sum() == C * C // g


def test_spectrum_widget_in_the_browser(browser, lab):
    name = "04_extreme_inception.ipynb"
    start = time.monotonic()
    with notebook_page(browser, lab, name) as lp:
        lp.open(name)
        lp.run_all()
        # lab-settings/overrides.json (what `make lab` uses) keeps JupyterLab's news question off the page.
        assert lp.page.get_by_text("official Jupyter news").count() == 0, "the news pop-up is on the page"
        app = lp.widget(f"The spectrum: {nb04.SPECTRUM_CHANNELS} channels in g segments")
        _check_spectrum(lp, app, 1)
        _screenshot_for_docs(app, "spectrum-before.png")
        lp.move(app, "groups g", "ArrowRight")          # 1 -> 2, the next divisor of 48
        _check_spectrum(lp, app, 2)
        lp.move(app, "groups g", "ArrowRight", "ArrowRight")  # -> 3 -> 4
        _check_spectrum(lp, app, 4)
        lp.move(app, "groups g", "End")                 # -> 48: extreme Inception (Fig. 4)
        _check_spectrum(lp, app, nb04.SPECTRUM_CHANNELS)
        _screenshot_for_docs(app, "spectrum-after.png")
        _check_solution_hidden_until_clicked(lp)
        _keyboard_and_screens(lp, {"04's spectrum": app})
    print(f"notebook 04 in the browser: {time.monotonic() - start:.1f} s")


def _check_solution_hidden_until_clicked(lp):
    """An exercise's worked solution (tools/course/folding.py): its code out of sight until the learner
    clicks its summary."""
    from playwright.sync_api import expect

    details = lp.page.locator("details", has=lp.page.locator("summary", has_text="Worked solution of")).first
    details.scroll_into_view_if_needed()
    code = details.locator("pre").first
    expect(details.locator("summary")).to_be_visible(timeout=30_000)
    expect(code).to_be_hidden()
    details.locator("summary").click()
    expect(code).to_be_visible()
    expect(code).to_contain_text("# BEGIN SOLUTION")


def _screenshot_for_docs(app_widget, filename):
    target = ROOT / "docs" / filename if UPDATE_DOCS else ARTIFACTS / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    app_widget.screenshot(path=str(target), animations="disabled")


# --- one widget in every other notebook -------------------------------------------------------------

# notebook, widget title, slider label, keys pressed, view before, view after (from the package).
CASES = [
    ("00_start_here.ipynb", "Regular vs depthwise separable convolution", "channels C", ("End",),
     lambda: nb00.savings_view(728, 3), lambda: nb00.savings_view(1024, 3), "1024"),
    ("01_standard_convolution.ipynb", "The cost of a regular convolution", "C_out", ("ArrowRight",),
     lambda: nb01.conv_cost_view(3, 64, 3, 56), lambda: nb01.conv_cost_view(3, 128, 3, 56), "128"),
    ("02_inception_module.ipynb", "Simplified Inception module (Fig. 2): towers and widths", "towers",
     ("End",), lambda: nb02.towers_view(3, 64, 256), lambda: nb02.towers_view(8, 64, 256), "8"),
    ("03_reformulation.ipynb", f"Fig. 2 = Fig. 3, for {nb03.REFORM_CHANNELS} output channels", "towers",
     ("End",), lambda: nb03.reformulation_view(3), lambda: nb03.reformulation_view(nb03.REFORM_CHANNELS),
     str(nb03.REFORM_CHANNELS)),
    ("05_depthwise_separable.ipynb", "Order of the two steps: the same stack, bracketed two ways", "blocks",
     ("ArrowLeft",), lambda: nb05.regroup_view(3), lambda: nb05.regroup_view(2), "2"),
]
# Notebook 08 has two widgets: both are checked in one page (test_notebook_08s_widgets_in_the_browser), so its
# "Run all" (a training step of Xception and Inception V3 at 299 px) runs once.

# Notebooks with widgets that this test does not run, and why (each is tested without a browser); their
# widgets are walked from the keyboard and measured in a page of their own (browser_untrained.py).
NOT_IN_BROWSER = {
    "06_correlations.ipynb": "its view shows maps of networks the notebook trains (over a minute of CPU)",
    "06a_correlations_deeper.ipynb": "its view shows kernels of networks the notebook trains (half a minute "
                                     "of CPU); tests/lessons/test_nb06a_correlations_deeper.py tests it",
    "09_train_xception.ipynb": "'Run all' trains for half a minute; tests/lessons/test_nb09_train.py "
                               "tests its widget (the recipe at your scale) without a browser",
    "10_ablations_and_spectrum.ipynb": "its widget explores runs the notebook trains ('Run all' trains for a "
                                       "minute); tests/lessons/test_nb10_widget.py tests it",
}


@pytest.mark.parametrize("name,title,slider,keys,before,after,readout", CASES, ids=[c[0][:2] for c in CASES])
def test_widget_in_the_browser(browser, lab, name, title, slider, keys, before, after, readout):
    start = time.monotonic()
    with notebook_page(browser, lab, name) as lp:
        lp.open(name)
        lp.run_all()
        app = lp.widget(title)
        _expect_view(lp, app, before())
        lp.move(app, slider, *keys)
        _expect_view(lp, app, after())
        assert lp.readout(app, slider) == readout
        _keyboard_and_screens(lp, {title: app})
    print(f"{name} in the browser: {time.monotonic() - start:.1f} s")


def test_operator_savings_widget_in_the_browser(browser, lab):
    """Notebook 07: its times vary, so check the counts, which must follow the slider exactly."""
    from playwright.sync_api import expect


    name = "07_parameter_savings.ipynb"
    with notebook_page(browser, lab, name) as lp:
        lp.open(name)
        lp.run_all()
        app = lp.widget("Four operators: parameters, multiply-adds and measured time")
        for g, keys in ((4, ()), (8, ("ArrowRight",)), (64, ("End",))):
            lp.move(app, "groups g", *keys)
            for v in timing.VARIANTS:
                c = timing.variant_counts(v, 64, 64, 3, g, hw=(nb07.SAVINGS_MAP_SIZE,) * 2)
                expect(lp.view(app).locator(f".xe-params-{v}")).to_have_text(f"{c.params:,}", timeout=30_000)
                expect(lp.view(app).locator(f".xe-macs-{v}")).to_have_text(f"{c.macs:,}")
            assert lp.readout(app, "groups g") == str(g)
        _keyboard_and_screens(lp, {"07's operators": app})


def test_equal_budget_widget_in_the_browser(browser, lab):
    """Notebook 11: its time varies, so check the width, parameters and multiply-adds, which must follow
    both sliders exactly (closed form: 9*C*C/g + C*C weights, 9*C + C*C for depthwise, each weight used
    once on every pixel of the map)."""
    from playwright.sync_api import expect

    name = "11_why_xception_works.ipynb"
    with notebook_page(browser, lab, name) as lp:
        lp.open(name)
        lp.run_all()
        app = lp.widget("Sec. 5: one parameter budget, g groups in the spatial step")
        for slider, keys, budget, g in (("groups g", (), 20_000, 8), ("groups g", ("End",), 20_000, "C"),
                                        ("budget", ("ArrowRight",), 50_000, "C"),
                                        ("groups g", ("Home",), 50_000, 1)):
            lp.move(app, slider, *keys)
            c = nb11.block_width(budget, g)
            params = c * c + (9 * c if g == "C" else 9 * c * c // g)
            view = lp.view(app)
            expect(view.locator(".xe-width")).to_have_text(f"width {c} channels", timeout=30_000)
            expect(view.locator(".xe-params")).to_have_text(f"parameters: {params:,}")
            expect(view.locator(".xe-macs")).to_have_text(f"multiply-adds: {params * nb11.MAP_SIZE ** 2:,}")
            expect(view.locator(".xe-time")).to_have_text(re.compile(r"^forward pass: \d+\.\d\d ms$"))
            assert lp.readout(app, "groups g") == ("C (depthwise)" if g == "C" else str(g))
            assert lp.readout(app, "budget") == f"{budget:,}"
        _keyboard_and_screens(lp, {"11's budget": app})


def test_notebook_08s_widgets_in_the_browser(browser, lab):
    """Notebook 08, one "Run all" for its two widgets. The size widget: one fewer middle block. The Fig. 5
    widget: move the block selector, then the middle-repeats slider (which takes block12 away); the view
    must be the package's, with the block's counts traced on the real block."""
    from playwright.sync_api import expect

    from xception_edu.model import Xception

    name = "08_xception_architecture.ipynb"
    with notebook_page(browser, lab, name) as lp:
        lp.open(name)
        lp.run_all()
        size = lp.widget("Xception's size: depth, width and input")
        _expect_view(lp, size, nb08.architecture_view(8, 1.0, 299))
        lp.move(size, "middle blocks", "ArrowLeft")
        _expect_view(lp, size, nb08.architecture_view(7, 1.0, 299))
        assert lp.readout(size, "middle blocks") == "7"
        app = lp.widget("Fig. 5, drawn from the model")
        for slider, keys, repeats, block in (("block", (), 8, "block4"),
                                             ("block", ("ArrowRight",), 8, "block5"),
                                             ("block", ("End", "ArrowLeft", "ArrowLeft"), 8, "block12"),
                                             ("middle blocks", ("ArrowLeft",) * 5, 3, "block7")):
            lp.move(app, slider, *keys)
            _expect_view(lp, app, fig5.fig5_view(repeats, 1.0, 299, block))
            b = nb08.fig5_drawing(repeats).block(block)
            module = dict(Xception(middle_repeats=repeats).named_modules())[b.module]
            want = counting.measure(module, (1, *b.input))
            expect(lp.view(app).locator(".xe-block-params")).to_have_text(f"parameters: {want.params:,}")
            expect(lp.view(app).locator(".xe-block-macs")).to_have_text(f"multiply-adds: {want.macs:,}")
            expect(lp.view(app).locator("svg .xe-selected")).to_have_count(1)
            assert (lp.readout(app, "block"), lp.readout(app, "middle blocks")) == (block, str(repeats))
        # Fig. 5 is the tall one: at a 768 px high window, End on its block slider (after the depth changed
        # above: the last block of 3 middle blocks), the exit flow's last block outlined and in view
        last = nb08.fig5_drawing(3).block_names[-1]
        tall = tall_problems(lp, app, "08's Fig. 5", "block", last, "svg .xe-selected")
        _keyboard_and_screens(lp, {"08's size": size, "08's Fig. 5": app}, tall)


def test_widgets_of_the_training_notebooks_from_the_keyboard(browser, lab):
    """06, 06a, 09 and 10 are not run here (NOT_IN_BROWSER); their widgets, built on inputs of their
    shapes (browser_untrained.py), are walked from the keyboard and measured in one page."""
    with notebook_page(browser, lab, UNTRAINED_NOTEBOOK) as lp:
        lp.open(UNTRAINED_NOTEBOOK)
        lp.run_all()
        _keyboard_and_screens(lp, {title: lp.widget(title) for _, title in UNTRAINED_WIDGETS.values()})


def test_the_notebooks_in_this_test_are_all_the_widget_notebooks():
    """A new notebook with a widget must get a case here, or a reason in NOT_IN_BROWSER."""
    # Keyed by the notebook's number as its files spell it: "06" (nb06_...) and "06a" (nb06a_...) apart.
    lessons = {p.stem[2:].split("_", 1)[0]: p.read_text()
               for p in (ROOT / "xception_edu" / "lessons").glob("nb*.py")}
    with_widgets = {p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")
                    if "App(" in lessons[p.name.split("_", 1)[0]]}  # its lesson module builds a widget app
    covered = {c[0] for c in CASES} | {"04_extreme_inception.ipynb", "07_parameter_savings.ipynb",
                                       "08_xception_architecture.ipynb", "11_why_xception_works.ipynb"}
    assert with_widgets - set(NOT_IN_BROWSER) == covered
    # and the widgets of those not run here are walked from the keyboard, built by their own lesson modules
    for name, (function, _) in UNTRAINED_WIDGETS.items():
        module = lessons[name.split("_", 1)[0]]
        assert f"def {function}(" in module, f"{name}: its lesson module has no {function}"
    assert set(UNTRAINED_WIDGETS) == set(NOT_IN_BROWSER)
