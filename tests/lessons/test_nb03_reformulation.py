"""Notebook 03's figure and widget: colour bars on every matrix, and a widget that leaves the RNG alone."""
import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import nb03_reformulation as nb03  # noqa: E402


def test_stage_figure_has_a_colour_bar_per_matrix_and_keeps_one_axes_per_panel():
    fig = nb03.stage_figure(xe.reformulate(xe.SimplifiedInception(4, 6, towers=3)))
    assert len(fig.axes) == 3  # the notebooks' stored "<Figure ... with 3 Axes>" stays true
    bars = [child for ax in fig.axes for child in ax.child_axes]
    assert len(bars) == 3
    assert [t.get_text() for t in bars[2].get_yticklabels()] == ["no", "yes"]  # connectivity: two values


def test_reformulation_numbers_do_not_reset_the_notebooks_random_state():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    r = nb03.reformulation_numbers(3)
    assert torch.equal(torch.rand(3), expected)
    assert r["max_diff"] < 1e-5 and r["params_fig2"] == r["params_fig3"]
    assert nb03.reformulation_numbers(3)["max_diff"] == r["max_diff"]  # still reproducible
