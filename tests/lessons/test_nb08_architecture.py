"""Notebook 08's package code, tested without a kernel: the architecture widget against real models,
and the two figures (``anatomy_figures``)."""
import matplotlib
import pytest

matplotlib.use("Agg")

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import anatomy_figures
from xception_edu.lessons import nb08_xception_architecture as nb08
from xception_edu.model import anatomy


def _html(app):
    return app.output.outputs[0]["data"]["text/html"]


@pytest.mark.parametrize("repeats,width,size", [(8, 1.0, 299), (0, 0.25, 71), (3, 0.5, 128)])
def test_architecture_widget_shows_the_real_models_counts(repeats, width, size):
    app = nb08.architecture().set(middle_repeats=repeats, width=width, image_size=size)
    model = xe.Xception(middle_repeats=repeats, width=width)
    total = {r.name: r for r in xe.flow_counts(model, size)}["total"]
    assert f"parameters: {total.params:,}" in _html(app) and f"multiply-adds: {total.macs:,}" in _html(app)


def test_architecture_widget_defaults_are_the_papers_model():
    html = nb08.architecture_view(8, 1.0, 299)
    assert "parameters: 22,855,952" in html and "1.00x the parameters" in html


def test_architecture_widget_offers_only_valid_values():
    app = nb08.architecture()
    assert min(app.controls["image_size"].options) == xe.model.MIN_SIZE
    with pytest.raises(ValueError, match="image_size=64 is not one of"):
        nb08.architecture(image_size=64)
    with pytest.raises(ValueError, match="width=0.3 is not one of"):
        nb08.architecture(width=0.3)


def test_feature_map_figure_has_one_bar_and_one_point_per_stage():
    maps = xe.feature_maps(xe.Xception(middle_repeats=1, width=0.25), 71)
    fig = anatomy_figures.feature_map_figure(maps)
    bars, line = fig.axes[0].patches, fig.axes[1].lines[0]
    assert [b.get_height() for b in bars] == [s[1] for s in maps.values()]
    assert list(line.get_ydata()) == [s[0] for s in maps.values()]


def test_breakdown_figure_bars_are_the_shares():
    parts = anatomy.breakdown(xe.Xception(middle_repeats=1, width=0.25), 71)
    fig = anatomy_figures.breakdown_figure(parts)
    widths = [b.get_width() for b in fig.axes[0].patches]
    total = sum(c.params for c in parts.values())
    assert widths == pytest.approx([c.params / total for c in parts.values()])
    assert f"{total:,}" in fig.axes[0].get_title()


def test_breakdown_figure_labels_fit_their_bars():
    fig = anatomy_figures.breakdown_figure(anatomy.breakdown(xe.Xception(), 299))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = {(b.get_x(), b.get_width()): b.get_window_extent() for b in ax.patches}
        for t in ax.texts:
            inside = [e for e in boxes.values() if e.x0 <= t.get_window_extent(renderer).x0]
            assert t.get_window_extent(renderer).x1 <= max(inside, key=lambda e: e.x0).x1, t.get_text()
