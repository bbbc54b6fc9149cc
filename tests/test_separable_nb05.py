"""Notebook 05's package code: the regrouped stack and the tiny training run."""
import pytest
import torch

import xception_edu as xe
from xception_edu import toy


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


def test_stripes_are_deterministic_and_balanced():
    x, y = toy.stripes(n=64, seed=1)
    x2, y2 = toy.stripes(n=64, seed=1)
    assert torch.equal(x, x2) and torch.equal(y, y2) and x.shape == (64, 3, 10, 10)
    assert set(y.tolist()) == {0, 1, 2, 3}


def test_tiny_training_learns_and_only_the_activation_differs():
    data = toy.stripes(n=128, seed=0)
    losses = toy.train_tiny(None, steps=25, seed=0, data=data)
    assert len(losses) == 25 and sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    assert toy.train_tiny(None, steps=3, seed=0, data=data) == losses[:3]  # deterministic
    a, b = toy.TinySeparableNet(None), toy.TinySeparableNet("relu")
    assert xe.count_params(a) == xe.count_params(b)
