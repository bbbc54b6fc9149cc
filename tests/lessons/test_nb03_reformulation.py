"""Notebook 03's figure and widget: colour bars on every matrix, and a widget that leaves the RNG alone."""
import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import nb03_reformulation as nb03  # noqa: E402


def test_stage_figure_has_a_colour_bar_per_matrix_and_keeps_one_axes_per_panel():
    fig = nb03.stage_figure(xe.reformulate(xe.SimplifiedInception(4, 6, towers=3))).fig
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


def test_same_function_verdict_separates_rounding_from_a_real_difference():
    assert nb03.same_function(0.0).endswith("the same function")
    assert nb03.same_function(3e-7).endswith("the same function")  # float32 rounding on these sizes
    assert nb03.same_function(2e-3) == "2.00e-03: NOT the same"


def test_the_proof_view_reports_a_broken_transplant(monkeypatch):
    # The widget must compare Fig. 2 with the module reformulate BUILT, not with itself: with one weight
    # of the transplant perturbed, the verdict must flip.
    def broken(fig2):
        fig3 = xe.reformulate(fig2)
        with torch.no_grad():
            fig3.pointwise.weight[0, 0] += 0.5
        return fig3

    assert "the same function" in nb03.reformulation_view(3)
    monkeypatch.setattr(nb03, "reformulate", broken)
    for towers in (1, 3, 12):
        html = nb03.reformulation_view(towers)
        assert "NOT the same" in html and "the same function" not in html
        assert nb03.reformulation_numbers(towers)["max_diff"] > 1e-3


def test_the_transplant_check_leaves_the_notebooks_random_state_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    nb03.check("03.transplant", lambda m: (None, None), quiet=True)
    assert torch.equal(torch.rand(3), expected)
