"""Notebook 07's timing readouts: each line's numbers against the closed forms of Sec. 1.2 and the times put
into fake rows of the real row type; and the measurement in both layouts, run small on the CPU."""
import random

import pytest

from xception_edu.experiments import timing
from xception_edu.lessons import savings_timing as st

SETTINGS = [(32, 6), (8, 5)]  # (C, map side), not in the order the readouts sort them
LAYOUTS = ("NCHW", "NHWC")
ORDER = timing.VARIANTS + timing.PARTS


def _ms(variant: str, c: int, fmt: str) -> float:
    """A made-up time for each row, different for every variant, width and layout."""
    return (1 + ORDER.index(variant)) * (0.1 + c / 100) * (1.5 if fmt == "NHWC" else 1.0)


def _rows(settings=SETTINGS, k=3, cout_times=1, layouts=LAYOUTS):
    rows = []
    for c, size in settings:
        for fmt in layouts:
            for v in ORDER:
                n = timing.variant_counts(v, c, c * cout_times, k, 4, (size, size))
                rows.append(timing.VariantTiming(v, c, c * cout_times, k, 4, size, fmt, n.params, n.macs,
                                                 _ms(v, c, fmt), 1))
    random.Random(0).shuffle(rows)
    return rows


def test_ratio_readout_gives_the_separable_share_of_arithmetic_and_time_per_width_and_layout():
    lines = st.ratio_readout(_rows()).split("\n")
    want = []
    for c, _ in sorted(SETTINGS):
        for fmt in LAYOUTS:
            dw, pw = _ms("depthwise", c, fmt), _ms("pointwise", c, fmt)
            want.append(f"C = {c:3d} {fmt}:  separable / regular: multiply-adds {1 / c + 1 / 9:.2f}, "
                        f"time {_ms('separable', c, fmt) / _ms('standard', c, fmt):.2f}"
                        f"   |  depthwise step: {9 / (c + 9):5.1%} of the multiply-adds, "
                        f"{dw / (dw + pw):4.0%} of the time")
    assert lines == want


def test_intensity_readout_gives_each_steps_intensity_and_measured_rate_in_nchw():
    for k, cout_times in ((3, 1), (5, 2)):
        lines = st.intensity_readout(_rows(k=k, cout_times=cout_times)).split("\n")
        want = []
        for c, size in sorted(SETTINGS):
            hw, cout = size * size, c * cout_times
            # multiply-adds over the elements moved: input map, weights, output map
            i_dw = k * k * c * hw / (c * hw + k * k * c + c * hw)
            i_pw = c * cout * hw / (c * hw + c * cout + cout * hw)
            rate_dw = k * k * c * hw / (_ms("depthwise", c, "NCHW") * 1e6)
            rate_pw = c * cout * hw / (_ms("pointwise", c, "NCHW") * 1e6)
            want.append(f"C = {c:3d} on {size} x {size}: intensity depthwise {i_dw:5.1f}, pointwise "
                        f"{i_pw:6.1f} multiply-adds per element;  GMAC/s depthwise {rate_dw:5.2f}, "
                        f"pointwise {rate_pw:5.2f}")
        assert lines == want


def test_layout_readout_gives_the_depthwise_step_in_both_layouts():
    want = [f"C = {c:3d}: depthwise step {_ms('depthwise', c, 'NCHW'):6.3f} ms in NCHW, "
            f"{_ms('depthwise', c, 'NHWC'):6.3f} ms in channels_last" for c, _ in sorted(SETTINGS)]
    assert st.layout_readout(_rows()).split("\n") == want


def test_readouts_name_what_the_rows_lack():
    without_parts = [r for r in _rows() if r.variant not in timing.PARTS]
    with pytest.raises(ValueError, match=r"Cin = \d+, map \d, NCHW lack \['depthwise', 'pointwise'\]"):
        st.ratio_readout(without_parts)
    with pytest.raises(ValueError, match="no rows to read"):
        st.intensity_readout(_rows(layouts=("NHWC",)))
    with pytest.raises(ValueError, match="measured in one layout only"):
        st.layout_readout(_rows(layouts=("NCHW",)))


def test_measure_layouts_times_every_operator_and_step_in_both_layouts_per_shape():
    shapes = [(8, 5), (16, 4)]
    rows = st.measure_layouts(shapes, device="cpu", batch=2, repeats=1, warmup=0, threads=1)
    assert [(r.cin, r.size, r.memory_format, r.variant) for r in rows] == [
        (c, size, fmt, v) for c, size in shapes for fmt in LAYOUTS for v in ORDER]
    for r in rows:
        assert (r.cout, r.k, r.groups, r.batch) == (r.cin, 3, 4, 2) and r.ms > 0
        assert r.macs == timing.variant_counts(r.variant, r.cin, r.cin, 3, 4, (r.size, r.size)).macs
    assert len(st.ratio_readout(rows).split("\n")) == len(shapes) * len(LAYOUTS)
