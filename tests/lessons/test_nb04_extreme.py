"""Notebook 04's package code: the spectrum figure and the behavioural check of exercise 04.build_extreme."""
import pytest
import torch.nn as nn

import xception_edu as xe
from xception_edu.lessons import nb04_extreme_inception as nb04


def _fig4(cin, c, first=nn.ReLU, second=nn.ReLU):
    return nn.Sequential(nn.Conv2d(cin, c, 1, bias=False), first(),
                         nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), second())


def test_the_reference_follows_the_paper_a_relu_after_both_steps():
    m = xe.ExtremeInception(8, 12)
    assert isinstance(m.mid_act, nn.ReLU) and isinstance(m.act, nn.ReLU) and m.spatial.groups == 12


def test_build_extreme_accepts_fig4_and_a_copy_of_the_reference():
    assert nb04.check("04.build_extreme", _fig4, quiet=True).passed
    assert nb04.check("04.build_extreme", lambda cin, c: xe.ExtremeInception(cin, c), quiet=True).passed


@pytest.mark.parametrize("wrong, says", [
    (lambda cin, c: _fig4(cin, c, second=nn.Identity), "no ReLU after the 3x3"),
    (lambda cin, c: _fig4(cin, c, first=nn.Identity), "no ReLU between the 1x1 conv and the 3x3"),
    (lambda cin, c: _fig4(cin, c, nn.Identity, nn.Identity), "no ReLU at all"),
    (lambda cin, c: nn.Sequential(nn.ReLU(), *_fig4(cin, c, first=nn.Identity)), "before the 1x1"),
    (lambda cin, c: _fig4(cin, c, second=nn.Sigmoid), "Sigmoid"),
    (lambda cin, c: _fig4(cin, c, first=nn.Sigmoid), "Sigmoid"),
    (lambda cin, c: _fig4(cin, c, second=nn.Tanh), "Tanh"),
])
def test_build_extreme_rejects_a_missing_or_misplaced_relu_and_says_what_differs(wrong, says):
    result = nb04.check("04.build_extreme", wrong, quiet=True)
    assert not result.passed and says in result.message, result.message


def test_build_extreme_still_rejects_wrong_groups_and_biases():
    def grouped(cin, c):
        return nn.Sequential(nn.Conv2d(cin, c, 1, bias=False), nn.ReLU(),
                             nn.Conv2d(c, c, 3, padding=1, groups=c // 4, bias=False), nn.ReLU())

    assert "parameters" in nb04.check("04.build_extreme", grouped, quiet=True).message
    biased = lambda cin, c: xe.ExtremeInception(cin, c, bias=True)  # noqa: E731
    assert not nb04.check("04.build_extreme", biased, quiet=True).passed


def test_spectrum_figure_has_readable_log_ticks():
    fig = nb04.spectrum_figure().fig
    labels = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    assert {"2,000", "5,000", "10,000", "20,000"} <= set(labels)
