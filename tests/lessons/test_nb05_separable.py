"""Notebook 05's package code for the order of the two steps (Sec. 1.2): the regrouped stack, checked
numerically, and the regrouping of full Fig. 4 modules."""
import pytest
import torch

import xception_edu as xe
from xception_edu.lessons import nb05_depthwise_separable as nb05


@pytest.mark.parametrize("blocks", [1, 2, 5])
def test_regrouped_stack_computes_the_same_function(blocks):
    torch.manual_seed(0)
    stack = xe.pointwise_first_stack(6, blocks)
    regrouped = xe.regroup_stack(stack)
    x = torch.randn(2, 6, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(stack(x), regrouped(x))
    names = [n for n, _ in regrouped.named_children()]
    assert names[0] == "lead_pointwise" and names[-1] == "trailing_depthwise"
    assert sum(n.startswith("separable") for n in names) == blocks - 1
    assert xe.count_params(stack) == xe.count_params(regrouped)


def test_regroup_rejects_depthwise_first_blocks():
    with pytest.raises(TypeError, match="pointwise_first"):
        xe.regroup_stack(torch.nn.Sequential(xe.SeparableConv2d(4, 4)))


@pytest.mark.parametrize("blocks", [2, 4])
def test_regrouping_full_fig4_modules_moves_a_relu_between_the_steps(blocks):
    r = nb05.regroup_fig4(blocks, channels=8)
    assert r["relu_between"] < 1e-5          # the same function, with a ReLU between depthwise and 1x1
    assert r["xception_separable"] > 0.1     # Xception's separable convs (nothing between): another one


def test_the_regroup_view_reports_a_broken_transplant(monkeypatch):
    # The verdict must come from the regrouped stack regroup_stack BUILT, not from the stack compared
    # with itself: one weight of the regrouped copy perturbed flips it.
    def broken(stack):
        regrouped = xe.regroup_stack(stack)
        with torch.no_grad():
            regrouped.lead_pointwise.weight[0, 0] += 0.5
        return regrouped

    assert "the same function" in nb05.regroup_view(3)
    monkeypatch.setattr(nb05, "regroup_stack", broken)
    for blocks in (1, 3):
        html = nb05.regroup_view(blocks)
        assert "NOT the same" in html and "the same function" not in html


def test_regroup_fig4_measures_the_regrouped_modules_it_built(monkeypatch):
    class Off(xe.SeparableConv2d):  # a transplant that is off by a little everywhere
        def forward(self, x):
            return super().forward(x) + 1e-3

    monkeypatch.setattr(nb05, "SeparableConv2d", Off)
    r = nb05.regroup_fig4(3, channels=8)
    assert r["relu_between"] > 1e-5

