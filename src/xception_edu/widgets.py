"""ipywidgets apps for the notebooks, built on one pattern:

* a **pure view function** ``view(**values) -> str | Figure`` holds all the logic and is tested
  without a kernel (set the values, check the result);
* an ``App`` wires controls that offer only valid values to that function;
* the app's display bundle carries the live widget AND a static rendering of the current view
  (HTML or PNG). JupyterLab and Colab show the widget; GitHub or a static HTML export, which
  cannot run a kernel, fall back to the static rendering of the same thing.
"""
from __future__ import annotations

import base64
import io
from typing import Callable

import ipywidgets as W

from . import counting

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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

    def set(self, **values) -> "App":
        """Move controls as a learner would (each move redraws); returns self for chaining."""
        for name, v in values.items():
            if name not in self.controls:
                raise ValueError(f"{name!r} is not a control of this app; controls: {sorted(self.controls)}")
            self.controls[name].value = v
        return self

    def update(self) -> None:
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


# --- notebook 00: a first taste of the savings ---------------------------------------------------

CHANNEL_CHOICES = (16, 32, 64, 128, 256, 512, 728, 1024)
KERNEL_CHOICES = (1, 3, 5, 7)


def savings_view(channels: int, kernel_size: int) -> str:
    """HTML table: a regular k x k conv from C to C channels vs a depthwise separable one (Sec. 2)."""
    c, k = channels, kernel_size
    regular = counting.standard(c, c, k, (1, 1)).params
    separable = counting.separable(c, c, k, (1, 1)).params
    rows = [
        ("regular conv", f"k·k·C·C = {k}·{k}·{c}·{c}", regular),
        ("depthwise separable", f"k·k·C + C·C = {k}·{k}·{c} + {c}·{c}", separable),
    ]
    body = "".join(f"<tr><td>{n}</td><td>{f}</td><td style='text-align:right'>{p:,}</td></tr>" for n, f, p in rows)
    return (
        "<table><tr><th>operator</th><th>parameters</th><th>count</th></tr>" + body + "</table>"
        f"<p>The separable conv needs <b>{regular / separable:.1f}x fewer</b> parameters "
        f"({100 * separable / regular:.1f}% of the regular conv).</p>"
    )


def savings_teaser(channels: int = 728, kernel_size: int = 3) -> App:
    """Notebook 00's widget: channels and kernel size -> parameters of regular vs separable convs."""
    if channels not in CHANNEL_CHOICES:
        raise ValueError(f"channels={channels} is not one of {CHANNEL_CHOICES}")
    if kernel_size not in KERNEL_CHOICES:
        raise ValueError(f"kernel_size={kernel_size} is not one of {KERNEL_CHOICES}")
    controls = {
        "channels": W.SelectionSlider(options=CHANNEL_CHOICES, value=channels, description="channels C"),
        "kernel_size": W.SelectionSlider(options=KERNEL_CHOICES, value=kernel_size, description="kernel k"),
    }
    return App(controls, savings_view, title="Regular vs depthwise separable convolution")
