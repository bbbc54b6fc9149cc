"""Notebooks 07 and 08's figures (``savings_figures``, ``anatomy_figures``): each passes the suite's style
check (no colour-only series, no text under 9 pt, no legend over data) and carries a text alternative
computed from its data."""
import matplotlib
import pytest

matplotlib.use("Agg")

import xception_edu as xe  # noqa: E402
from xception_edu.experiments import timing  # noqa: E402
from xception_edu.lessons import anatomy_figures, figures, savings_figures  # noqa: E402
from xception_edu.model import anatomy  # noqa: E402


def _rows(ms: float):
    return [timing.VariantTiming(v, 8, 8, 3, 2, 6, fmt, c.params, c.macs, ms * f, 2)
            for fmt, f in (("NCHW", 1.0), ("NHWC", 0.5))
            for v, c in timing.all_counts(8, 8, 3, 2, (6, 6)).items()]


@pytest.fixture(scope="module")
def small_model():
    return xe.Xception(middle_repeats=1, width=0.25)


def test_savings_curves_say_their_numbers_and_pass_the_style_check():
    d = savings_figures.savings_curves(channels=(8, 64, 728), kernels=(1, 3), spectrum_channels=16)
    figures.check_style(d)
    assert f"regular {9 * 8 * 8:,} to {9 * 728 * 728:,}" in d.alt
    assert f"separable conv's {9 * 16 + 16 * 16:,}" in d.alt
    other = savings_figures.savings_curves(channels=(16, 256), kernels=(3,), spectrum_channels=32)
    assert other.alt != d.alt and f"regular {9 * 16 * 16:,} to {9 * 256 * 256:,}" in other.alt


def test_time_vs_macs_says_each_measurement_and_tells_operators_apart_by_marker():
    d = savings_figures.time_vs_macs(_rows(1.0))
    figures.check_style(d)
    assert d.alt.count(" ms") == len(_rows(1.0)) and "in 1.00 ms" in d.alt and "in 0.50 ms" in d.alt
    assert savings_figures.time_vs_macs(_rows(2.0)).alt != d.alt
    assert len(set(savings_figures.VARIANT_MARKERS.values())) == len(savings_figures.VARIANT_MARKERS)


def test_feature_maps_and_breakdown_say_their_numbers_and_pass_the_style_check(small_model):
    for size in (71, 128):
        shapes = xe.feature_maps(small_model, size)
        d = anatomy_figures.feature_maps_described(shapes)
        figures.check_style(d)
        last_name, (c, h, w) = list(shapes.items())[-1]
        assert f"{last_name}: {h}x{w}x{c}." in d.alt
        parts = anatomy.breakdown(small_model, size)
        b = anatomy_figures.breakdown_described(parts)
        figures.check_style(b)
        total = sum(p.macs for p in parts.values())
        assert f"{total:,} multiply-adds per image" in b.alt
