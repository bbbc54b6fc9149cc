"""Notebook 07's package code, tested without a kernel: the closed forms of ``savings`` against the real
modules, the Xception-wide comparison against a brute-force replacement, the timing helpers on tiny
inputs, the savings widget and the two figures."""
import copy
import statistics

import matplotlib
import pytest
import torch
import torch.nn as nn

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu import counting
from xception_edu.counting import Counts  # noqa: E402
from xception_edu.experiments import timing
from xception_edu.lessons import nb07_parameter_savings as nb07
from xception_edu.lessons import savings_figures
from xception_edu.model import anatomy

ALL = timing.VARIANTS + timing.PARTS


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def small_xception():
    torch.manual_seed(0)
    return xe.Xception(num_classes=10, middle_repeats=1, width=0.25)


# --- closed forms against the modules ------------------------------------------------------------------

@pytest.mark.parametrize("cin,cout,k,g", [(8, 16, 3, 4), (12, 18, 5, 6), (3, 8, 1, 1), (16, 16, 7, 16),
                                          (6, 4, 3, 2)])
def test_closed_forms_equal_the_counts_measured_on_the_modules(cin, cout, k, g):
    for variant in ALL:
        module = timing.build_variant(variant, cin, cout, k, g)
        closed = timing.variant_counts(variant, cin, cout, k, g, hw=(7, 9))
        hooked = counting.measure(module, (1, cin, 7, 9))  # forward hooks on every conv actually called
        assert closed == hooked, variant
        assert closed.params == sum(p.numel() for p in module.parameters())
        assert module(torch.zeros(2, cin, 7, 9)).shape == (2, cin if variant == "depthwise" else cout, 7, 9)


def test_the_timed_fig4_module_has_inceptions_relu_after_both_steps():
    # Sec. 1.2: Inception (and so Fig. 4's extreme version) puts a ReLU after the 1x1 AND after the spatial
    # conv; the timing of notebook 07 must time that module, written here with torch's functional ops.
    m = timing.build_variant("extreme", 6, 8, 3)
    x = torch.randn(2, 6, 7, 7)
    f = torch.nn.functional
    want = f.relu(f.conv2d(f.relu(f.conv2d(x, m.pointwise.weight)), m.spatial.weight, padding=1, groups=8))
    torch.testing.assert_close(m(x), want)


def test_closed_forms_agree_with_torchinfo():
    for variant in ALL:
        module = timing.build_variant(variant, 12, 24, 3, 4)
        assert (counting.torchinfo_counts(module, (1, 12, 5, 5))
                == timing.variant_counts(variant, 12, 24, 3, 4, (5, 5)))


def test_the_formulas_written_out():
    cin, cout, k, g = 64, 128, 3, 4
    c = timing.all_counts(cin, cout, k, g)
    assert list(c) == list(timing.VARIANTS)
    assert c["standard"].params == k * k * cin * cout
    assert c["grouped"].params == k * k * (cin // g) * cout
    # Fig. 4: the k x k filters come after the 1x1
    assert c["extreme"].params == cin * cout + k * k * cout
    assert c["separable"].params == k * k * cin + cin * cout     # Sec. 1.2: the k x k filters come first
    hw = (19, 7)
    for variant, counts in timing.all_counts(cin, cout, k, g, hw).items():
        # stride 1, "same" padding: every weight, every pixel
        assert counts.macs == c[variant].params * 19 * 7
    assert timing.variant_counts("grouped", 32, 32, 3, 1) == timing.variant_counts("standard", 32, 32, 3)
    assert timing.variant_counts("grouped", 32, 32, 3, 32) == timing.variant_counts("depthwise", 32, 32, 3)
    parts = (timing.variant_counts("depthwise", cin, cout, k)
             + timing.variant_counts("pointwise", cin, cout, k))
    assert parts == timing.variant_counts("separable", cin, cout, k)


@pytest.mark.parametrize("cin,cout,k", [(728, 728, 3), (64, 64, 3), (32, 256, 5), (256, 8, 7), (16, 16, 1)])
def test_separable_over_regular_is_one_over_cout_plus_one_over_k_squared(cin, cout, k):
    c = timing.all_counts(cin, cout, k, hw=(5, 5))
    want = 1 / cout + 1 / k**2                                  # Cin cancels
    assert c["separable"].params / c["standard"].params == pytest.approx(want, rel=1e-12)
    assert c["separable"].macs / c["standard"].macs == pytest.approx(want, rel=1e-12)
    assert counting.separable_ratio(cout, k) == pytest.approx(want, rel=1e-12)
    assert (c["separable"].params > c["standard"].params) == (k == 1)   # a "separable" 1x1 costs more


def test_valid_groups_are_the_common_divisors():
    assert timing.valid_groups(8, 12) == [1, 2, 4]
    assert timing.valid_groups(7, 7) == [1, 7]
    assert timing.valid_groups(64, 64) == [1, 2, 4, 8, 16, 32, 64]
    for g in range(1, 13):
        if g in timing.valid_groups(8, 12):
            timing.build_variant("grouped", 8, 12, 3, g)
            timing.variant_counts("grouped", 8, 12, 3, g)
        else:
            with pytest.raises(ValueError, match=rf"groups={g} does not divide .*\[1, 2, 4\]"):
                timing.build_variant("grouped", 8, 12, 3, g)
            with pytest.raises(ValueError, match=rf"groups={g} does not divide .*\[1, 2, 4\]"):
                timing.variant_counts("grouped", 8, 12, 3, g)


def test_bad_input_names_the_value_and_what_is_valid():
    with pytest.raises(ValueError, match=(r"groups=3 does not divide cin=8; "
                                          r"valid group counts .* \[1, 2, 4\]")):
        timing.build_variant("grouped", 8, 12, 3, 3)
    with pytest.raises(ValueError, match=r"variant='dilated' is not one of \('standard', 'grouped'"):
        timing.variant_counts("dilated", 8, 8, 3)
    with pytest.raises(ValueError, match=r"variant='dilated' is not one of"):
        timing.build_variant("dilated", 8, 8, 3)
    with pytest.raises(ValueError, match=r"cin must be a positive integer, got 0"):
        timing.valid_groups(0, 4)
    with pytest.raises(ValueError, match=r"kernel_size=4 is even.*use an odd size such as 3 or 5"):
        timing.build_variant("grouped", 8, 8, 4, 2)
    with pytest.raises(ValueError, match=r"repeats must be a positive integer, got 0"):
        counting.alternating_medians({"a": lambda: None}, repeats=0)
    with pytest.raises(ValueError, match=r"image_size=64 is below Xception's minimum of 71"):
        anatomy.xception_counts(image_size=64)


# --- Xception: separable convs vs regular convs in their place -------------------------------------------

def _with_regular_convs(model):
    """Brute force: a copy of ``model`` with every SeparableConv2d replaced by a StandardConv."""
    model = copy.deepcopy(model)
    for name, m in list(model.named_modules()):
        if isinstance(m, xe.SeparableConv2d):
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent), child,
                    xe.StandardConv(m.in_channels, m.out_channels, m.kernel_size))
    return model


@pytest.mark.parametrize("size", [71, 96])
def test_regular_equivalent_equals_a_brute_force_replacement(small_xception, size):
    r = anatomy.regular_equivalent(small_xception, size)
    brute = _with_regular_convs(small_xception)
    assert not any(isinstance(m, xe.SeparableConv2d) for m in brute.modules())
    assert r["actual"] == counting.measure(small_xception, (1, 3, size, size))
    assert r["regular"] == counting.measure(brute, (1, 3, size, size))
    assert r["regular"].params > 5 * r["actual"].params


def test_separable_layers_lists_every_separable_conv_at_its_map_size(small_xception):
    rows = anatomy.separable_layers(small_xception, 71)
    seps = {n: m for n, m in small_xception.named_modules() if isinstance(m, xe.SeparableConv2d)}
    assert [r.name for r in rows] == list(seps)
    seen = {}
    handles = [m.register_forward_hook(lambda mod, i, o, n=n: seen.__setitem__(n, tuple(o.shape[-2:])))
               for n, m in seps.items()]
    with torch.no_grad():
        small_xception.eval()(torch.zeros(1, 3, 71, 71))
    for h in handles:
        h.remove()
    for r in rows:
        assert r.out_hw == seen[r.name]
        assert r.separable == seps[r.name].counts(*r.out_hw)
        assert r.regular == counting.standard(r.cin, r.cout, r.k, r.out_hw)


def test_separable_layers_counts_a_strided_separable_conv_at_its_input_size():
    model = nn.Sequential(xe.SeparableConv2d(3, 8, 3, stride=2))
    (row,) = anatomy.separable_layers(model, 9)
    assert row.out_hw == (5, 5)
    # by hand: depthwise 9 x 3 and pointwise 3 x 8 weights, each used once per pixel of the 5 x 5 output
    assert row.separable == counting.Counts(9 * 3 + 3 * 8, (9 * 3 + 3 * 8) * 25)
    assert row.regular == counting.Counts(9 * 3 * 8, 9 * 3 * 8 * 25)
    assert row.separable == counting.measure(model, (1, 3, 9, 9))  # and what the forward pass measures
    assert row.regular == counting.measure(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), (1, 3, 9, 9))


def test_breakdown_sums_to_the_totals(small_xception):
    parts = anatomy.breakdown(small_xception, 71)
    assert list(parts) == list(anatomy.KINDS)
    assert sum(c.params for c in parts.values()) == xe.count_params(small_xception)
    assert sum(c.macs for c in parts.values()) == counting.measure(small_xception, (1, 3, 71, 71)).macs
    depthwise = sum(m.weight.numel() for m in small_xception.modules()
                    if isinstance(m, nn.Conv2d) and m.groups == m.in_channels > 1)
    assert parts["depthwise"].params == depthwise and parts["batch norm"].macs == 0


@pytest.mark.parametrize("repeats,width,size", [(0, 0.25, 71), (2, 0.5, 128), (1, 0.75, 100)])
def test_xception_counts_equal_the_flow_counts_of_real_models(repeats, width, size):
    closed = anatomy.xception_counts(repeats, width, size, num_classes=1000)
    rows = xe.flow_counts(xe.Xception(middle_repeats=repeats, width=width), size)
    assert {r.name: Counts(r.params, r.macs) for r in rows} == dict(closed)


def test_xception_counts_of_the_papers_model():
    total = anatomy.xception_counts()["total"]
    assert total.params == 22_855_952                        # Table 3
    # 8.36 G per 299 px image (flow_counts, notebook 08)
    assert total.macs == 8_357_404_496


# --- timing ---------------------------------------------------------------------------------------------

def test_alternating_medians_alternates_and_takes_the_median():
    calls = []
    fns = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    out = counting.alternating_medians(fns, repeats=3, warmup=1)
    assert calls == ["a", "b", "c"] + ["a", "b", "c"] * 3
    assert list(out) == ["a", "b", "c"]
    for t in out.values():
        assert len(t.times) == 3 and t.median == statistics.median(t.times) and t.median > 0


@pytest.mark.parametrize("channels_last", [False, True])
def test_measure_variants_returns_positive_times_next_to_the_counts(channels_last):
    threads = torch.get_num_threads()
    rows = timing.measure_variants(4, 8, 3, groups=2, size=6, batch=2, variants=ALL,
                                   channels_last=channels_last, repeats=2, threads=1)
    assert torch.get_num_threads() == threads
    assert [r.variant for r in rows] == list(ALL)
    for r in rows:
        c = timing.variant_counts(r.variant, 4, 8, 3, 2, (6, 6))
        assert (r.params, r.macs, r.batch, r.size) == (c.params, c.macs, 2, 6)
        assert r.memory_format == ("NHWC" if channels_last else "NCHW")
        assert r.ms > 0 and r.gmacs_per_s > 0
    table = timing.timing_table(rows).splitlines()
    assert len(table) == 1 + len(ALL) and "GMAC/s" in table[0]
    assert all(timing.VARIANT_NAMES[r.variant] in line for r, line in zip(rows, table[1:]))


def test_time_training_steps_times_each_model():
    def tiny():
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10))

    models = {"a": tiny(), "b": tiny()}
    out = timing.time_training_steps(models, batch=2, image_size=8, repeats=2, num_classes=10)
    assert list(out) == ["a", "b"]
    for t in out.values():  # one time per repeat, and their median
        assert len(t.times) == 2 and t.median == statistics.median(t.times) and t.median > 0
    for m in models.values():  # what was timed is a forward AND a backward pass of each model
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.parameters())


# --- the widget -----------------------------------------------------------------------------------------

def _html(app):
    return app.output.outputs[0]["data"]["text/html"]


@pytest.mark.parametrize("cin,cout,k,g", [(64, 64, 3, 4), (8, 256, 7, 8), (128, 16, 1, 16)])
def test_savings_numbers_and_view_show_the_packages_counts(cin, cout, k, g):
    r = nb07.savings_numbers(cin, cout, k, g, time_it=False)
    hw = (nb07.SAVINGS_MAP_SIZE,) * 2
    assert r["counts"] == timing.all_counts(cin, cout, k, g, hw) and r["times"] is None
    html = nb07.savings_table_view(cin, cout, k, g, time_it=False)
    for variant, c in r["counts"].items():
        assert f"xe-params-{variant}'>{c.params:,}<" in html and f"xe-macs-{variant}'>{c.macs:,}<" in html
    assert "xe-time-" not in html
    assert f"xe-ratio'>{1 / cout + 1 / k**2:.4f}<" in html


def test_savings_numbers_times_every_operator_on_one_thread():
    threads = torch.get_num_threads()
    r = nb07.savings_numbers(8, 8, 3, 2, time_it=True, repeats=2)
    assert torch.get_num_threads() == threads
    assert list(r["times"]) == list(timing.VARIANTS) and all(t > 0 for t in r["times"].values())
    html = nb07.savings_table_view(8, 8, 3, 2)
    assert all(f"xe-time-{v}'>" in html for v in timing.VARIANTS)


def test_savings_explorer_offers_only_valid_group_counts():
    app = nb07.savings_explorer(cin=16, cout=16, kernel_size=3, groups=4)
    calls = []
    view = app._view

    def counted(**values):
        assert values["cin"] % values["groups"] == 0 and values["cout"] % values["groups"] == 0
        calls.append(values)
        return view(**values)

    app._view = counted
    assert tuple(app.controls["groups"].options) == (1, 2, 4, 8, 16)
    app.set(cin=8)                          # g = 4 still divides both: kept, one redraw
    assert tuple(app.controls["groups"].options) == (1, 2, 4, 8) and app.values["groups"] == 4
    assert len(calls) == 1
    app.set(groups=8).set(cout=32)          # g = 8 still valid for (8, 32)
    assert app.values["groups"] == 8 and len(calls) == 3
    # 64 -> largest valid <= 64
    app.set(cout=16).set(groups=8).set(cin=64, cout=64).set(groups=64).set(cout=16)
    assert app.values["groups"] == 16 and tuple(app.controls["groups"].options) == (1, 2, 4, 8, 16)
    assert f"xe-params-grouped'>{9 * (64 // 16) * 16:,}<" in _html(app)  # k^2 (Cin/g) Cout at g = 16
    for c in ("cin", "cout"):
        for v in nb07.SAVINGS_CHANNEL_CHOICES:
            app.set(**{c: v})
            assert (tuple(app.controls["groups"].options)
                    == tuple(timing.valid_groups(app.values["cin"], app.values["cout"])))


def test_savings_explorer_rejects_invalid_start_values():
    with pytest.raises(ValueError, match=(r"groups=3 does not divide both Cin=64 and Cout=64; "
                                          r"valid: \(1, 2, 4")):
        nb07.savings_explorer(groups=3)
    with pytest.raises(ValueError, match=r"cin=48 is not one of \(8, 16"):
        nb07.savings_explorer(cin=48)
    with pytest.raises(ValueError, match=r"kernel_size=4 is not one of"):
        nb07.savings_explorer(kernel_size=4)


# --- figures --------------------------------------------------------------------------------------------

def test_savings_curves_figure_draws_the_closed_forms():
    channels, kernels = (8, 64, 728), (1, 3, 5)
    fig = savings_figures.savings_curves_figure(channels=channels, kernels=kernels, spectrum_channels=16)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3
    width, ratio, spectrum = fig.axes
    assert len(width.lines) == 3                               # standard, extreme, separable
    extreme = width.lines[2]                                   # drawn dashed over the equal separable line
    assert extreme.get_linestyle() == "--" and "= separable" in extreme.get_label()
    assert list(extreme.get_ydata()) == list(width.lines[1].get_ydata())
    assert list(width.lines[0].get_ydata()) == [9 * c * c for c in channels]
    assert len(ratio.lines) == 2 * len(kernels)                # a curve and its floor 1/k² per k
    assert list(ratio.lines[2].get_ydata()) == pytest.approx([1 / c + 1 / 9 for c in channels])
    assert len(spectrum.lines) == 2                            # g = 1 .. C, and the separable conv
    assert list(spectrum.lines[0].get_xdata()) == [1, 2, 4, 8, 16]
    assert list(spectrum.lines[0].get_ydata()) == [9 * 16 * 16 // g for g in (1, 2, 4, 8, 16)]


def test_time_vs_macs_figure_has_one_point_per_row():
    rows = [timing.VariantTiming(v, 8, 8, 3, 2, 6, fmt, c.params, c.macs, ms, 2)
            for fmt, ms in (("NCHW", 1.0), ("NHWC", 0.5))
            for v, c in timing.all_counts(8, 8, 3, 2, (6, 6)).items()]
    fig = savings_figures.time_vs_macs_figure(rows)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 1
    *points, diagonal = fig.axes[0].lines
    assert len(points) == len(rows)
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in points] == [(r.macs * 2, r.ms) for r in rows]
    rate = statistics.median(r.gmacs_per_s for r in rows if r.variant == "standard")
    assert list(diagonal.get_ydata()) == pytest.approx([x / rate / 1e6 for x in diagonal.get_xdata()])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:-1] == [timing.VARIANT_NAMES[v] for v in timing.VARIANTS] and "GMAC/s" in legend[-1]
    no_standard = savings_figures.time_vs_macs_figure([r for r in rows if r.variant != "standard"])
    assert len(no_standard.axes[0].lines) == len(rows) - 2
