"""The one pattern every widget of the suite follows (ipywidgets):

* a **pure view function** ``view(**values) -> str | Described`` (HTML, or a figure with its text
  alternative) holds all the logic and is tested without a kernel (set the values, check the result);
* an ``App`` wires controls that offer only valid values to that function; every control is an
  ipywidgets control with a ``description`` (its accessible name), so Tab reaches it and arrows, Home,
  End or Enter operate it;
* the controls wrap onto as many rows as the output area needs (592 px: a 1024 px window with the file
  browser open; 315 px: the same at 150 % zoom), each slider keeping a usable track; the drawings scale
  and the tables stack their rows (``html_table``);
* the app's display bundle carries the live widget AND a static rendering of the current view
  (``static_html``): the app's title, its controls' values in words, and the view with every inline
  SVG turned into an ``<img>`` of the same SVG, its alt text the drawing's title and description.
  That static form is what a stored notebook shows until its cell runs: JupyterLab does not trust a
  notebook it did not run, so it renders neither the widget (an unsafe MIME type) nor an inline SVG
  (its HTML sanitizer strips it, leaving the labels run together), but it does render sanitized HTML
  with data-URI images. GitHub, nbconvert and other kernel-less viewers show the same picture.
"""
from __future__ import annotations

import contextlib
import html
from collections.abc import Callable

import ipywidgets as W

from .._validate import choice
from .figures import Described
from .svg import SVG_ELEMENT, svg_as_img

NAME_SLIDERS_JS = """(() => {
  if (window.xeNameSliders) return;
  window.xeNameSliders = true;
  let next = 0;
  const name = () => document.querySelectorAll('.widget-slider').forEach(row => {
    const label = row.querySelector(':scope > .widget-label');
    if (!label || !label.textContent.trim()) return;
    if (!label.id) label.id = 'xe-slider-label-' + (next++);
    row.querySelectorAll('[role=slider]:not([aria-labelledby]), .widget-readout:not([aria-labelledby])')
      .forEach(el => el.setAttribute('aria-labelledby', label.id));
  });
  name();
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
})();"""
"""ipywidgets 8 draws a slider's handle (role=slider) and its readout apart from the description label,
with no accessible name: this names each by its row's label, once per page, as sliders are drawn. It
runs wherever a notebook's outputs are trusted (one run in JupyterLab) and in an exported page."""

KERNEL_CHOICES = (1, 3, 5, 7)
"""Kernel sizes the widgets offer: odd, so that 'same' padding keeps the map size."""


def same_function(max_diff: float) -> str:
    """The verdict the proof widgets print on two modules' largest output difference (Figs 3, 4): float32
    rounding stays far below 1e-5 on these sizes, a wrong weight or order far above it."""
    return "below 1e-5: the same function" if max_diff < 1e-5 else f"{max_diff:.2e}: NOT the same"


def check_choices(**values_and_choices) -> None:
    """A widget's starting values must be among its slider's options: ``name=(value, choices)``."""
    for name, (value, choices) in values_and_choices.items():
        choice(name, value, choices)


def rebuild_in_browser(slider) -> None:
    """Have the browser build ``slider`` anew after its options or bounds changed: its noUiSlider keeps the
    range it was built with (End would go to the old last option); a change of orientation rebuilds it."""
    kept = slider.orientation
    slider.orientation = "vertical" if kept == "horizontal" else "horizontal"
    slider.orientation = kept
    # and its position once more, after the rebuild: set before it, a position past the old range was clamped
    slider.send_state("index" if isinstance(slider, W.SelectionSlider) else "value")


def _said(control) -> str:
    """A control's current value as a reader would say it: its option label, not the value behind it."""
    labels, index = getattr(control, "_options_labels", None), getattr(control, "index", None)
    return str(labels[index] if labels and isinstance(index, int) else control.value)


def _fit(control) -> int:
    """Size a control for a narrow output area: its label as wide as its text (not a fixed 80 px that
    truncates it and starves the track), a basis of 320 px that grows to 480 px, so that a row of
    controls wraps before a slider's track drops under about 120 px. Returns the characters its readout
    needs (its longest option or bound)."""
    if hasattr(control.style, "description_width") and not control.style.description_width:
        control.style.description_width = "initial"
    layout = control.layout
    if layout.width is None:
        layout.width, layout.flex = "auto", "1 1 320px"
        # 100% less the control's own margins: alone on a row under 320 px it must not reach past the row
        layout.min_width, layout.max_width = "min(320px, 100% - 2 * var(--jp-widgets-margin, 2px))", "480px"
    labels = getattr(control, "_options_labels", None) or [getattr(control, k, "") for k in ("min", "max")]
    return max(len(str(v)) for v in labels)


def _readout_css(widths: set[int]) -> str:
    """Slider readouts as wide as their longest value (ipywidgets gives each 72 px, which a one-digit value
    does not need and a long label overflows); a longer label that comes later widens it."""
    return "<style>" + "".join(
        f".xe-app .xe-readout-{n} .widget-readout{{min-width:calc({n}ch + 12px);width:auto;max-width:none}}"
        for n in sorted(widths)) + "</style>"


class App:
    """Controls plus a view function; ``app.update()`` redraws, ``app.view()`` is the pure result."""

    def __init__(self, controls: dict[str, W.ValueWidget], view: Callable, title: str = ""):
        self.controls, self._view, self.title = controls, view, title
        widths = set()
        for name, c in controls.items():
            if not c.description:
                raise ValueError(f"control {name!r} has no description: it is the label a screen reader says")
            n = _fit(c)
            c.add_class(f"xe-readout-{n}")
            widths.add(n)
        self.output = W.Output(layout=W.Layout(max_width="100%", overflow="auto"))
        for c in controls.values():
            c.observe(lambda _change: self.update(), names="value")
        header = W.HTML((f"<b>{html.escape(title)}</b>" if title else "") + _readout_css(widths))
        row = W.HBox(list(controls.values()),
                     layout=W.Layout(flex_flow="row wrap", max_width="100%", grid_gap="4px 16px"))
        self.widget = W.VBox([header, row, self.output], layout=W.Layout(max_width="100%"))
        self.widget.add_class("xe-app")
        self.update()

    @property
    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def view(self):
        return self._view(**self.values)

    def set(self, **values) -> App:
        """Move controls as a learner would (each move redraws); returns self for chaining."""
        for name, v in values.items():
            if name not in self.controls:
                raise ValueError(f"{name!r} is not a control of this app; controls: {sorted(self.controls)}")
            self.controls[name].value = v
        return self

    @contextlib.contextmanager
    def hold(self, redraw: bool = True):
        """Move several controls at once: no redraw in between (the view never sees, e.g., a slider's new
        options before its new value), then one at the end. ``redraw=False`` when the caller is itself
        an observer of a control move that the App will redraw for anyway."""
        self._held = True
        try:
            yield self
        finally:
            self._held = False
        if redraw:
            self.update()

    def update(self) -> None:
        if getattr(self, "_held", False):
            return
        # Set the Output widget's content directly rather than `with output: display(...)`:
        # no iopub routing is involved, so it behaves the same in JupyterLab, nbconvert and nbval.
        self.output.outputs = ({"output_type": "display_data", "data": self.rendering(), "metadata": {}},)

    def rendering(self) -> dict:
        """The current view as a MIME bundle: HTML for a string, the figure's own bundle (its ``<img alt>``)
        for a described figure."""
        result = self.view()
        if isinstance(result, str):
            return {"text/html": result, "text/plain": "<HTML view>"}
        if isinstance(result, Described):
            return dict(result._repr_mimebundle_())
        raise TypeError(f"the view returned a {type(result).__name__}: a view returns HTML (a str) or a "
                        "figures.Described (a figure with its text alternative)")

    def static_html(self, rendering: dict | None = None) -> str:
        """What a viewer without the widget shows: the title, the controls' values in words, and the
        current view, every inline SVG as an ``<img>`` with its title and description as alt text."""
        rendering = rendering or self.rendering()
        view = SVG_ELEMENT.sub(lambda m: svg_as_img(m.group(0)), rendering["text/html"])
        values = "; ".join(f"{html.escape(c.description)} = {html.escape(_said(c))}"
                           for c in self.controls.values())
        head = f"<b>{html.escape(self.title)}</b>" if self.title else ""
        return (f"<div class='xe-static'>{head}<p><i>Shown at {values}. Run the cell to move the "
                f"controls.</i></p>{view}</div>")

    def _ipython_display_(self):
        from IPython.display import Javascript, display, publish_display_data

        display(Javascript(NAME_SLIDERS_JS))
        publish_display_data(self._repr_mimebundle_())

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        rendering = self.rendering()
        data.update({k: v for k, v in rendering.items() if k != "text/html"})
        data["text/html"] = self.static_html(rendering)
        # A stable plain-text line (nbval compares it; the widget's own repr lists every trait).
        data["text/plain"] = f"<{self.title or 'App'}: {self.values}>"
        return bundle
