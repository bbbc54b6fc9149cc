"""Notebook 06's figures, the synthetic set's channel factors as the notebook shows them, and the hints of its
spatial-correlation check."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from xception_edu import exercises  # noqa: E402
from xception_edu.data import CHANNEL  # noqa: E402
from xception_edu.lessons import nb06_correlations as nb06  # noqa: E402


def test_channel_factors_are_what_their_names_say():
    measured = nb06.channel_factor_correlations(n=64, size=32)
    assert list(measured) == list(CHANNEL) == list(nb06.CHANNEL_CORRELATIONS)
    for name, r in measured.items():
        assert (r - torch.tensor(nb06.CHANNEL_CORRELATIONS[name])).abs().max() < 0.1, (name, r)
    off = ~torch.eye(3, dtype=torch.bool)
    assert (measured["positive"][off] > 0.35).all() and (measured["independent"][off].abs() < 0.1).all()
    assert measured["red-green"][0, 1] < -0.35


def test_photo_figure_labels_every_region_and_has_a_fixed_colour_bar():
    regions = nb06.photo_regions()
    fig = nb06.photo_correlation_figure(regions)
    labels = {t.get_text(): t for t in fig.axes[0].texts}
    assert set(labels) == set(list(regions)[1:])
    assert all(t.get_color() == "white" and t.get_path_effects() for t in labels.values())  # outlined
    bar = fig.axes[-1]
    assert bar.get_ylabel() == "correlation r" and bar.get_ylim() == (-1.0, 1.0)


def test_curves_figure_keeps_its_legend_outside_the_axes():
    fig = nb06.curves_figure({"a": ([0, 1, 2], [1.0, 0.6, 0.2]), "b": ([0, 1, 2], [1.0, 0.9, 0.8])})
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1


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
