"""The widgets of notebooks 01-05, tested without a kernel: set a control, check the view."""
import pytest

from xception_edu import counting, widgets


def _html(app):
    return app.output.outputs[0]["data"]["text/html"]


# --- 01 ------------------------------------------------------------------------------------------

def test_conv_cost_shows_parameters_and_macs():
    html = widgets.conv_cost_view(3, 64, 3, 56)
    assert "parameters: 1,728" in html and f"multiply-adds: {1728 * 56 * 56:,}" in html
    app = widgets.conv_cost().set(cin=728, cout=728, size=19)
    c = counting.standard(728, 728, 3, (19, 19))
    assert f"parameters: {c.params:,}" in _html(app) and f"multiply-adds: {c.macs:,}" in _html(app)


@pytest.mark.parametrize("end", [0, -1])
def test_conv_cost_slider_ends(end):
    ch, k, s = widgets.CONV_CHANNEL_CHOICES[end], widgets.KERNEL_CHOICES[end], widgets.MAP_SIZE_CHOICES[end]
    app = widgets.conv_cost().set(cin=ch, cout=ch, kernel_size=k, size=s)
    assert f"parameters: {k * k * ch * ch:,}" in _html(app)


def test_conv_cost_offers_only_valid_values():
    app = widgets.conv_cost()
    assert tuple(app.controls["kernel_size"].options) == widgets.KERNEL_CHOICES
    with pytest.raises(ValueError, match="kernel_size=4 is not one of"):
        widgets.conv_cost(kernel_size=4)


# --- 02 ------------------------------------------------------------------------------------------

def test_towers_view_counts_fig2_and_the_regular_conv():
    html = widgets.towers_view(3, 64, 256)
    want = 3 * (256 * 64 + 9 * 64 * 64)
    assert f"parameters: {want:,}" in html
    assert f"one regular 3x3 conv 256→192: {9 * 256 * 192:,}" in html
    assert html.count("tower ") == 3  # one bar per tower


@pytest.mark.parametrize("end", [0, -1])
def test_towers_slider_ends(end):
    n, w, c = widgets.TOWER_CHOICES[end], widgets.WIDTH_CHOICES[end], widgets.IN_CHANNEL_CHOICES[end]
    app = widgets.inception_towers().set(towers=n, width=w, cin=c)
    assert f"parameters: {counting.spectrum(c, n * w, 3, n, (1, 1)).params:,}" in _html(app)


# --- 03 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("towers", [1, 3, widgets.REFORM_CHANNELS])  # both ends and the paper's 3
def test_reformulation_is_exact_for_every_tower_count(towers):
    r = widgets.reformulation_numbers(towers)
    assert r["max_diff"] < 1e-5 and r["params_fig2"] == r["params_fig3"]
    assert r["connectivity"].sum() == widgets.REFORM_CHANNELS ** 2 // towers
    html = _html(widgets.reformulation().set(towers=towers))
    assert "the same function" in html and "<svg" in html


def test_reformulation_offers_only_divisors():
    app = widgets.reformulation()
    assert tuple(app.controls["towers"].options) == (1, 2, 3, 4, 6, 12)
    with pytest.raises(ValueError, match="towers=5 is not one of"):
        widgets.reformulation(towers=5)


# --- 04: the spectrum ----------------------------------------------------------------------------

def test_spectrum_point_values_for_every_g():
    from xception_edu import divisors, viz

    C, cin, s = widgets.SPECTRUM_CHANNELS, widgets.SPECTRUM_IN, widgets.SPECTRUM_SIZE
    for g in divisors(C):
        p = widgets.spectrum_point(g, time_it=False)
        assert p.params == cin * C + 9 * (C // g) * C and p.macs == p.params * s * s
        assert (p.connectivity == viz.connectivity_matrix(C, g)).all() and p.time_ms is None


@pytest.mark.parametrize("g", [1, widgets.SPECTRUM_CHANNELS])  # both ends of the slider
def test_spectrum_slider_ends_show_numbers_as_text(g):
    app = widgets.spectrum().set(groups=g)
    html = _html(app)
    p = widgets.spectrum_point(g, time_it=False)
    assert f"parameters: {p.params:,}</span>" in html and f"multiply-adds: {p.macs:,}</span>" in html
    assert "forward pass: " in html and " ms</span>" in html and html.count("<svg") == 2


def test_spectrum_offers_exactly_the_divisors():
    app = widgets.spectrum()
    assert tuple(app.controls["groups"].options) == (1, 2, 3, 4, 6, 8, 12, 16, 24, 48)
    with pytest.raises(ValueError, match="groups=5 is not one of"):
        widgets.spectrum(groups=5)


# --- 05 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("blocks", [widgets.BLOCK_CHOICES[0], widgets.BLOCK_CHOICES[-1]])
def test_regroup_slider_ends(blocks):
    html = _html(widgets.regroup().set(blocks=blocks))
    assert "the same function" in html
    assert f"<b>{blocks - 1} depthwise separable" in html
    assert html.count("dw<sub>") == 2 * blocks  # every depthwise conv, in both bracketings


def test_tiny_model_apps_restore_the_thread_count():
    import torch

    n = torch.get_num_threads()
    widgets.spectrum_view(3, time_it=False)
    widgets.regroup_view(2)
    assert torch.get_num_threads() == n
