"""What the figures of notebooks 01-06a draw, read back from the Axes (images, lines, bars, texts) and
compared value by value with an independent computation: numpy, a closed form, the paper. nbval compares
no images, so these tests are what says a figure shows the right data. Notebooks 07-11:
test_figure_data_curves.py."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from helpers import band_limits  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.data import CHANNEL, SPATIAL  # noqa: E402
from xception_edu.lessons import nb01_standard_convolution as nb01  # noqa: E402
from xception_edu.lessons import nb02_inception_module as nb02  # noqa: E402
from xception_edu.lessons import nb03_reformulation as nb03  # noqa: E402
from xception_edu.lessons import nb04_extreme_inception as nb04  # noqa: E402
from xception_edu.lessons import nb05_depthwise_separable as nb05  # noqa: E402
from xception_edu.lessons import nb06_correlations as nb06  # noqa: E402
from xception_edu.lessons import nb06a_correlations_deeper as nb06a  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def xcorr_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation with zero 'same' padding, by the definition (what a conv layer computes): out[y, x] =
    sum over channels c and taps (i, j) of image[c, y + i - p, x + j - p] * kernel[c, i, j]."""
    c, h, w = image.shape
    k = kernel.shape[-1]
    p = k // 2
    padded = np.pad(image, ((0, 0), (p, p), (p, p)))
    out = np.zeros((h, w))
    for i in range(k):
        for j in range(k):
            out += np.einsum("chw,c->hw", padded[:, i:i + h, j:j + w], kernel[:, i, j])
    return out


# --- notebook 01 ------------------------------------------------------------------------------------------


def test_photo_channels_figure_draws_the_photo_and_each_channel_on_a_fixed_unit_scale():
    image = torch.rand(3, 6, 8, generator=torch.Generator().manual_seed(0))
    axes = nb01.photo_channels_figure(image).fig.axes
    np.testing.assert_array_equal(axes[0].images[0].get_array(), np.transpose(image.numpy(), (1, 2, 0)))
    for c, (ax, cmap) in enumerate(zip(axes[1:], ("Reds_r", "Greens_r", "Blues_r"))):
        np.testing.assert_array_equal(ax.images[0].get_array(), image.numpy()[c])
        assert ax.images[0].get_clim() == (0, 1) and ax.images[0].get_cmap().name == cmap
    assert [ax.get_title() for ax in axes] == [
        "the photograph", "input channel 0: red", "input channel 1: green", "input channel 2: blue"]


def test_conv_gallery_draws_each_kernels_27_weights_and_its_output_summed_over_all_channels():
    image = torch.rand(3, 7, 9, generator=torch.Generator().manual_seed(1))
    kernels = nb01.demo_kernels()
    fig = nb01.conv_gallery_figure(image, kernels).fig
    volumes = [ax for ax in fig.axes if ax.name == "3d"]
    maps = [ax for ax in fig.axes if ax.images]
    assert len(volumes) == len(maps) == len(kernels)
    for ax, name in zip(volumes, kernels):
        assert len(ax.collections) == 3 * 3 * 3  # one cube per weight of a Cin x k x k = 3 x 3 x 3 kernel
        assert name in ax.get_title()
    for ax, k in zip(maps, kernels.values()):
        expected = xcorr_same(image.numpy().astype(np.float64), k.numpy().astype(np.float64))
        np.testing.assert_allclose(ax.images[0].get_array(), expected, atol=1e-5)
        lim = np.abs(expected).max()
        np.testing.assert_allclose(ax.images[0].get_clim(), (-lim, lim), rtol=1e-5)  # symmetric grey scale
    bar = fig.axes[-1]  # the shared weight colour bar spans +-(the largest |weight| of all kernels)
    vmax = np.abs(np.stack([k.numpy() for k in kernels.values()])).max()
    assert bar.get_ylabel() == "kernel weight" and bar.get_ylim() == pytest.approx((-vmax, vmax))


# --- notebook 02 ------------------------------------------------------------------------------------------


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_inception_figure_of_fig2_names_every_step_and_each_towers_parameters():
    fig2 = xe.SimplifiedInception(64, 96, towers=3)  # three towers of 1x1 (32) -> 3x3 (32), no BN
    ax = nb02.inception_figure(fig2, "Fig. 2").fig.axes[0]
    texts = _texts(ax)
    assert texts.count("1x1 conv, 32") == 3 and texts.count("3x3 conv, 32") == 3
    assert "input (64 channels)" in texts and "concatenate (96 channels)" in texts
    per_tower = 64 * 32 + 3 * 3 * 32 * 32  # k^2 Cin Cout per conv, no bias
    assert [t for t in texts if "params" in t] == [f"tower {i}\n{per_tower:,} params" for i in (1, 2, 3)]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours.count(nb02.STEP_COLORS["1x1"]) == 3 and colours.count(nb02.STEP_COLORS["kxk"]) == 3
    assert ax.get_title().startswith("Fig. 2")


def test_inception_figure_of_fig1_counts_convs_and_batch_norm_per_tower():
    fig1 = xe.InceptionV3Module(192, 192)  # four towers of width 48, each conv followed by BN (2 per channel)
    texts = _texts(nb02.inception_figure(fig1).fig.axes[0])
    one_by_one, three_by_three = 192 * 48 + 2 * 48, 9 * 48 * 48 + 2 * 48
    expected = [one_by_one, one_by_one + three_by_three, one_by_one + 2 * three_by_three, one_by_one]
    assert [t for t in texts if "params" in t] == [f"tower {i}\n{p:,} params"
                                                   for i, p in enumerate(expected, 1)]
    assert "3x3 avg-pool" in texts  # the pooling tower


# --- notebooks 03 and 04 ----------------------------------------------------------------------------------


def test_stage_figure_draws_the_1x1_weights_the_grouped_weights_and_their_block_connectivity():
    torch.manual_seed(0)
    fig3 = xe.reformulate(xe.SimplifiedInception(4, 6, towers=3))  # 1x1 4 -> 6, then 3x3 in 3 groups of 2
    axes = nb03.stage_figure(fig3, title="Fig. 3").fig.axes[:3]
    pw = fig3.pointwise.weight.detach().numpy()[:, :, 0, 0]
    np.testing.assert_allclose(axes[0].images[0].get_array(), np.abs(pw))
    w = fig3.spatial.weight.detach().numpy()  # (6 out, 2 in per group, 3, 3)
    expected = np.zeros((6, 6))
    for o in range(6):  # output o belongs to group o // 2 and reads that group's 2 inputs
        g = o // 2
        expected[o, 2 * g:2 * g + 2] = np.abs(w[o]).sum(axis=(1, 2))
    np.testing.assert_allclose(axes[1].images[0].get_array(), expected, rtol=1e-6)
    block_diagonal = np.kron(np.eye(3), np.ones((2, 2))).astype(bool)
    np.testing.assert_array_equal(axes[2].images[0].get_array(), block_diagonal)
    for ax in axes:  # the tower boundaries of Fig. 2 between the groups
        assert sorted(line.get_ydata()[0] for line in ax.lines) == [1.5, 3.5]
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("input channel", "output channel")
    assert "groups=3" in axes[1].get_title()


def test_spectrum_figure_draws_block_diagonals_and_the_parameters_at_every_divisor():
    cin, c, k = 48, 48, 3
    axes = nb04.spectrum_figure(cin=cin, channels=c, kernel_size=k, show=(1, 3, 48)).fig.axes
    for ax, g in zip(axes[:3], (1, 3, 48)):
        np.testing.assert_array_equal(ax.images[0].get_array(), np.kron(np.eye(g), np.ones((c // g, c // g))))
    curve, *marks = axes[3].lines[:4]
    gs = [g for g in range(1, c + 1) if c % g == 0]
    params = [cin * c + k * k * c * c // g for g in gs]  # 1x1 Cin Cout, then k^2 (C/g) C in g groups
    assert list(curve.get_xdata()) == gs and list(curve.get_ydata()) == params
    assert [(m.get_xdata()[0], m.get_ydata()[0]) for m in marks] == [(g, cin * c + k * k * c * c // g)
                                                                    for g in (1, 3, 48)]
    assert axes[3].lines[-1].get_ydata()[0] == cin * c  # the 1x1 conv alone: the floor
    assert [t.get_text() for t in axes[3].texts if t.get_text()[0].isdigit()] == [
        f"{cin * c + k * k * c * c // g:,}" for g in (1, 3, 48)]
    assert [ax.get_title() for ax in axes[:3]] == ["g = 1: regular conv", "g = 3: Fig. 3 (3 towers)",
                                                   "g = 48: Fig. 4 (extreme)"]


# --- notebook 05 ------------------------------------------------------------------------------------------


def test_depthwise_figure_draws_each_kernel_and_its_own_channels_output():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=True)
    image = torch.rand(3, 8, 10, generator=torch.Generator().manual_seed(2))
    axes = nb05.depthwise_figure(conv, image).fig.axes
    grey = image.numpy().mean(axis=0, dtype=np.float64)[None]
    w, b = conv.weight.detach().numpy().astype(np.float64), conv.bias.detach().numpy()
    outs = []
    for i in range(4):
        np.testing.assert_allclose(axes[i].images[0].get_array(), w[i, 0])
        expected = xcorr_same(grey, w[i]) + b[i]  # one filter on one channel: the depthwise step
        np.testing.assert_allclose(axes[4 + i].images[0].get_array(), expected, atol=1e-5)
        outs.append(expected)
    assert all(not np.allclose(outs[i], outs[j]) for i in range(4) for j in range(i))  # a kernel each


def test_miniature_figure_draws_the_seed_mean_of_running_means_and_the_seed_band():
    rng = np.random.default_rng(0)
    runs = {None: torch.tensor(rng.random((3, 10))), "relu": torch.tensor(rng.random((3, 10)) + 1)}
    ax = nb05.miniature_figure(runs, smooth=3).fig.axes[0]
    for i, losses in enumerate(runs.values()):
        smoothed = np.array([np.convolve(seed, np.ones(3) / 3, mode="valid") for seed in losses.numpy()])
        steps = np.arange(3, 11)  # a running mean over steps s-2..s is drawn at step s (1-based)
        np.testing.assert_allclose(ax.lines[i].get_xdata(), steps)
        np.testing.assert_allclose(ax.lines[i].get_ydata(), smoothed.mean(axis=0), rtol=1e-6)
        band = band_limits(ax.collections[i])
        for s, low, high in zip(steps, smoothed.min(axis=0), smoothed.max(axis=0)):
            assert band[s] == pytest.approx((low, high), rel=1e-6)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "between the steps: nothing", "between the steps: ReLU"]
    assert "3 seeds, 10 steps" in ax.get_title()


# --- notebooks 06 and 06a ---------------------------------------------------------------------------------


def test_photo_correlation_figure_draws_numpys_corrcoef_of_each_region_and_its_box():
    rng = np.random.default_rng(0)
    r = rng.random((20, 24))
    whole = torch.tensor(np.stack([r, r + 0.5 * rng.random((20, 24)), 1 - r + rng.random((20, 24))]),
                         dtype=torch.float32) / 2
    regions = {"photo": whole, "corner": whole[:, 2:9, 3:12]}
    axes = nb06.photo_correlation_figure(regions, boxes={"corner": (2, 9, 3, 12)}).fig.axes
    np.testing.assert_array_equal(axes[0].images[0].get_array(), np.transpose(whole.numpy(), (1, 2, 0)))
    box = axes[0].patches[0]
    assert (box.get_xy(), box.get_width(), box.get_height()) == ((3, 2), 9, 7)
    for ax, (name, region) in zip(axes[1:3], regions.items()):
        expected = np.corrcoef(region.numpy().reshape(3, -1).astype(np.float64))
        np.testing.assert_allclose(ax.images[0].get_array(), expected, atol=1e-5)
        assert ax.images[0].get_clim() == (-1, 1) and ax.get_title() == name
        assert _texts(ax) == [f"{v:.2f}" for v in expected.flat]
    assert expected[0, 2] < 0 < expected[0, 1]  # the made-up image has both signs: a real test of the values


def test_curves_figure_draws_each_curve_as_given_and_the_half_level():
    curves = {"a": ([0, 1, 2], [1.0, 0.6, 0.2]), "b": ([0, 2, 4], [1.0, 0.9, 0.8])}
    ax = nb06.curves_figure(curves, title="t", level=0.5).fig.axes[0]
    for line, (xs, ys) in zip(ax.lines, curves.values()):
        assert list(line.get_xdata()) == xs and list(line.get_ydata()) == ys
    assert list(ax.lines[-1].get_ydata()) == [0.5, 0.5]
    assert sorted(t.get_text() for t in ax.texts) == ["a", "b"]  # labelled directly, not by a legend
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("distance (pixels)", "autocorrelation", "t")


def _corr(image: np.ndarray) -> dict[str, float]:
    m = np.corrcoef(image.reshape(3, -1).astype(np.float64))
    return {"RG": m[0, 1], "RB": m[0, 2], "GB": m[1, 2]}


def test_synthetic_factors_figure_puts_each_factor_in_its_row_and_column():
    fig = nb06.synthetic_factors_figure(size=32, seed=0).fig
    axes = np.array(fig.axes).reshape(len(SPATIAL), len(CHANNEL))
    assert [ax.get_title() for ax in axes[0]] == list(CHANNEL)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == list(SPATIAL)
    for j, name in enumerate(CHANNEL):  # the signs of CHANNEL_CORRELATIONS, measured on the drawn images
        for ax in axes[:, j]:
            r = _corr(np.transpose(np.asarray(ax.images[0].get_array()), (2, 0, 1)))
            if name == "positive":
                assert min(r.values()) > 0.2, r
            if name == "red-green":
                assert r["RG"] < -0.1, r
            if name == "yellow-blue":
                assert r["RG"] > 0.1 and r["RB"] < -0.1 and r["GB"] < -0.1, r
    for ax in axes[0]:  # horizontal stripes: constant along a row, varying down the columns
        a = np.asarray(ax.images[0].get_array(), dtype=np.float64)
        assert a.std(axis=1).mean() < 0.7 * a.std(axis=0).mean()
    for ax in axes[1]:  # vertical stripes: the other way round
        a = np.asarray(ax.images[0].get_array(), dtype=np.float64)
        assert a.std(axis=0).mean() < 0.7 * a.std(axis=1).mean()


def test_separability_figure_draws_grouped_bars_centred_on_each_layer_and_the_chance_ticks():
    layers, chance = ["conv1", "conv2", "conv3"], [0.1, 0.2, 0.3]
    bars = {"trained": [0.2, 0.4, 0.6], "W - W0": [0.35, 0.5, 0.7]}
    ax = nb06a.separability_figure(layers, bars, chance, title="t").fig.axes[0]
    rects = ax.patches
    assert [r.get_height() for r in rects] == bars["trained"] + bars["W - W0"]
    centres = np.array([r.get_x() + r.get_width() / 2 for r in rects]).reshape(2, 3)
    np.testing.assert_allclose(centres.mean(axis=0), [0, 1, 2])             # each group centred on its layer
    np.testing.assert_allclose(centres[1] - centres[0], [0.4] * 3)           # side by side, 0.8 in all
    assert all(r.get_width() == pytest.approx(0.4) for r in rects)
    for i, (line, c) in enumerate(zip(ax.lines, chance)):
        assert list(line.get_ydata()) == [c, c]
        assert list(line.get_xdata()) == pytest.approx([i - .45, i + .45])
    assert [t.get_text() for t in ax.get_xticklabels()] == layers and ax.get_ylim() == (0, 1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["random kernels", "trained", "W - W0"]
