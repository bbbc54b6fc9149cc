"""The one pattern every widget of the suite follows (ipywidgets):

* a **pure view function** ``view(**values) -> str | Figure`` holds all the logic and is tested
  without a kernel (set the values, check the result);
* an ``App`` wires controls that offer only valid values to that function;
* the app's display bundle carries the live widget AND a static rendering of the current view
  (HTML or PNG). JupyterLab and Colab show the widget; GitHub or a static HTML export, which
  cannot run a kernel, fall back to the static rendering of the same thing.
"""
from __future__ import annotations

import base64
import contextlib
import io
from collections.abc import Callable

import ipywidgets as W

from .._validate import choice

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


def _figure_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=80)
    return base64.b64encode(buf.getvalue()).decode()


class App:
    """Controls plus a view function; ``app.update()`` redraws, ``app.view()`` is the pure result."""

    def __init__(self, controls: dict[str, W.ValueWidget], view: Callable, title: str = ""):
        self.controls, self._view, self.title = controls, view, title
        self.output = W.Output()
        for c in controls.values():
            c.observe(lambda _change: self.update(), names="value")
        header = [W.HTML(f"<b>{title}</b>")] if title else []
        self.widget = W.VBox(header + [W.HBox(list(controls.values())), self.output])
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
        """The current view as a static MIME bundle: HTML for a string, PNG for a figure."""
        result = self.view()
        if isinstance(result, str):
            return {"text/html": result, "text/plain": "<HTML view>"}
        import matplotlib.pyplot as plt

        png = _figure_png(result)
        plt.close(result)
        return {"image/png": png, "text/plain": "<Figure>"}

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data.update(self.rendering())
        # A stable plain-text line (nbval compares it; the widget's own repr lists every trait).
        data["text/plain"] = f"<{self.title or 'App'}: {self.values}>"
        return bundle
