"""Notebook 06's figures, the synthetic set's channel factors as the notebook shows them, and the hints of its
spatial-correlation check."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from xception_edu import exercises  # noqa: E402
from xception_edu.data import CHANNEL, SPATIAL  # noqa: E402
from xception_edu.lessons import figures  # noqa: E402
from xception_edu.lessons import nb06_correlations as nb06  # noqa: E402


def test_channel_factors_are_what_their_names_say():
    measured = nb06.channel_factor_correlations(n=64, size=32)
    assert list(measured) == list(CHANNEL) == list(nb06.CHANNEL_CORRELATIONS)
    for name, r in measured.items():
        assert (r - torch.tensor(nb06.CHANNEL_CORRELATIONS[name])).abs().max() < 0.1, (name, r)
    off = ~torch.eye(3, dtype=torch.bool)
    assert (measured["positive"][off] > 0.35).all() and (measured["independent"][off].abs() < 0.1).all()
    assert measured["red-green"][0, 1] < -0.35


def test_photo_figure_labels_every_region_has_a_fixed_colour_bar_and_states_each_regions_r():
    g = torch.Generator().manual_seed(0)
    whole = torch.rand(3, 40, 48, generator=g)
    whole[1] = 0.5 * whole[0] + 0.5 * whole[1]
    boxes = {"left": (2, 20, 2, 20), "right": (10, 30, 30, 46)}
    regions = {"photo": whole} | {name: whole[:, t:b, lo:hi] for name, (t, b, lo, hi) in boxes.items()}
    d = nb06.photo_correlation_figure(regions, boxes)
    figures.check_style(d)
    for name, image in regions.items():
        r = nb06.channel_correlation(image)
        assert f"{name}: R-G {r[0, 1]:.2f}, R-B {r[0, 2]:.2f}, G-B {r[1, 2]:.2f}" in d.alt
        assert [name, f"{r[0, 1]:.2f}", f"{r[0, 2]:.2f}", f"{r[1, 2]:.2f}"] in d.data
    fig = d.fig
    labels = {t.get_text(): t for t in fig.axes[0].texts}
    assert set(labels) == set(list(regions)[1:])
    assert all(t.get_color() == "white" and t.get_path_effects() for t in labels.values())  # outlined
    bar = fig.axes[-1]
    assert bar.get_ylabel() == "correlation r" and bar.get_ylim() == (-1.0, 1.0)


def _curves():
    return {"near": ([0, 1, 2, 3], [1.0, 0.6, 0.3, 0.1]), "far": ([0, 1, 2, 3], [1.0, 0.9, 0.8, 0.7]),
            "mid": ([0, 1, 2, 3], [1.0, 0.8, 0.55, 0.4])}


def test_curves_figure_tells_curves_apart_without_colour_and_labels_each_at_its_end():
    d = nb06.curves_figure(_curves(), title="t")
    figures.check_style(d)  # distinct line style + marker per curve, fonts >= 9 pt, no legend over data
    ax = d.fig.axes[0]
    assert ax.get_legend() is None
    labels = {t.get_text(): t for t in ax.texts}
    assert set(labels) == set(_curves())
    for name, (xs, ys) in _curves().items():
        assert labels[name].xy == (xs[-1], ys[-1])  # each label's line starts at its own curve's end
    d.fig.canvas.draw()
    right = ax.get_window_extent().x1
    assert all(Text.get_window_extent(t).x0 >= right for t in labels.values())  # outside the data area


def test_curves_figure_alt_text_follows_the_data():
    alt = nb06.curves_figure(_curves(), title="t").alt
    # 'near' falls to 0.5 between d = 1 (0.6) and d = 2 (0.3): at 1 + 0.1 / 0.3
    assert "3 curves" in alt and "near from 1.00 at 0 to 0.10 at 3, falling to 0.5 at 1.3" in alt
    assert "far from 1.00 at 0 to 0.70 at 3, above 0.5 throughout" in alt
    moved = _curves()
    moved["far"] = ([0, 1, 2, 3], [1.0, 0.7, 0.45, 0.2])
    assert nb06.curves_figure(moved, title="t").alt != alt
    rows = nb06.curves_figure(moved).data  # the numbers as a table: a row per distance, a column per curve
    assert rows[0] == ["distance (pixels)", "near", "far", "mid"] and rows[3] == ["2", "0.30", "0.45", "0.55"]
    apart = nb06.curves_figure({"a": ([0, 1], [1.0, 0.4]), "b": ([0, 2], [1.0, 0.7])}).data  # other xs: long
    assert apart[1:] == [["a", "0", "1.00"], ["a", "1", "0.40"], ["b", "0", "1.00"], ["b", "2", "0.70"]]
    assert "far from 1.00 at 0 to 0.20 at 3, falling to 0.5 at 1.8" in nb06.curves_figure(moved).alt


def test_synthetic_factors_figure_passes_the_style_check_and_names_its_rows_and_columns():
    d = nb06.synthetic_factors_figure(size=16)
    figures.check_style(d)
    assert all(name in d.alt for name in SPATIAL + CHANNEL) and "16 x 16 px" in d.alt


def _channel_maps():
    g = torch.Generator().manual_seed(0)
    return {"input": torch.randn(2, 3, 8, 8, generator=g), "wide": torch.randn(2, 8, 4, 4, generator=g)}


def test_switching_layers_sets_the_channel_range_clamps_once_and_rebuilds_the_browser_slider():
    maps = _channel_maps()
    app = nb06.correlation_explorer(maps, layer="wide", a=7, b=5)
    views, turns = [], []
    app.output.observe(lambda ch: views.append(ch["new"][0]["data"]["text/html"]), names="outputs")
    app.controls["a"].observe(lambda ch: turns.append(ch["new"]), names="orientation")
    app.set(layer="input")
    assert (app.controls["a"].max, app.controls["b"].max) == (2, 2)
    assert app.values["a"] == app.values["b"] == 2
    assert views == [nb06.correlation_view(maps, "input", 0, 2, 2)]  # one redraw, never an invalid channel
    # The browser's End key reads the range the slider was built with: the slider is rebuilt, as it was.
    assert turns == ["vertical", "horizontal"] and app.controls["a"].orientation == "horizontal"
    app.set(layer="wide")
    assert app.controls["a"].max == 7 and app.values["a"] == 2
    app.set(a=7)  # End, after the switch: the new layer's last channel
    assert views[-1] == nb06.correlation_view(maps, "wide", 0, 7, 2)
    turns.clear()
    app.set(image=1)  # the same layer: the range stays, nothing is rebuilt
    assert turns == []


def _pearson(x, y):
    x, y = x.flatten() - x.mean(), y.flatten() - y.mean()
    return float((x * y).sum() / (x.square().sum() * y.square().sum()).sqrt())


def test_shift_correlation_check_accepts_numpy_and_names_each_mistake():
    def right(image, c, d):  # an independent reference: numpy's corrcoef of the pixel pairs d apart in a row
        x = image[c].numpy()
        return np.corrcoef(x[:, : x.shape[-1] - d].ravel(), x[:, d:].ravel())[0, 1]

    def rolled(image, c, d):
        return _pearson(image[c], image[c].roll(d, -1))

    def vertical(image, c, d):
        return _pearson(image[c, : image.shape[-2] - d], image[c, d:])

    assert exercises.check("06.shift_correlation", right, quiet=True).passed
    assert "torch.roll wraps around" in exercises.check("06.shift_correlation", rolled, quiet=True).message
    assert "along the HEIGHT" in exercises.check("06.shift_correlation", vertical, quiet=True).message
    many = exercises.check("06.shift_correlation", lambda image, c, d: image[c], quiet=True)
    assert not many.passed and "return ONE number" in many.message


def test_the_notebooks_correlation_length_line_never_prints_inf(capsys):
    # The notebook's loop, run on a curve that stays above 0.5 and on one that falls within the curve.
    import json
    import pathlib

    nb = json.loads((pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "06_correlations.ipynb")
                    .read_text())
    source = "".join(next(c for c in nb["cells"] if c.get("id") == "d05a3c92")["source"])
    loop = source[source.index("for name, (d, curve)"):]
    curves = {"flat": (range(17), torch.full((17,), 0.9)), "falls": (range(17), torch.linspace(1, 0, 17))}
    exec(loop, {"curves": curves, "lesson": nb06})
    out = capsys.readouterr().out
    assert "inf" not in out and "not within 16 px" in out and "falls to 0.5 at: 8.0 px" in out
