"""build_check: a learner's class run beside the package's module, on the same weights (notebook 08's build
exercises, ``lessons/build_blocks.py``, are its users; their mistakes are tested in test_build_blocks.py)."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from xception_edu.exercises import Mismatch
from xception_edu.lessons import build_check as bc
from xception_edu.ops import SeparableConv2d


def _plain_separable(cin, cout, k=3, relu_after=False):
    layers = [nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False),
              nn.Conv2d(cin, cout, 1, bias=False)]
    return nn.Sequential(*layers, *([nn.ReLU()] if relu_after else []))


def test_the_trace_records_the_calls_in_order_and_which_layer_feeds_which():
    conv, bn, relu = nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.ReLU()
    trace = bc.Trace(nn.Sequential(conv, bn, relu), bc.signed_input(3, (5, 5), seed=0))
    assert trace.calls == [conv, bn, relu] and trace.convs == [conv] and trace.bns == [bn]
    assert (trace.fed_by[conv], trace.fed_by[bn], trace.fed_by[relu]) == (None, conv, bn)
    assert trace.error is None and trace.out.shape == (4, 4, 5, 5)


def test_the_trace_keeps_the_forwards_error():
    trace = bc.Trace(nn.Sequential(nn.Conv2d(3, 4, 1), nn.Conv2d(5, 4, 1)), bc.signed_input(3, (5, 5), 0))
    assert isinstance(trace.error, RuntimeError) and trace.out is None
    assert "RuntimeError" in str(bc.crashed(trace, "Net()", bc.signed_input(3, (5, 5), 0), fix="f"))


def test_the_trace_leaves_the_module_in_the_mode_it_came_in():
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    bc.Trace(net.train(), bc.signed_input(3, (5, 5), 0))
    assert net.training and net[1].training
    bc.Trace(net.eval(), bc.signed_input(3, (5, 5), 0))
    assert not net.training


class _DefinedBackwards(nn.Module):
    """Defines its convs in one order and calls them in the other."""

    def __init__(self):
        super().__init__()
        self.spatial, self.pointwise = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return self.spatial(self.pointwise(x))


def test_convs_in_call_order_follow_the_forward_and_a_failing_forward_raises():
    net = _DefinedBackwards()
    assert bc.convs_in_call_order(net, bc.signed_input(3, (5, 5), 0)) == [net.pointwise, net.spatial]
    with pytest.raises(RuntimeError):
        bc.convs_in_call_order(net, bc.signed_input(5, (5, 5), 0))


def test_the_signed_input_has_both_signs_and_follows_its_seed():
    x = bc.signed_input(8, (6, 7), seed=3)
    assert x.shape == (4, 8, 6, 7) and (x < 0).any() and (x > 0).any()
    assert torch.equal(x, bc.signed_input(8, (6, 7), seed=3))
    assert not torch.equal(x, bc.signed_input(8, (6, 7), seed=4))


def test_the_same_function_passes_with_other_layers_and_other_weights():
    x = bc.signed_input(6, (7, 8), seed=1)
    learner = _plain_separable(6, 5)
    bc.compare(learner, bc.Trace(learner, x), SeparableConv2d(6, 5), x, "the separable conv")


def test_a_difference_is_named_by_the_mistake_it_computes_else_by_its_size():
    x = bc.signed_input(6, (7, 8), seed=1)
    learner = _plain_separable(6, 5, relu_after=True)
    hint = ("a ReLU after the pointwise conv", "remove it")
    with pytest.raises(Mismatch, match="a ReLU after the pointwise conv") as caught:
        bc.compare(learner, bc.Trace(learner, x), SeparableConv2d(6, 5), x, "the separable conv",
                   wrong=lambda ref, x: {hint: F.relu(ref(x))})
    assert caught.value.fix == "remove it"
    with pytest.raises(Mismatch, match="outputs differ in eval mode .largest difference"):
        bc.compare(learner, bc.Trace(learner, x), SeparableConv2d(6, 5), x, "the separable conv")


def test_build_wants_the_class_and_names_a_call_that_crashes():
    with pytest.raises(Mismatch, match="pass your class itself.*not a Sequential"):
        bc.build(_plain_separable(2, 2), (2, 2), "cls(in, out)", fix="f")
    assert isinstance(bc.build(_plain_separable, (2, 3), "cls(in, out)", fix="f"), nn.Module)
    with pytest.raises(Mismatch, match=r"_plain_separable\(0, 3\)"):  # groups=0: nn.Conv2d refuses it
        bc.build(_plain_separable, (0, 3), "cls(in, out)", fix="f")


def test_only_the_allowed_layers_may_be_called():
    x = bc.signed_input(3, (5, 5), seed=0)
    net = nn.Sequential(nn.Conv2d(3, 3, 1), nn.GELU())
    with pytest.raises(Mismatch, match="your forward calls GELU: the block has none"):
        bc.check_layers(bc.Trace(net, x), (nn.Conv2d, nn.ReLU), "the block")
    bc.check_layers(bc.Trace(net[:1], x), (nn.Conv2d, nn.ReLU), "the block")
