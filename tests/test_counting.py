"""Counting: the paper-and-pencil formulas == sum(p.numel()) == torchinfo, over a grid of shapes."""
import itertools
import re

import numpy as np
import pytest
import torch

import xception_edu as xe
from xception_edu import counting
from xception_edu._validate import common_divisors

SHAPES = [(3, 8, 3, (9, 9)), (8, 16, 3, (7, 5)), (12, 24, 5, (6, 6)), (16, 16, 1, (4, 8)), (6, 12, 3, (1, 1))]


def _modules(cin, cout, k):
    yield xe.StandardConv(cin, cout, k)
    yield xe.StandardConv(cin, cout, k, bias=True)
    yield xe.ExtremeInception(cin, cout, k)
    yield xe.SeparableConv2d(cin, cout, k)
    yield xe.SeparableConv2d(cin, cout, k, bias=True)
    yield xe.SeparableConv2d(cin, cout, k, order="pointwise_first")
    for g in xe.divisors(cout):
        yield xe.SpectrumConv(cin, cout, k, groups=g)
        yield xe.SimplifiedInception(cin, cout, k, towers=g)
    for g in xe.divisors(cin):
        yield xe.SeparableConv2d(cin, cout, k, spatial_groups=g)


@pytest.mark.parametrize("cin,cout,k,hw", SHAPES)
def test_formula_equals_module_equals_torchinfo(cin, cout, k, hw):
    size = (1, cin, *hw)
    for m in _modules(cin, cout, k):
        formula = m.counts(*hw)
        assert formula == xe.measure(m, size), type(m).__name__
        assert formula.params == sum(p.numel() for p in m.parameters())
        assert formula == xe.torchinfo_counts(m, size), type(m).__name__


def test_inception_v3_counts_include_bn_and_torchinfo_adds_two_per_bn_channel():
    m = xe.InceptionV3Module(10, 24, widths=(4, 6, 8, 6), reduce=(3, 5))
    size = (1, 10, 8, 8)
    formula = m.counts(8, 8)
    assert formula == xe.measure(m, size)
    ti = xe.torchinfo_counts(m, size)
    bn_channels = 4 + 3 + 6 + 5 + 8 + 8 + 6
    assert ti.params == formula.params
    assert ti.macs == formula.macs + 2 * bn_channels


def test_paper_and_pencil_formulas():
    # k*k*Cin*Cout for a regular conv; k*k*Cin + Cin*Cout for a depthwise separable one.
    assert counting.standard(64, 128, 3, (1, 1)).params == 3 * 3 * 64 * 128
    assert counting.separable(64, 128, 3, (1, 1)).params == 3 * 3 * 64 + 64 * 128
    assert counting.standard(64, 128, 3, (10, 10)).macs == 3 * 3 * 64 * 128 * 100
    assert counting.spectrum(64, 128, 3, 4, (1, 1)).params == 64 * 128 + 3 * 3 * 128 * 128 // 4
    assert counting.linear(2048, 1000).params == 2048 * 1000 + 1000


@pytest.mark.parametrize("c,k", [(32, 3), (128, 3), (728, 3), (64, 5)])
def test_separable_ratio_is_one_over_cout_plus_one_over_k_squared(c, k):
    ratio = counting.separable(c, c, k, (1, 1)).macs / counting.standard(c, c, k, (1, 1)).macs
    assert ratio == pytest.approx(1 / c + 1 / k**2, rel=1e-12)  # (k^2 C + C^2) / (k^2 C^2), Sec. 1.2
    assert counting.separable_ratio(c, k) == pytest.approx(1 / c + 1 / k**2, rel=1e-12)


def test_spectrum_params_fall_monotonically_with_more_groups():
    params = [counting.spectrum(32, 64, 3, g, (1, 1)).params for g in xe.divisors(64)]
    assert params == sorted(params, reverse=True) and len(set(params)) == len(params)


@pytest.mark.parametrize("hw", [(0, 5), (-1, 3), (4,), (2, 3, 4), (2.0, 3), "77"])
def test_map_sizes_must_be_pairs_of_positive_ints(hw):
    # A zero or negative side used to give plausible-looking numbers (negative multiply-adds for (-1, 3)).
    pair = rf"must be a \(height, width\) pair of positive integers, got {re.escape(repr(hw))}"
    for name, call in (("out_hw", lambda: counting.conv(3, 8, 3, hw)),
                       ("out_hw", lambda: counting.standard(3, 8, 3, hw)),
                       ("out_hw", lambda: counting.separable(3, 8, 3, hw)),
                       ("in_hw", lambda: counting.separable(3, 8, 3, (4, 4), in_hw=hw)),
                       ("hw", lambda: counting.spectrum(3, 8, 3, 2, hw)),
                       ("hw", lambda: counting.inception_v3(10, (4, 6, 8, 6), (3, 5), 3, hw))):
        with pytest.raises(ValueError, match=f"^{name} {pair}$"):
            call()


def test_module_counts_refuse_an_empty_map():
    with pytest.raises(ValueError, match=r"got \(0, 5\)"):
        xe.SeparableConv2d(3, 8, 3).counts(0, 5)


@pytest.mark.parametrize("cout,k,msg", [(0, 3, "cout must be a positive integer, got 0"),
                                         (-4, 3, "cout must be a positive integer, got -4"),
                                         (8, 0, "k must be a positive integer, got 0"),
                                         (8, 1.5, "k must be a positive integer, got 1.5")])
def test_separable_ratio_refuses_nonpositive_sizes(cout, k, msg):
    with pytest.raises(ValueError, match=msg):
        counting.separable_ratio(cout, k)


def test_counts_add():
    assert counting.Counts(1, 2) + counting.Counts(3, 4) == counting.Counts(4, 6)


def test_measure_follows_the_forward_pass_not_declared_modules():
    """A conv that is declared but never called contributes parameters, not MACs."""
    class Unused(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.used = torch.nn.Conv2d(2, 3, 1, bias=False)
            self.unused = torch.nn.Conv2d(2, 3, 1, bias=False)

        def forward(self, x):
            return self.used(x)

    c = xe.measure(Unused(), (2, 2, 4, 4))
    assert c.params == 12 and c.macs == 6 * 16


def test_measure_restores_training_mode():
    m = xe.InceptionV3Module(4, 8).train()
    xe.measure(m, (1, 4, 5, 5))
    assert m.training


def test_bad_counting_input():
    with pytest.raises(ValueError, match=r"groups=3 does not divide in_channels=8.*\[1, 2, 4, 8\]"):
        counting.conv(8, 16, 3, (1, 1), groups=3)
    with pytest.raises(ValueError, match=r"cin must be a positive integer, got 0"):
        counting.conv(0, 16, 3, (1, 1))
    with pytest.raises(ValueError, match=r"order='x'"):
        counting.separable(4, 4, 3, (1, 1), order="x")


def test_alternating_medians_returns_the_median_of_each_function():
    m = xe.StandardConv(3, 4)
    x = torch.zeros(1, 3, 8, 8)
    t = xe.alternating_medians({"conv": lambda: m(x)}, repeats=5, warmup=1)["conv"]
    assert len(t.times) == 5
    assert t.median == sorted(t.times)[2] and t.median > 0
    assert t.median_ms == pytest.approx(t.median * 1e3)


def test_alternating_medians_alternates_and_warms_up_every_function():
    order = []
    fns = {"a": lambda: order.append("a"), "b": lambda: order.append("b")}
    out = xe.alternating_medians(fns, repeats=3, warmup=2)
    assert order == ["a", "a", "b", "b"] + ["a", "b"] * 3   # warm-up per function, then round by round
    assert list(out) == ["a", "b"] and all(len(t.times) == 3 for t in out.values())


@pytest.mark.parametrize("repeats,warmup", [(0, 1), (3, -1)])
def test_alternating_medians_bad_input(repeats, warmup):
    with pytest.raises(ValueError, match="repeats|warmup"):
        xe.alternating_medians({"f": lambda: None}, repeats=repeats, warmup=warmup)
    with pytest.raises(ValueError, match="fns is empty"):
        xe.alternating_medians({})


def test_divisors():
    assert xe.divisors(12) == [1, 2, 3, 4, 6, 12]
    assert all(12 % d == 0 for d in xe.divisors(12))
    assert list(itertools.chain(xe.divisors(1))) == [1]


def test_common_divisors():
    assert common_divisors(12) == xe.divisors(12)
    assert common_divisors(18, 12) == [1, 2, 3, 6]
    assert common_divisors(16, 32, 64, 184) == [1, 2, 4, 8]  # Xception's separable inputs at width 0.25
    assert common_divisors(7, 9) == [1]
    for bad, match in (((), "at least one"), ((12, 0), "got 0"), ((12, 2.0), "got 2.0")):
        with pytest.raises(ValueError, match=match):
            common_divisors(*bad)


@pytest.mark.parametrize("module", [torch.nn.Conv2d(3, 64, 3), xe.InceptionV3Module(3, 8)])
def test_a_size_without_the_batch_dimension_is_refused_not_undercounted(module):
    # torchsummary's (C, H, W): Conv2d takes it as one unbatched image, whose out[0] is one channel
    msg = (r"input_size \(3, 9, 9\) reaches .*\(a Conv2d\) as one unbatched \(C, H, W\) image; "
           r"give \(N, C, H, W\), e\.g\. \(1, \*\(3, 9, 9\)\)")
    with pytest.raises(ValueError, match=msg):
        counting.measure(module, (3, 9, 9))
    with pytest.raises(ValueError, match="unbatched"):
        counting.trace(module, torch.Size([3, 9, 9]))
    conv = torch.nn.Conv2d(3, 64, 3)
    assert counting.measure(conv, (1, 3, 9, 9)).macs == counting.conv(3, 64, 3, (7, 7), bias=True).macs
    assert counting.measure(conv, (1, 3, np.int64(9), 9)) == counting.measure(conv, (1, 3, 9, 9))


@pytest.mark.parametrize("size, msg", [((1, 0, 9, 9), r"input_size\[1\] must be a positive integer, got 0"),
                                       ((1, 3, 9.5, 9), r"input_size\[2\] must be a positive integer"),
                                       (299, r"input_size must be a tuple like \(N, C, H, W\), got 299"),
                                       ((), r"input_size must be a tuple")])
def test_input_size_must_be_positive_ints(size, msg):
    with pytest.raises(ValueError, match=msg):
        counting.measure(torch.nn.Conv2d(3, 4, 1), size)
