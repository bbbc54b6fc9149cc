"""Notebook 06's package code: correlation measures, kernel separability, hooks, the small nets, the
experiment runner (tiny) and the correlation explorer's view."""
import copy
import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from xception_edu import count_params
from xception_edu.data import photo
from xception_edu.data import synthetic as synthetic_set
from xception_edu.experiments import correlations, nets, operators, separability
from xception_edu.lessons import nb06_correlations as nb06

# --- channel correlation ---------------------------------------------------------------------------

def test_identical_channels_correlate_perfectly_and_negated_ones_at_minus_one():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(20, 30, generator=g)
    r = correlations.channel_correlation(torch.stack([a, a, 3 * a + 1, -a]))
    assert r.shape == (4, 4) and r.dtype == torch.float64
    torch.testing.assert_close(r[0, 1:3], torch.ones(2, dtype=torch.float64))
    assert r[0, 3] == pytest.approx(-1.0) and torch.equal(r, r.T)
    torch.testing.assert_close(r.diagonal(), torch.ones(4, dtype=torch.float64))


def test_independent_noise_is_nearly_uncorrelated():
    x = torch.randn(8, 5, 64, 64, generator=torch.Generator().manual_seed(1))
    r = correlations.channel_correlation(x)  # 8 * 64 * 64 pixels per channel: |r| ~ 1/sqrt(32768) ~ 0.006
    assert correlations.mean_abs_offdiagonal(r) < 0.02


def test_channel_correlation_matches_numpy_corrcoef_over_a_batch():
    import numpy as np

    x = torch.randn(3, 4, 6, 7, generator=torch.Generator().manual_seed(2))
    want = np.corrcoef(x.transpose(0, 1).reshape(4, -1).numpy().astype("float64"))
    torch.testing.assert_close(correlations.channel_correlation(x), torch.from_numpy(want))


def test_a_dead_channel_gives_nan_and_is_ignored_by_the_summary():
    x = torch.randn(3, 10, 10, generator=torch.Generator().manual_seed(3))
    x[1] = 0.0
    r = correlations.channel_correlation(x)
    assert r[1].isnan().all() and r[:, 1].isnan().all() and not r[0, 2].isnan()
    assert correlations.mean_abs_offdiagonal(r) == pytest.approx(abs(float(r[0, 2])))


@pytest.mark.parametrize("bad,match", [(torch.zeros(2, 2, 2, 2, 2), "shape"), (torch.zeros(0, 3, 3), "empty"),
                                       ([[1.0, 2.0]], "tensor or array")])
def test_channel_correlation_rejects_bad_input(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        correlations.channel_correlation(bad)


# --- spatial autocorrelation -----------------------------------------------------------------------

def _smooth_image(size=48):
    t = torch.linspace(0, 1, size)
    return torch.stack([torch.sin(2 * math.pi * t)[:, None] + torch.cos(2 * math.pi * t)[None, :],
                        torch.outer(t, t)])


def test_autocorrelation_is_one_at_distance_zero_and_falls_for_a_smooth_image():
    curve = correlations.autocorrelation(_smooth_image(), 10)
    assert curve.shape == (2, 11)
    torch.testing.assert_close(curve[:, 0], torch.ones(2, dtype=torch.float64))
    assert (curve[:, 1:] < curve[:, :-1]).all()            # strictly decreasing over 10 pixels
    assert (curve[:, 1] > 0.9).all()                        # a smooth image barely changes over a pixel


def test_white_noise_has_no_spatial_correlation():
    g = torch.Generator().manual_seed(4)
    curve = correlations.autocorrelation(torch.randn(4, 64, 64, generator=g), 3)
    assert curve[:, 1:].abs().max() < 0.05


def test_autocorrelation_axes_see_stripes():
    stripes = torch.sin(torch.arange(32.0) * 2 * math.pi / 8)[:, None].expand(32, 32)  # horizontal stripes
    h = correlations.autocorrelation(stripes, 4, axis="horizontal")[0]
    v = correlations.autocorrelation(stripes, 4, axis="vertical")[0]
    torch.testing.assert_close(h, torch.ones(5, dtype=torch.float64))   # constant along a row
    assert v[4] == pytest.approx(-1.0, abs=1e-6)                       # half a period away: anti-correlated


def test_correlation_length_interpolates_and_scales_with_stride():
    assert correlations.correlation_length([1.0, 0.75, 0.25], stride=1) == pytest.approx(1.5)
    assert correlations.correlation_length([1.0, 0.75, 0.25], stride=4) == pytest.approx(6.0)
    assert correlations.correlation_length([1.0, 0.9, 0.8]) == math.inf


@pytest.mark.parametrize("kw,match", [(dict(max_distance=10), "max_distance=10 needs maps larger"),
                                      (dict(max_distance=-1), "max_distance must be an integer >= 0"),
                                      (dict(max_distance=2, axis="diagonal"),
                                       "axis='diagonal' is not one of")])
def test_autocorrelation_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        correlations.autocorrelation(torch.zeros(3, 8, 10), **kw)


# --- kernel separability ---------------------------------------------------------------------------

def _rank1_kernel(cout=6, cin=5, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(cout, cin, 1, 1, generator=g) * torch.randn(cout, 1, k, k, generator=g)


def test_a_rank1_kernel_is_fully_separable():
    w = _rank1_kernel()
    assert separability.kernel_separability(w) == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(separability.filter_separability(w), torch.ones(6, dtype=torch.float64))


def test_random_kernels_are_far_from_separable_and_near_the_theory():
    for cin in (16, 64):
        s = separability.random_separability(cin, 3)
        assert 1 / 9 < s < 0.35                      # at least 1/rank, far below 1
    # many channels: the Marchenko-Pastur edge predicts the share
    assert (separability.random_separability(512, 3)
            == pytest.approx(separability.random_separability_limit(512, 3), abs=0.01))
    assert (separability.random_separability(16, 3, seed=1)
            == pytest.approx(separability.random_separability(16, 3, seed=2), abs=0.02))


def test_separability_bounds_and_one_by_one_kernels():
    w = torch.randn(4, 3, 3, 3)
    assert 1 / 3 <= separability.kernel_separability(w) <= 1.0   # a 3 x 9 matrix has rank <= 3
    # 1x1: a single column
    assert separability.kernel_separability(torch.randn(8, 16, 1, 1)) == pytest.approx(1.0)


def test_layer_separability_is_energy_weighted():
    w = torch.cat([_rank1_kernel(1, 4, 3), torch.randn(1, 4, 3, 3)])
    w[1] *= 1e-3                                      # the non-separable filter carries almost no energy
    per = separability.filter_separability(w)
    assert per[0] == pytest.approx(1.0) and per[1] < 0.9
    assert separability.kernel_separability(w) > 0.9999


def test_pointwise_depthwise_is_exact_for_a_rank1_conv_and_the_rank1_part_otherwise():
    conv = nn.Conv2d(5, 6, 3, padding=1, bias=True)
    with torch.no_grad():
        conv.weight.copy_(_rank1_kernel())
    pair = separability.pointwise_depthwise(conv)
    assert pair.depthwise.groups == 6 and pair.pointwise.kernel_size == (1, 1)
    x = torch.randn(2, 5, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(pair(x), conv(x), atol=1e-5, rtol=1e-5)
        conv.weight.normal_()                         # a full-rank kernel: the pair is its rank-1 part
        channel, spatial = separability.rank1_factors(conv)
        approx = (channel[:, :, None, None] * spatial[:, None]).float()
        want = nn.functional.conv2d(x, approx, conv.bias, padding=1)
        torch.testing.assert_close(separability.pointwise_depthwise(conv)(x), want, atol=1e-5, rtol=1e-5)
    assert count_params(pair) == 5 * 6 + 9 * 6 + 6


def test_separability_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(C_out, C_in / groups, k, k\)"):
        separability.kernel_separability(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="every filter of this kernel is zero"):
        separability.kernel_separability(torch.zeros(2, 3, 3, 3))
    with pytest.raises(TypeError, match="nn.Conv2d or its weight"):
        separability.kernel_separability(nn.Linear(3, 3))
    with pytest.raises(ValueError, match="groups=4"):
        separability.pointwise_depthwise(nn.Conv2d(8, 8, 3, groups=4))
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        separability.random_separability(0, 3)


def test_separability_report_lists_the_regular_kxk_convs_only():
    torch.manual_seed(0)
    model = nets.small_net("regular")
    rows = separability.separability_report(model)
    assert [r.name for r in rows] == [f"features.stage{i}.op" for i in (1, 2, 3)]
    assert rows[0].shape == (16, 3, 3, 3)
    convs = [model.features.stage1.op, model.features.stage2.op, model.features.stage3.op]
    for r, conv in zip(rows, convs):  # sigma_1^2 / ||W||^2 of each (C_in, k*k) filter, summed, by numpy
        w = conv.weight.detach().double().numpy()
        s = np.linalg.svd(w.reshape(w.shape[0], w.shape[1], -1), compute_uv=False)
        assert r.separability == pytest.approx((s[:, 0] ** 2).sum() / (w ** 2).sum())
    assert rows[1].random == pytest.approx(separability.random_separability(16, 3, out_channels=32))
    with pytest.raises(ValueError, match="no regular k x k conv"):
        separability.separability_report(nets.small_net("separable"))


def test_separability_report_measures_what_training_added():
    torch.manual_seed(0)
    model = nets.small_net("regular")
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    assert all(r.moved is None and r.update is None for r in separability.separability_report(model))
    conv = model.features.stage2.op
    with torch.no_grad():
        conv.weight += 0.5 * _rank1_kernel(*conv.weight.shape[:3])   # a rank-1 "update"
    rows = separability.separability_report(model, initial=initial)
    assert rows[0].moved == 0 and math.isnan(rows[0].update)          # untouched layer
    assert rows[1].update == pytest.approx(1.0) and rows[1].moved > 0
    with pytest.raises(ValueError, match="initial has no 'features.stage1.op.weight'"):
        separability.separability_report(model, initial={})


# --- hooks and the small nets ----------------------------------------------------------------------

def test_collect_maps_returns_each_layers_output_with_the_right_shape():
    torch.manual_seed(0)
    model = nets.small_net("separable").train()
    maps = correlations.collect_maps(model, torch.randn(2, 3, 32, 32))
    w = model.width
    assert list(maps) == model.map_layers
    assert [tuple(m.shape) for m in maps.values()] == [(2, w, 16, 16), (2, 2 * w, 8, 8), (2, 4 * w, 4, 4)]
    assert all((m >= 0).all() for m in maps.values())   # after the ReLU
    assert model.training                                 # the mode is restored
    one = correlations.collect_maps(model, torch.randn(1, 3, 32, 32), layers="features.pool1")
    assert list(one) == ["features.pool1"] and one["features.pool1"].shape == (1, w, 8, 8)


def test_collect_maps_names_the_valid_layers():
    with pytest.raises(ValueError, match=(r"'nope' is not a submodule of SmallNet; "
                                          r"some of its names: \['features'")):
        correlations.collect_maps(nets.small_net("regular"), torch.zeros(1, 3, 32, 32), layers=["nope"])
    with pytest.raises(ValueError, match="names no map_layers"):
        correlations.collect_maps(nn.Sequential(nn.Conv2d(3, 3, 1)), torch.zeros(1, 3, 8, 8))


def test_small_nets_have_comparable_parameter_budgets():
    counts = {k: count_params(nets.small_net(k)) for k in nets.KINDS}
    assert all(abs(n - nets.BUDGET) / nets.BUDGET < 0.05 for n in counts.values()), counts
    assert max(counts.values()) / min(counts.values()) < 1.15
    models = {k: nets.small_net(k) for k in nets.KINDS}
    # cheaper ops, more channels
    assert models["separable"].width > models["inception"].width > models["regular"].width
    assert models["inception"].width % nets.DEFAULT_GROUPS == 0
    assert models["inception"].features.stage2.op.spatial.groups == nets.DEFAULT_GROUPS
    assert models["separable"].features.stage1.op.depthwise.groups == 3
    small = nets.small_net("regular", budget=6_000)
    assert abs(count_params(small) - 6_000) < 1_000 and small(torch.zeros(2, 3, 32, 32)).shape == (2, 4)


@pytest.mark.parametrize("kw,match", [(dict(kind="dense", width=8), "kind='dense' is not one of"),
                                      (dict(kind="inception", width=10, groups=4),
                                       "width=10 is not a multiple of groups=4"),
                                      (dict(kind="regular", width=0), "width must be a positive integer")])
def test_small_net_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        nets.SmallNet(**kw)


def test_correlation_profile_reports_every_layer():
    torch.manual_seed(0)
    model = nets.small_net("regular")
    x = torch.randn(4, 3, 32, 32)
    maps = correlations.collect_maps(model, x)
    rows = correlations.correlation_profile({"input": x, **maps})
    assert [r.layer for r in rows] == ["input"] + model.map_layers
    assert [r.stride for r in rows] == [1, 2, 4, 8] and [r.channels for r in rows] == [3, 16, 32, 64]
    assert rows[0].cross_channel < 0.1 and rows[0].half_distance < 1   # white noise input
    for r, m in zip(rows, [x, *maps.values()]):  # mean |r| off the diagonal, image by image, by numpy
        m = m.detach().double().numpy()
        off = ~np.eye(m.shape[1], dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):  # a channel constant in an image: NaN, skipped
            per_image = [np.abs(np.corrcoef(image.reshape(m.shape[1], -1))[off]) for image in m]
        assert r.cross_channel == pytest.approx(np.nanmean(per_image), rel=1e-5)


def test_correlation_profile_averages_within_images():
    a = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(6))
    x = torch.cat([a, torch.stack([a[0], -a[1]])], dim=1)   # r = +1 in image 0, -1 in image 1
    assert correlations.channel_correlation(x)[0, 1].abs() < 0.2       # pooled over the batch they cancel out
    assert correlations.correlation_profile({"x": x})[0].cross_channel == pytest.approx(1.0)


def test_photo_regions_are_rgb_and_strongly_correlated():
    regions = photo.photo_regions()
    assert list(regions) == list(photo.PHOTO_REGIONS)
    whole = regions["whole photo"]
    assert whole.shape == (3, 600, 512) and 0 <= whole.min() and whole.max() <= 1
    r = correlations.channel_correlation(whole)
    assert (r[~torch.eye(3, dtype=torch.bool)] > 0.5).all()   # R, G and B of a photograph go together


# --- the experiment, in a tiny size ------------------------------------------------------------------

def test_which_learns_what_trains_every_kind_on_every_task_tiny():
    exp = operators.which_learns_what(tasks=("spatial", "channel"), kinds=("regular", "separable"),
                                      seeds=(0,), n_train=64, n_val=32, epochs=1, budget=3_000, batch_size=32)
    assert len(exp.rows) == 4 and set(exp.models) == {(k, t, 0) for k in ("regular", "separable")
                                                       for t in ("spatial", "channel")}
    for r in exp.rows:  # the reported accuracy is the returned model's, re-measured on the held-out split
        model = exp.models[(r["kind"], r["task"], 0)]
        x, y = synthetic_set(32, 32, task=r["task"], seed=0, split="val", materialize=True).tensors()
        with torch.no_grad():
            guess = copy.deepcopy(model).eval()(x).argmax(1)  # a copy: the training flag is checked below
            assert r["val_acc"] == pytest.approx((guess == y).float().mean().item())
        assert r["params"] == sum(p.numel() for p in model.parameters()) < 4_000
    assert len(exp.accuracy("regular", "spatial")) == 1
    table = exp.table()
    assert "spatial" in table and "separable" in table and "chance = 0.25" in table
    assert not exp.models[("regular", "spatial", 0)].training
    before = exp.initial[("regular", "spatial", 0)]["features.stage1.op.weight"]
    assert not torch.equal(before, exp.models[("regular", "spatial", 0)].features.stage1.op.weight)


def test_the_shuffled_control_keeps_the_images_and_permutes_the_labels():
    from xception_edu.data import synthetic

    ds = synthetic(64, 32, task="spatial", seed=0, materialize=True)
    sh = operators._shuffled(ds, 0)
    assert torch.equal(sh.images, ds.images) and sorted(sh.targets) == sorted(ds.targets)
    assert sh.targets != ds.targets
    exp = operators.which_learns_what(tasks=(operators.CONTROL,), kinds=("regular",), n_train=32, n_val=32,
                                      epochs=1, budget=2_000, batch_size=32)
    assert [r["task"] for r in exp.rows] == ["shuffled"]


@pytest.mark.parametrize("kw,match", [(dict(tasks=("colour",)), "task 'colour' is not one of"),
                                      (dict(kinds=("dense",)), "kind='dense' is not one of"),
                                      (dict(seeds=()), "seeds is empty"),
                                      (dict(n_train=10), "smaller than one batch")])
def test_which_learns_what_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        operators.which_learns_what(**kw)


# --- the correlation explorer (widgets) ------------------------------------------------------------

@pytest.fixture(scope="module")
def maps():
    torch.manual_seed(0)
    model = nets.small_net("regular")
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(5))
    x[:, 1] = x[:, 0]                                    # G = R: a perfect correlation to find
    return {"input": x, **correlations.collect_maps(model, x)}


def test_correlation_view_shows_what_the_package_computes(maps):

    layer = "features.stage2"
    html = nb06.correlation_view(maps, layer, 1, 3, 5)
    r = correlations.channel_correlation(maps[layer][1])
    assert f"r = {float(r[3, 5]):.2f}" in html
    assert f"mean |r| between channels: {correlations.mean_abs_offdiagonal(r):.2f}" in html
    assert "(32 channels, 8x8 px)" in html and html.count("<svg") == 5 and "xe-mark" in html
    nums = nb06.correlation_numbers(maps, layer, 1, 3, 5)
    torch.testing.assert_close(nums["autocorrelation"],
                               correlations.autocorrelation(maps[layer][1][[3, 5]], 6))
    assert nums["stride"] == 4
    rgb = nb06.correlation_view(maps, "input", 0, 0, 1)
    assert "r = 1.00</span> between R and G" in rgb


def test_correlation_explorer_follows_its_controls_and_keeps_channels_valid(maps):

    app = nb06.correlation_explorer(maps, image_labels=["x", "y", "z"])
    html = app.output.outputs[0]["data"]["text/html"]
    assert "<b>input</b> (3 channels" in html and "between R and G" in html
    app.set(layer="features.stage3", a=60, b=7)
    assert (app.output.outputs[0]["data"]["text/html"]
            == nb06.correlation_view(maps, "features.stage3", 0, 60, 7))
    app.set(layer="features.stage1")                    # 16 channels: channel 60 no longer exists
    assert app.controls["a"].max == 15 and app.values["a"] == 15
    assert (app.output.outputs[0]["data"]["text/html"]
            == nb06.correlation_view(maps, "features.stage1", 0, 15, 7))


@pytest.mark.parametrize("kw,match", [(dict(layer="nope"), "layer='nope' is not one of"),
                                      (dict(image=9), "image=9 is out of range"),
                                      (dict(a=3), "a=3 is not a channel of 'input', which has 3")])
def test_correlation_explorer_rejects_bad_choices(maps, kw, match):

    with pytest.raises(ValueError, match=match):
        nb06.correlation_explorer(maps, **kw)
