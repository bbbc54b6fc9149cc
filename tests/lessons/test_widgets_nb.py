"""The widgets of notebooks 01-05 (and, at the end, every widget that needs no trained model), tested
without a kernel: set a control, check the view."""
import pytest

from xception_edu.lessons import app as xe_app
from xception_edu.lessons import nb01_standard_convolution as nb01
from xception_edu.lessons import nb02_inception_module as nb02
from xception_edu.lessons import nb03_reformulation as nb03
from xception_edu.lessons import nb04_extreme_inception as nb04
from xception_edu.lessons import nb05_depthwise_separable as nb05
from xception_edu.ops import spectrum as ops_spectrum


def _html(app):
    return app.output.outputs[0]["data"]["text/html"]


# --- 01 ------------------------------------------------------------------------------------------

def test_conv_cost_shows_parameters_and_macs():
    html = nb01.conv_cost_view(3, 64, 3, 56)
    assert "parameters: 1,728" in html and f"multiply-adds: {1728 * 56 * 56:,}" in html
    app = nb01.conv_cost().set(cin=728, cout=728, size=19)
    params = 3 * 3 * 728 * 728  # k^2 Cin Cout; every weight once per output pixel
    assert f"parameters: {params:,}" in _html(app) and f"multiply-adds: {params * 19 * 19:,}" in _html(app)


@pytest.mark.parametrize("end", [0, -1])
def test_conv_cost_slider_ends(end):
    ch, k, s = nb01.CONV_CHANNEL_CHOICES[end], xe_app.KERNEL_CHOICES[end], nb01.MAP_SIZE_CHOICES[end]
    app = nb01.conv_cost().set(cin=ch, cout=ch, kernel_size=k, size=s)
    assert f"parameters: {k * k * ch * ch:,}" in _html(app)


def test_conv_cost_offers_only_valid_values():
    app = nb01.conv_cost()
    assert tuple(app.controls["kernel_size"].options) == xe_app.KERNEL_CHOICES
    with pytest.raises(ValueError, match="kernel_size=4 is not one of"):
        nb01.conv_cost(kernel_size=4)


# --- 02 ------------------------------------------------------------------------------------------

def test_towers_view_counts_fig2_and_the_regular_conv():
    html = nb02.towers_view(3, 64, 256)
    want = 3 * (256 * 64 + 9 * 64 * 64)
    assert f"parameters: {want:,}" in html
    assert f"one regular 3x3 conv 256→192: {9 * 256 * 192:,}" in html
    assert html.count("tower ") == 3  # one bar per tower


@pytest.mark.parametrize("end", [0, -1])
def test_towers_slider_ends(end):
    n, w, c = nb02.TOWER_CHOICES[end], nb02.WIDTH_CHOICES[end], nb02.IN_CHANNEL_CHOICES[end]
    app = nb02.inception_towers().set(towers=n, width=w, cin=c)
    assert f"parameters: {n * (c * w + 9 * w * w):,}" in _html(app)  # n towers of 1x1 (c -> w), 3x3 (w -> w)


# --- 03 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("towers", [1, 3, nb03.REFORM_CHANNELS])  # both ends and the paper's 3
def test_reformulation_is_exact_for_every_tower_count(towers):
    r = nb03.reformulation_numbers(towers)
    assert r["max_diff"] < 1e-5 and r["params_fig2"] == r["params_fig3"]
    assert r["connectivity"].sum() == nb03.REFORM_CHANNELS ** 2 // towers
    html = _html(nb03.reformulation().set(towers=towers))
    assert "the same function" in html and "<svg" in html


def test_reformulation_offers_only_divisors():
    app = nb03.reformulation()
    assert tuple(app.controls["towers"].options) == (1, 2, 3, 4, 6, 12)
    with pytest.raises(ValueError, match="towers=5 is not one of"):
        nb03.reformulation(towers=5)


# --- 04: the spectrum ----------------------------------------------------------------------------

def test_spectrum_point_values_for_every_g():
    from xception_edu import divisors

    C, cin, s = nb04.SPECTRUM_CHANNELS, nb04.SPECTRUM_IN, nb04.SPECTRUM_SIZE
    for g in divisors(C):
        p = nb04.spectrum_point(g, time_it=False)
        assert p.params == cin * C + 9 * (C // g) * C and p.macs == p.params * s * s
        assert (p.connectivity == ops_spectrum.connectivity_matrix(C, g)).all() and p.time_ms is None


@pytest.mark.parametrize("g", [1, nb04.SPECTRUM_CHANNELS])  # both ends of the slider
def test_spectrum_slider_ends_show_numbers_as_text(g):
    app = nb04.spectrum().set(groups=g)
    html = _html(app)
    c, cin, s = nb04.SPECTRUM_CHANNELS, nb04.SPECTRUM_IN, nb04.SPECTRUM_SIZE
    params = cin * c + 9 * (c // g) * c  # the 1x1, then the 3x3 in g groups
    assert f"parameters: {params:,}</span>" in html and f"multiply-adds: {params * s * s:,}</span>" in html
    assert "forward pass: " in html and " ms</span>" in html and html.count("<svg") == 2


def test_spectrum_offers_exactly_the_divisors():
    app = nb04.spectrum()
    assert tuple(app.controls["groups"].options) == (1, 2, 3, 4, 6, 8, 12, 16, 24, 48)
    with pytest.raises(ValueError, match="groups=5 is not one of"):
        nb04.spectrum(groups=5)


# --- 05 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("blocks", [nb05.BLOCK_CHOICES[0], nb05.BLOCK_CHOICES[-1]])
def test_regroup_slider_ends(blocks):
    html = _html(nb05.regroup().set(blocks=blocks))
    assert "the same function" in html
    assert f"<b>{blocks - 1} depthwise separable" in html
    assert html.count("dw<sub>") == 2 * blocks  # every depthwise conv, in both bracketings


def test_tiny_model_apps_restore_the_thread_count():
    import torch

    n = torch.get_num_threads()
    nb04.spectrum_view(3, time_it=False)
    nb05.regroup_view(2)
    assert torch.get_num_threads() == n


# --- every widget that needs no trained model: keyboard controls, a fallback any viewer can show ----------

KEYBOARD_CONTROLS = ("SelectionSlider", "IntSlider", "FloatSlider", "Dropdown", "ToggleButtons", "Checkbox",
                     "RadioButtons", "SelectionRangeSlider", "IntRangeSlider")


def _apps():
    from xception_edu.lessons import fig5
    from xception_edu.lessons import nb00_start_here as nb00
    from xception_edu.lessons import nb07_parameter_savings as nb07
    from xception_edu.lessons import nb08_xception_architecture as nb08

    return {"00": nb00.savings_teaser, "01": nb01.conv_cost, "02": nb02.inception_towers,
            "03": nb03.reformulation, "04": nb04.spectrum, "05": nb05.regroup,
            "07": lambda: nb07.savings_explorer(), "08": nb08.architecture, "08 Fig. 5": fig5.fig5_app}


@pytest.mark.parametrize("name", list(_apps()))
def test_every_control_is_labelled_for_the_keyboard_and_the_fallback_is_pictures_with_text(name, monkeypatch):
    import re

    from xception_edu.lessons import nb07_parameter_savings as nb07

    monkeypatch.setattr(nb07, "savings_numbers", _untimed)  # counts, no timing: this test is about the widget
    app = _apps()[name]()
    for c in app.controls.values():
        assert type(c).__name__ in KEYBOARD_CONTROLS and c.description.strip() and not c.disabled
    static = app.static_html()
    assert "<svg" not in static
    drawn = app.rendering().get("text/html", "")
    assert static.count("<img") >= drawn.count("<svg")
    assert all(alt.strip() and alt != "a drawing" for alt in re.findall(r'<img [^>]*alt="([^"]*)"', static))
    for c in app.controls.values():
        assert f"{c.description} = " in static


def _untimed(cin, cout, kernel_size, groups, time_it=True):
    from xception_edu.experiments import timing

    counts = timing.all_counts(cin, cout, kernel_size, groups, (14, 14))
    return {"counts": counts, "times": None}
