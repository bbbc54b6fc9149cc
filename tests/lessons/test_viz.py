"""Figures are tested through the data they draw (values, shapes), not through pixels."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from xception_edu.data import photo
from xception_edu.lessons import figures, svg_grids
from xception_edu.lessons import nb01_standard_convolution as nb01
from xception_edu.lessons import nb02_inception_module as nb02
from xception_edu.lessons import nb04_extreme_inception as nb04
from xception_edu.lessons import nb05_depthwise_separable as nb05
from xception_edu.lessons import svg as xe_svg
from xception_edu.ops import spectrum as ops_spectrum


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_photo_is_a_small_rgb_tensor_in_unit_range():
    x = photo.load_photo(32)
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    assert 0 <= x.min() and x.max() <= 1 and x.std() > 0.1  # a real picture, not a constant


def test_demo_kernels_do_what_their_names_say():
    ks = nb01.demo_kernels()
    assert all(k.shape == (3, 3, 3) for k in ks.values())
    assert torch.equal(ks["edges in all channels"][0], ks["edges in all channels"][2])
    rb = ks["red minus blue"]
    assert rb.count_nonzero() == 2 and rb[0, 1, 1] == 1 and rb[2, 1, 1] == -1  # channels only, no space
    assert ks["edges in red only"][1:].abs().sum() == 0
    per_channel = ks["a different pattern per channel"]
    assert not torch.equal(per_channel[0], per_channel[1])


def test_conv_outputs_sum_over_all_input_channels():
    x = torch.rand(3, 10, 10)
    ks = nb01.demo_kernels()
    out = nb01.conv_outputs(x, ks)
    assert out.shape == (4, 10, 10)
    k0 = ks["edges in all channels"]
    by_channel = sum(F.conv2d(x[c][None, None], k0[c][None, None], padding=1)[0, 0] for c in range(3))
    torch.testing.assert_close(out[0], by_channel)


def test_notebook_01_figures_have_four_panels_and_a_3d_volume_per_kernel():
    x = photo.load_photo(24)
    channels = nb01.photo_channels_figure(x)
    assert len(channels.fig.axes) == 4
    gallery = nb01.conv_gallery_figure(x, nb01.demo_kernels())
    assert sum(ax.name == "3d" for ax in gallery.fig.axes) == 4  # one 3-D volume per kernel
    for d in (channels, gallery):
        figures.check_style(d)


def test_notebook_01_alt_texts_follow_the_data():
    x = photo.load_photo(24)
    alt = nb01.photo_channels_figure(x).alt
    assert "24 x 24 px" in alt and f"green (mean {float(x[1].mean()):.2f})" in alt
    assert nb01.photo_channels_figure(x * 0.5).alt != alt
    kernels = nb01.demo_kernels()
    out = nb01.conv_outputs(x, kernels)[1]
    alt = nb01.conv_gallery_figure(x, kernels).alt
    assert "4 kernels" in alt and "kernel 2, edges in red only: non-zero weights in R;" in alt
    assert (f"red minus blue: non-zero weights in R and B; output from {out.min():.2f} to {out.max():.2f}"
            in alt)
    assert "non-zero weights in R, G and B" in alt
    one = {"blue only": kernels["red minus blue"] * torch.tensor([0.0, 0.0, 1.0])[:, None, None]}
    assert nb01.conv_gallery_figure(x, one).alt.startswith("1 kernel of one regular convolution")
    assert "blue only: non-zero weights in B;" in nb01.conv_gallery_figure(x, one).alt


def test_svg_matrix_draws_one_rect_per_run():
    m = np.kron(np.eye(3, dtype=bool), np.ones((2, 2), dtype=bool))  # 6x6 block diagonal
    svg = xe_svg.svg_matrix(m, title="t")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 1 + 6  # the background + one run per row
    assert svg_grids._runs([1, 1, 0, 1]) == [(0, 2, 1), (2, 1, 0), (3, 1, 1)]


def test_svg_plot_marks_the_chosen_point_and_survives_a_single_point():
    svg = xe_svg.svg_plot([1, 2, 4], [100, 50, 25], mark=2)
    assert svg.count("<circle") == 3 + 1
    assert xe_svg.svg_plot([1], [7], mark=1).count("<circle") == 2
    with pytest.raises(ValueError):
        xe_svg.svg_plot([1, 2], [1, 2], mark=3)


def test_towers_of_fig1_and_fig2_as_data():
    import xception_edu as xe

    fig1 = xe.InceptionV3Module(256, 256, reduce=(48, 64))
    ts = nb02.towers(fig1)
    assert [[kind for kind, _ in t["steps"]] for t in ts] == [
        ["1x1"], ["1x1", "kxk"], ["1x1", "kxk", "kxk"], ["pool", "1x1"]]
    assert ts[1]["steps"] == [("1x1", "1x1 conv, 48"), ("kxk", "3x3 conv, 64")]
    assert sum(t["params"] for t in ts) == fig1.counts(35, 35).params
    assert [t["out_channels"] for t in ts] == list(fig1.widths)
    fig2 = xe.SimplifiedInception(64, 96, towers=3)
    ts2 = nb02.towers(fig2)
    assert len(ts2) == 3 and all(t["params"] == 64 * 32 + 9 * 32 * 32 for t in ts2)


@pytest.mark.parametrize("c,g", [(12, 1), (12, 3), (12, 12), (8, 2)])
def test_connectivity_closed_form_equals_the_measured_one(c, g):
    m = ops_spectrum.connectivity_matrix(c, g)
    assert m.shape == (c, c) and m.sum() == c * c // g
    conv = torch.nn.Conv2d(c, c, 3, padding=1, groups=g, bias=True)  # the bias must not fake a connection
    assert (ops_spectrum.measured_connectivity(conv) == m).all()
    if g == c:
        assert (m == np.eye(c, dtype=bool)).all()  # Fig. 4: one spatial filter per channel


def test_dense_weight_puts_groups_on_the_diagonal_and_computes_the_same_conv():
    conv = torch.nn.Conv2d(6, 6, 3, padding=1, groups=3, bias=False)
    dense = ops_spectrum.dense_weight(conv)
    assert dense.shape == (6, 6, 3, 3)
    assert ((dense.abs().sum(dim=(2, 3)) > 0).numpy() == ops_spectrum.connectivity_matrix(6, 3)).all()
    x = torch.randn(1, 6, 7, 7)
    torch.testing.assert_close(F.conv2d(x, dense, padding=1), conv(x))


def test_svg_plot_points_lie_inside_the_axes():
    import re

    svg = xe_svg.svg_plot([1, 2, 3, 4, 6, 8, 12, 16, 24, 48],
                          [23040, 12672, 9216, 7488, 5760, 4896, 4032, 3600, 3168, 2736],
                          mark=6, width=320, height=236)
    box = re.search(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', svg)
    L, T, W, H = map(float, box.groups())
    pts = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)]
    assert all(L - 0.01 <= x <= L + W + 0.01 and T - 0.01 <= y <= T + H + 0.01 for x, y in pts)
    assert pts[0][1] < pts[-2][1]  # more groups, fewer parameters: the curve goes down
    assert ">1,000<" in svg and ">100,000<" in svg  # log ticks span the data


def test_spectrum_data_is_the_closed_form_at_every_divisor_and_the_figure_has_four_panels():
    d = nb04.spectrum_data(48, 48, 3, hw=16)
    assert d["groups"] == [1, 2, 3, 4, 6, 8, 12, 16, 24, 48]
    assert d["params"] == [48 * 48 + 9 * 48 * 48 // g for g in d["groups"]]  # 1x1, then k^2 (C/g) C
    assert d["macs"] == [16 * 16 * p for p in d["params"]]  # every weight used once per output pixel
    assert len(nb04.spectrum_figure().fig.axes) == 4


def test_depthwise_figure_has_a_kernel_panel_and_an_output_panel_per_channel():
    conv = torch.nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False)
    fig = nb05.depthwise_figure(conv, photo.load_photo(16)).fig
    assert len(fig.axes) == 8  # 4 kernels + 4 outputs
