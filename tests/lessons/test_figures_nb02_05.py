"""The figures of notebooks 02-05 every learner can read: each passes figures.check_style (no colour-only
series, no text under 9 pt, no legend over the data) and carries a text alternative computed from its data
(change the data, the text changes)."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import figures  # noqa: E402
from xception_edu.lessons import nb02_inception_module as nb02  # noqa: E402
from xception_edu.lessons import nb03_reformulation as nb03  # noqa: E402
from xception_edu.lessons import nb04_extreme_inception as nb04  # noqa: E402
from xception_edu.lessons import nb05_depthwise_separable as nb05  # noqa: E402
from xception_edu.lessons import separable_limits as sl  # noqa: E402


def _style(described):
    FigureCanvasAgg(described.fig)  # a described figure is closed: give it a canvas to draw on again
    figures.check_style(described.fig)


def test_inception_figure_follows_the_module():
    a = nb02.inception_figure(xe.SimplifiedInception(64, 96, towers=3), "Fig. 2")
    _style(a)
    b = nb02.inception_figure(xe.SimplifiedInception(64, 96, towers=4), "Fig. 2")
    assert "3 towers in parallel" in a.alt and "4 towers in parallel" in b.alt


def test_stage_figure_counts_what_each_matrix_holds():
    torch.manual_seed(0)
    d = nb03.stage_figure(xe.reformulate(xe.SimplifiedInception(4, 6, towers=3)), "Fig. 3")
    _style(d)
    assert "6 x 4 weights, 24 of 24 nonzero" in d.alt
    assert "nonzero at 12 of 36 places, 3 blocks of 2 x 2 on the diagonal" in d.alt  # 3 groups of 2 x 2
    assert "12 of 36 input-output pairs connected" in d.alt
    one = nb03.stage_text(xe.reformulate(xe.SimplifiedInception(4, 6, towers=1)))
    assert "one full block" in one and "36 of 36 input-output pairs" in one


def test_spectrum_figure_says_every_point_and_its_floor():
    d = nb04.spectrum_figure(cin=48, channels=48, show=(1, 3, 48))
    _style(d)
    for g in (1, 2, 48):
        assert f"{48 * 48 + 9 * 48 * 48 // g:,} at g = {g}" in d.alt
    assert f"is {48 * 48:,}" in d.alt and len(d.data) == 1 + 10  # a header and one row per divisor of 48
    other = nb04.spectrum_text(nb04.spectrum_data(16, 12), 16, 12, 3, (1, 12))
    assert other != d.alt and "g = 12: the diagonal only" in other


def test_depthwise_figure_gives_each_output_s_range():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 3, 3, padding=1, groups=3, bias=False)
    image = torch.rand(3, 9, 9, generator=torch.Generator().manual_seed(1))
    d = nb05.depthwise_figure(conv, image)
    _style(d)
    with torch.no_grad():
        out = conv(image.mean(0, keepdim=True).expand(3, -1, -1)[None])[0]
    assert f"output 2 from {float(out[2].min()):.2f} to {float(out[2].max()):.2f}" in d.alt
    assert "3 different outputs from one input" in d.alt


def test_miniature_figure_tells_variants_apart_without_colour_and_says_their_ends():
    runs = {None: torch.linspace(3, 1, 12).repeat(2, 1), "relu": torch.linspace(3, 2, 12).repeat(2, 1)}
    d = nb05.miniature_figure(runs, smooth=3)
    _style(d)
    assert "Nothing between the steps (circle markers, solid line): mean 2.82 at step 3 to 1.18" in d.alt
    assert "ReLU between the steps (square markers, dashed line)" in d.alt
    runs["relu"] = runs["relu"] - 0.5
    assert nb05.miniature_figure(runs, smooth=3).alt != d.alt


@pytest.mark.parametrize("scale", [1.0, 0.0])
def test_limits_figure_is_described_by_limits_text(scale):
    weight = torch.randn(4, 3, 3, 3, generator=torch.Generator().manual_seed(0))
    weight[:, 0] *= scale  # scale 0: input channel R holds no weight, and the text must say so
    d = sl.limits_figure(weight)
    _style(d)
    assert d.alt == sl.limits_text(weight).replace("\n", " ")
    said = ("Input channel R: the output channels use 4 independent spatial patterns" if scale  # 4 outputs
            else "Input channel R: no output channel uses it")
    assert said in d.alt


def test_widget_text_says_one_channel_not_one_channels():
    assert "12 towers of 1 channel " in nb03.reformulation_view(12)
    assert "3 towers of 4 channels " in nb03.reformulation_view(3)
    assert "in 48 groups of 1 channel," in nb04.spectrum_view(48, time_it=False)
    assert not any("of 1 channels" in v for v in (nb03.reformulation_view(12), nb04.spectrum_view(48, False)))
