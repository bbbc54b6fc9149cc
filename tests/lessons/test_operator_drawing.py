"""operator_drawing: Figs 1-4 and the separable conv drawn in one grammar, read off the module itself (towers,
segments, kernel sizes, channel counts), with a text alternative that follows the module."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import block_drawing, figures  # noqa: E402
from xception_edu.lessons import operator_drawing as od  # noqa: E402


def _style(described):
    FigureCanvasAgg(described.fig)  # a described figure is closed: give it a canvas to draw on again
    figures.check_style(described.fig)


def _box_texts(described):
    return [t.get_text().replace("\n", " ") for t in described.fig.axes[0].texts]


def test_fig3_is_one_1x1_conv_then_a_kxk_conv_per_segment_read_from_the_grouped_conv():
    fig3 = xe.reformulate(xe.SimplifiedInception(16, 24, towers=3))
    d = od.operator_drawing(fig3)
    assert d.stages[0] == [[("1x1", "1x1 conv, 16→24, ReLU")]]
    w = 24 // fig3.spatial.groups
    assert d.stages[1] == [[("kxk", f"3x3 conv, channels {i * w}-{(i + 1) * w - 1}, ReLU")] for i in range(3)]
    assert (d.top, d.bottom, d.column) == ("input (16 channels)", "concatenate (24 channels)", "segment")


def test_fig4_has_one_column_per_channel_and_the_separable_conv_runs_them_first():
    c = 5
    fig4 = od.operator_drawing(xe.ExtremeInception(4, c, kernel_size=5))
    steps = [s for col in fig4.stages[1] for s in col]
    assert steps == [("kxk", f"5x5 conv, channel {i}, ReLU") for i in range(c)]
    sep = od.operator_drawing(xe.SeparableConv2d(c, 7))
    assert [len(s) for s in sep.stages] == [c, 1]              # depthwise first, then one 1x1
    assert sep.stages[1] == [[("1x1", f"1x1 conv, {c}→7")]]    # nothing between the steps: no ReLU named
    elu = od.operator_drawing(xe.SeparableConv2d(c, 7, mid_activation="elu"))
    assert elu.stages[0][0] == [("kxk", "3x3 conv, channel 0, ELU")]
    first = od.operator_drawing(xe.SeparableConv2d(c, 7, order="pointwise_first"))
    assert [len(s) for s in first.stages] == [1, 7]            # Fig. 4's order: the 1x1 conv first


def test_inception_towers_are_drawn_with_their_parameter_counts_and_bn_is_said():
    fig1 = xe.InceptionV3Module(192, 192)
    d = od.operator_figure(fig1, "Fig. 1")
    bn = 2 * 48 * 7  # seven convs of 48 channels, each followed by BN's scale and shift
    texts = _box_texts(d)
    for t in od.towers(fig1):
        assert f"{t['name']} {t['params']:,} params" in texts
    assert f"{xe.count_params(fig1):,} parameters ({bn:,} of them batch norm's" in d.alt
    _style(d)


@pytest.mark.parametrize("module", [xe.SimplifiedInception(32, 48, towers=3), xe.ExtremeInception(8, 12),
                                    xe.reformulate(xe.SimplifiedInception(8, 12, towers=4)),
                                    xe.SeparableConv2d(3, 4)])
def test_every_drawing_passes_the_style_check_and_names_every_box_in_its_alt(module):
    d = od.operator_figure(module, "a module")
    _style(d)
    for stage in od.operator_drawing(module).stages:
        for col in stage[:3] + stage[-1:]:
            assert all(label in d.alt for _, label in col)
    assert f"{xe.count_params(module):,} parameters" in d.alt


def test_the_alt_follows_the_module():
    one = od.operator_figure(xe.SeparableConv2d(3, 4)).alt
    other = od.operator_figure(xe.SeparableConv2d(3, 6, kernel_size=5)).alt
    assert one != other and "5x5 conv, channel 2" in other and "1x1 conv, 3→6" in other


def test_a_wide_stage_is_drawn_elided_but_said_in_full():
    m = xe.ExtremeInception(4, 24)
    d = od.operator_figure(m)
    drawn = [t for t in _box_texts(d) if t.startswith("3x3 conv")]
    assert len(drawn) == block_drawing.MAX_COLUMNS - 1 and "…" in _box_texts(d)
    assert "24 channels in parallel" in d.alt and "3x3 conv, channel 23, ReLU" in d.alt


def test_stages_that_cannot_be_wired_are_refused():
    with pytest.raises(ValueError, match="cannot feed"):
        block_drawing.describe_stages([[[("1x1", "a")]] * 2, [[("kxk", "b")]] * 3], "in", "out")
    with pytest.raises(TypeError, match="no drawing for a Linear"):
        od.operator_drawing(torch.nn.Linear(2, 2))
