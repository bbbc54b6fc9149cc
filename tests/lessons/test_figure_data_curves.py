"""What the figures of notebooks 07-11 draw (counts, curves over seeds, the architecture), read back from
the Axes and compared value by value with an independent computation: a closed form, numpy, the paper's
numbers (../shared/reference/xception-paper.md: Fig. 5's map sizes, Table 3's 22,855,952 parameters).
Notebooks 01-06a: test_figure_data.py."""
import matplotlib

matplotlib.use("Agg")
import re  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from helpers import band_limits  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import anatomy_figures, savings_figures  # noqa: E402
from xception_edu.lessons import nb09_train_xception as nb09  # noqa: E402
from xception_edu.lessons import nb10_ablations as nb10  # noqa: E402
from xception_edu.lessons import nb11_why_xception_works as nb11  # noqa: E402
from xception_edu.model import anatomy  # noqa: E402

PAPER_PARAMS = 22_855_952  # Table 3


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def xception_meta():
    with torch.device("meta"):  # shapes and counts only: nothing is computed
        return xe.Xception()


def ys(line) -> list[float]:
    return [float(v) for v in line.get_ydata()]


# --- notebook 07 ------------------------------------------------------------------------------------------


def test_savings_curves_are_the_closed_forms_of_sec_1_2():
    cs, ks, c = (8, 16, 64), (1, 3), 16
    fig = savings_figures.savings_curves_figure(channels=cs, kernels=ks, spectrum_channels=c)
    width, ratio, spectrum = fig.axes
    standard, separable, extreme = width.lines
    for line in width.lines:
        assert list(line.get_xdata()) == list(cs)
    assert ys(standard) == [9 * n * n for n in cs]            # k^2 Cin Cout
    assert ys(separable) == [9 * n + n * n for n in cs]       # k^2 Cin (depthwise) + Cin Cout (pointwise)
    assert ys(extreme) == [n * n + 9 * n for n in cs]         # 1x1 first, then one k x k per channel
    for (curve, floor), k in zip(zip(ratio.lines[::2], ratio.lines[1::2]), ks):
        assert ys(curve) == pytest.approx([1 / n + 1 / k**2 for n in cs])
        assert ys(floor) == pytest.approx([1 / k**2] * 2)
    groups = [g for g in range(1, c + 1) if c % g == 0]
    assert list(spectrum.lines[0].get_xdata()) == groups
    assert ys(spectrum.lines[0]) == [9 * c * c / g for g in groups]  # k^2 (C/g) C
    assert ys(spectrum.lines[1]) == [9 * c + c * c] * 2
    assert f"separable: {9 * c + c * c:,}" in [t.get_text() for t in spectrum.get_legend().get_texts()]


def _timing(variant, fmt, macs, batch, ms):
    return SimpleNamespace(variant=variant, memory_format=fmt, macs=macs, batch=batch, ms=ms,
                           gmacs_per_s=macs * batch / (ms / 1e3) / 1e9)


def test_time_vs_macs_draws_each_measurement_and_the_regular_convs_median_rate():
    rows = [_timing("standard", "NCHW", 10**9, 2, 100.0),     # 20 GMAC/s
            _timing("standard", "NHWC", 10**9, 2, 50.0),      # 40 GMAC/s
            _timing("standard", "NCHW", 10**9, 1, 100.0),     # 10 GMAC/s: the median is 20
            _timing("separable", "NCHW", 10**8, 2, 40.0),
            _timing("separable", "NHWC", 10**8, 2, 30.0)]
    ax = savings_figures.time_vs_macs_figure(rows).axes[0]
    points, diagonal = ax.lines[:-1], ax.lines[-1]
    assert [(p.get_xdata()[0], p.get_ydata()[0]) for p in points] == [(r.macs * r.batch, r.ms) for r in rows]
    assert [p.get_marker() for p in points] == [savings_figures.VARIANT_MARKERS[r.variant] for r in rows]
    assert [p.get_markerfacecolor() == "none" for p in points] == [r.memory_format == "NHWC" for r in rows]
    x0, x1 = 2 * 10**8, 2 * 10**9  # the smallest and largest multiply-adds per batch
    assert list(diagonal.get_xdata()) == [x0, x1]
    assert ys(diagonal) == pytest.approx([x0 / 20e9 * 1e3, x1 / 20e9 * 1e3])  # ms at 20 GMAC/s
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["regular conv", "depthwise separable", "at the regular conv's rate, 20 GMAC/s"]


# --- notebook 08 ------------------------------------------------------------------------------------------


def test_feature_map_figure_draws_fig5s_map_sides_and_channels(xception_meta):
    fig = anatomy_figures.feature_map_figure(xe.feature_maps(xception_meta, 299))
    bars, channels = fig.axes[0].patches, fig.axes[1].lines[0]
    # Fig. 5 at 299 px (the paper's shapes, as the reference lists them): stem, blocks 2-4, 8 middle, 13-14
    assert [b.get_height() for b in bars] == [149, 147, 74, 37, 19] + [19] * 8 + [10, 10]
    assert ys(channels) == [32, 64, 128, 256, 728] + [728] * 8 + [1024, 2048]
    names = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert names[:3] == ["conv1", "stem", "entry.block2"] and names[-1] == "exit.block14"
    assert [t.get_text() for t in fig.axes[0].texts] == [str(int(b.get_height())) for b in bars]


def test_breakdown_figure_shares_add_up_to_table_3s_parameter_count(xception_meta):
    fig = anatomy_figures.breakdown_figure(anatomy.breakdown(xception_meta, 299))
    params, macs = fig.axes
    assert params.get_title() == f"parameters: {PAPER_PARAMS:,}"
    widths = [b.get_width() for b in params.patches]
    lefts = [b.get_x() for b in params.patches]
    assert sum(widths) == pytest.approx(1) and lefts == pytest.approx(np.cumsum([0] + widths[:-1]))
    share = {bar.get_label(): bar.patches[0].get_width() for bar in params.containers}
    assert share["classifier"] == pytest.approx((2048 * 1000 + 1000) / PAPER_PARAMS)  # Linear(2048, 1000)
    # BN: gamma and beta per channel = as many as Keras's BN statistics (22,910,480 - 22,855,952)
    assert share["batch norm"] == pytest.approx((22_910_480 - PAPER_PARAMS) / PAPER_PARAMS)
    total_macs = int(macs.get_title().split(": ")[1].replace(",", ""))
    assert round(total_macs / 1e9, 2) == 8.36  # the reference: about 8.36 G multiply-adds per image


# --- notebook 09 ------------------------------------------------------------------------------------------


def test_predictions_figure_draws_each_image_back_in_unit_range():
    x = torch.linspace(-1.5, 1.5, 3 * 3 * 4 * 4).reshape(3, 3, 4, 4)  # beyond [-1, 1]: clipped when drawn
    result = {"images": x, "labels": torch.tensor([0, 1, 1]), "predicted": torch.tensor([0, 0, 1]),
              "confidence": torch.tensor([0.9, 0.6, 0.75])}
    axes = nb09.predictions_figure(result, ["cat", "dog"], columns=2).axes
    for ax, image in zip(axes, x.numpy()):
        expected = np.clip((np.transpose(image, (1, 2, 0)) + 1) / 2, 0, 1)  # undo the [-1, 1] scaling
        np.testing.assert_allclose(ax.images[0].get_array(), expected, rtol=1e-6)
    assert [ax.get_title() for ax in axes[:3]] == [
        "guess: cat (90%)\ntrue: cat", "guess: cat (60%)\ntrue: dog", "guess: dog (75%)\ntrue: dog"]
    assert not axes[3].images  # 3 images on a 2 x 2 grid


def test_nb09_plot_curves_draws_each_runs_recorded_points_only():
    hist = [{"epoch": e, "val_acc": v} for e, v in ((1, 0.2), (2, None), (3, 0.5))]
    ax = nb09.plot_curves({"Xception": hist, "other": hist[:1]}, "val_acc").axes[0]
    assert list(ax.lines[0].get_xdata()) == [1, 3] and ys(ax.lines[0]) == [0.2, 0.5]  # the None is skipped
    assert ax.get_ylabel() == "validation accuracy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Xception", "other"]
    with pytest.raises(ValueError, match="metric='top5' is not one of"):
        nb09.plot_curves({"a": hist}, "top5")


# --- notebook 10 ------------------------------------------------------------------------------------------


def _runs(config, seeds, epochs, rng):
    return [{"config": config, "seed": s, "history": [{"epoch": e, "val_acc": float(rng.random())}
                                                     for e in range(1, epochs + 1)]} for s in range(seeds)]


def test_nb10_plot_curves_draws_each_seed_the_mean_over_seeds_and_the_min_max_band():
    rng = np.random.default_rng(0)
    rows = _runs("residual", 3, 4, rng) + _runs("plain", 2, 5, rng)
    rows[-1]["history"] = rows[-1]["history"][:3]  # a shorter seed: every curve stops at its last epoch
    ax = nb10.plot_curves(rows, "val_acc", title="Fig. 9 (ours)").axes[0]
    lines = iter(ax.lines)
    for band, (name, n, epochs) in zip(ax.collections, (("residual", 3, 4), ("plain", 2, 3))):
        values = np.array([[h["val_acc"] for h in r["history"][:epochs]]
                           for r in rows if r["config"] == name])
        for seed in values:
            assert ys(next(lines)) == list(seed)
        mean = next(lines)
        assert list(mean.get_xdata()) == list(range(1, epochs + 1))
        assert ys(mean) == pytest.approx(values.mean(axis=0)) and mean.get_label() == f"{name} ({n} seeds)"
        limits = band_limits(band)
        for e, low, high in zip(range(1, epochs + 1), values.min(axis=0), values.max(axis=0)):
            assert limits[e] == pytest.approx((low, high))
    assert ax.get_ylabel() == "validation accuracy" and ax.get_title() == "Fig. 9 (ours)"


def test_plot_spectrum_draws_the_mean_and_sample_std_over_seeds_and_every_seed():
    acc = {"g=1": [0.5, 0.6, 0.7], "g=4": [0.55, 0.65, 0.9]}
    step = {"g=1": [0.010, 0.012, 0.014], "g=4": [0.02, 0.02, 0.05]}
    rows = [{"config": c, "groups": int(c[2:]), "params": 12_000 // int(c[2:]), "final_val_acc": a,
             "s_per_step": t} for c in acc for a, t in zip(acc[c], step[c])]
    fig = nb10.plot_spectrum(rows, title="spectrum")
    a, b = fig.axes[:2]
    for ax, values, scale in ((a, acc, 1), (b, step, 1000)):
        container = ax.containers[0]
        means = [scale * np.mean(v) for v in values.values()]
        stds = [scale * np.std(v, ddof=1) for v in values.values()]  # the sample std over seeds
        assert ys(container.lines[0]) == pytest.approx(means)
        segments = container.lines[2][0].get_segments()
        assert [y for s in segments for y in (s[0][1], s[1][1])] == pytest.approx(
            [y for m, s in zip(means, stds) for y in (m - s, m + s)])
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1\n12k params", "4\n3k params"]
    dots = a.lines[1:]  # after the errorbar's own line: one set of dots per configuration
    assert [(list(d.get_xdata()), ys(d)) for d in dots[-2:]] == [([0] * 3, acc["g=1"]), ([1] * 3, acc["g=4"])]


# --- notebook 11 ------------------------------------------------------------------------------------------


def test_argument_figure_states_each_steps_parameters_by_the_closed_forms():
    c = 192
    fig = nb11.argument_figure(c)
    counts = [int(m.group(1).replace(",", "")) for ax in fig.axes for t in ax.texts
              if (m := re.match(r"([\d,]+)\n", t.get_text()))]
    one, three = c * 48, 9 * 48 * 48  # Fig. 1: four towers of 48, conv weights only, as Figs 2-4 are counted
    fig1 = one + (one + three) + (one + 2 * three) + one
    fig2 = 3 * (c * 64 + 9 * 64 * 64)  # three towers of 1x1 -> 3x3, width 64, no BN
    assert counts == [fig1, fig2, fig2,  # Fig. 3 is Fig. 2 rewritten: the same parameters
                      c * c + 9 * c,     # Fig. 4: 1x1, then one 3x3 per channel
                      9 * c + c * c,     # separable: the same two steps, the other way round
                      PAPER_PARAMS]      # Fig. 5, Table 3
    assert f"(a regular 3x3 conv: {9 * c * c:,} parameters)" in fig._suptitle.get_text()
    # one panel per step, in the paper's order, each titled by its figure
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == [
        "Fig. 1", "Fig. 2", "Fig. 3", "Fig. 4", "Sec. 1.2", "Fig. 5"]
